import { applyDecorators, Res, SetMetadata, UseInterceptors } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants.js';
import type { SseStreamOptions } from './sse-options.interface.js';
import { SSE_STREAM_OPTIONS } from './sse-stream.constants.js';
import { SseStreamInterceptor } from './sse-stream.interceptor.js';

/**
 * Tells Nest the route writes its own response, so it sends nothing after the handler.
 * The response goes to one extra parameter after the handler's own, which it never sees.
 */
function takeOverResponse(): MethodDecorator {
  return (target, key, descriptor) => {
    const args: Record<string, { index: number }> = Reflect.getMetadata(ROUTE_ARGS_METADATA, target.constructor, key) ?? {};
    const declared = typeof descriptor.value === 'function' ? (descriptor.value as (...a: unknown[]) => unknown).length : 0;
    const index = Math.max(declared - 1, ...Object.values(args).map((arg) => arg.index)) + 1;
    Res({ passthrough: false })(target, key, index);
  };
}

/**
 * Answers a GET or POST route with Server-Sent Events from the Observable the handler
 * returns: `start`, one `content` per chunk, `complete` (or `stream_error`), each with JSON
 * data and an id. The status is 200 for both methods. When the client disconnects, the
 * Observable is unsubscribed, which aborts the provider request.
 *
 * @example
 * ```ts
 * @Get('stream')
 * @SseStream()
 * stream(@Query('message') message: string) {
 *   return this.engine.stream([{ role: 'user', content: message }]);
 * }
 * ```
 */
export function SseStream(options: SseStreamOptions = {}): MethodDecorator {
  return applyDecorators(SetMetadata(SSE_STREAM_OPTIONS, options), UseInterceptors(SseStreamInterceptor), takeOverResponse());
}

import {
  HttpException,
  Inject,
  Injectable,
  Logger,
  Optional,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Observable } from 'rxjs';
import { ENGINE_MODULE_OPTIONS } from '../bupple-engine.module-definition.js';
import { EngineException } from '../errors/engine.exception.js';
import { retryAfterSeconds, toHttpException } from '../errors/engine-http.js';
import type { BuppleEngineModuleOptions } from '../interfaces/engine-module-options.interface.js';
import type { SseStreamOptions } from './sse-options.interface.js';
import { SseSession, type PlatformResponse } from './sse-session.js';
import { SSE_STREAM_OPTIONS } from './sse-stream.constants.js';

/**
 * Answers a route with Server-Sent Events from the Observable its handler returns (use it
 * through `@SseStream()`). The 200 and the `start` event wait until the engine accepted
 * the request, so a failure before that still gets a real HTTP error status.
 */
@Injectable()
export class SseStreamInterceptor implements NestInterceptor {
  private readonly logger = new Logger('BuppleSse');

  constructor(
    private readonly reflector: Reflector,
    @Optional() @Inject(ENGINE_MODULE_OPTIONS) private readonly moduleOptions?: BuppleEngineModuleOptions,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const request = http.getRequest<IncomingMessage & { raw?: IncomingMessage }>();
    const response = http.getResponse<PlatformResponse & ServerResponse>();
    const options: SseStreamOptions = {
      ...this.moduleOptions?.sse,
      ...this.reflector.get<SseStreamOptions | undefined>(SSE_STREAM_OPTIONS, context.getHandler()),
    };
    return new Observable<unknown>((outer) => {
      let committed = false;
      const session = new SseSession(request.raw ?? request, response, options, {
        onCommitted: () => {
          committed = true;
          outer.next(undefined);
          outer.complete();
        },
        onEarlyError: (error) => outer.error(this.beforeFirstByte(error, response)),
      }, this.logger);
      session.run(() => next.handle());
      // Once committed, the session owns the stream until the client goes.
      return () => {
        if (!committed) session.dispose();
      };
    });
  }

  /** An error before any byte was written becomes an ordinary HTTP error response. */
  private beforeFirstByte(error: unknown, response: PlatformResponse & ServerResponse): unknown {
    if (error instanceof HttpException || !EngineException.isInstance(error)) return error;
    const retryAfter = retryAfterSeconds(error);
    if (retryAfter !== undefined) {
      const target = response.raw ?? response;
      target.setHeader('Retry-After', String(retryAfter));
      (response as { header?: (name: string, value: string) => void }).header?.('retry-after', String(retryAfter));
    }
    return toHttpException(error);
  }
}

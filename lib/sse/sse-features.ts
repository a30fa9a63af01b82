import { Injectable, mixin, type CallHandler, type ExecutionContext, type NestInterceptor, type Type } from '@nestjs/common';
import type { Observable } from 'rxjs';
import type { SseDisconnectPolicy, SseProgressOptions, SseStreamOptions } from './sse-options.interface.js';

/** Something that takes route options late: the stream being set up. */
export interface SseConfigurable {
  configure(options: Partial<SseStreamOptions>): void;
}

function isConfigurable(value: unknown): value is SseConfigurable {
  return typeof value === 'object' && value !== null && typeof (value as SseConfigurable).configure === 'function';
}

/** Where a request keeps its SSE set-up (registered keys: the CommonJS and ESM builds agree on them). */
const PENDING_OPTIONS: unique symbol = Symbol.for('bupple.nestjs-ai-engine.sse-pending-options') as never;
const STREAM: unique symbol = Symbol.for('bupple.nestjs-ai-engine.sse-stream') as never;

type SseRequestState = { [PENDING_OPTIONS]?: Partial<SseStreamOptions>; [STREAM]?: SseConfigurable };

/** Internal: takes the options an outer feature interceptor (one that ran before `SseStreamInterceptor`) left on this request. */
export function takePendingSseOptions(request: object): Partial<SseStreamOptions> | undefined {
  const state = request as SseRequestState;
  const options = state[PENDING_OPTIONS];
  // no delete when there is nothing: a delete turns the request object into a slow dictionary
  if (options !== undefined) state[PENDING_OPTIONS] = undefined;
  return options;
}

/** Internal: the stream being set up for this request, which inner feature interceptors configure. */
export function setSseStreamOf(request: object, stream: SseConfigurable): void {
  (request as SseRequestState)[STREAM] = stream;
}

/**
 * Makes an interceptor that sets some `@SseStream()` options for a route; it works on either
 * side of `@SseStream()` in the decorator list, and costs nothing per event (the stream reads
 * the options once).
 */
function featureInterceptor(options: Partial<SseStreamOptions>): Type<NestInterceptor> {
  @Injectable()
  class SseFeatureInterceptor implements NestInterceptor {
    intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
      // inside @SseStream() the stream exists (it is being subscribed); outside, it takes the options when it is made
      const request = context.switchToHttp().getRequest<object>() as SseRequestState;
      const current = request[STREAM];
      if (isConfigurable(current)) current.configure(options);
      else request[PENDING_OPTIONS] = { ...request[PENDING_OPTIONS], ...options };
      return next.handle();
    }
  }
  return mixin(SseFeatureInterceptor);
}

/**
 * `progress` events `{ processed, total, percent }` on an `@SseStream()` route:
 * `@UseInterceptors(SseProgressInterceptor({ total: (req) => Number(req.query?.expected) }))`.
 */
export function SseProgressInterceptor(options: SseProgressOptions | boolean = true): Type<NestInterceptor> {
  return featureInterceptor({ progress: options });
}

/** Keepalive settings of an `@SseStream()` route: `SseKeepaliveInterceptor({ keepaliveMs: 5000, keepaliveMode: 'comment' })`. */
export function SseKeepaliveInterceptor(options: Pick<SseStreamOptions, 'keepaliveMs' | 'keepaliveMode'>): Type<NestInterceptor> {
  return featureInterceptor({ keepaliveMs: options.keepaliveMs, keepaliveMode: options.keepaliveMode });
}

/** Maps each chunk; a chunk whose mapping throws becomes a `chunk_error` and the stream goes on. */
export function SseTransformInterceptor(transform: NonNullable<SseStreamOptions['transform']>): Type<NestInterceptor> {
  return featureInterceptor({ transform });
}

/** What happens when the client goes away: `SseDisconnectInterceptor({ graceMs: 10000 })`. */
export function SseDisconnectInterceptor(policy: SseDisconnectPolicy): Type<NestInterceptor> {
  return featureInterceptor({ onDisconnect: policy });
}

import { Injectable, mixin, type CallHandler, type ExecutionContext, type NestInterceptor, type Type } from '@nestjs/common';
import type { Observable } from 'rxjs';
import { streamReporterStorage } from '../engine/stream-reporter.js';
import { sharedState } from '../utils/shared-state.js';
import type { SseDisconnectPolicy, SseProgressOptions, SseStreamOptions } from './sse-options.interface.js';

/** Something that takes route options late: the stream being set up. */
export interface SseConfigurable {
  configure(options: Partial<SseStreamOptions>): void;
}

function isConfigurable(value: unknown): value is SseConfigurable {
  return typeof value === 'object' && value !== null && typeof (value as SseConfigurable).configure === 'function';
}

/** Options set by feature interceptors that ran before `SseStreamInterceptor` (outer ones). */
const pending = sharedState('pending-sse-options', () => new WeakMap<object, Partial<SseStreamOptions>>());

/** Internal: takes the options an outer feature interceptor left for this request. */
export function takePendingSseOptions(request: object): Partial<SseStreamOptions> | undefined {
  const options = pending.get(request);
  pending.delete(request);
  return options;
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
      const current = streamReporterStorage.getStore();
      if (isConfigurable(current)) current.configure(options);
      else {
        const request = context.switchToHttp().getRequest<object>();
        pending.set(request, { ...pending.get(request), ...options });
      }
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

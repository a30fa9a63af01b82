import { Observable, type Subscriber } from 'rxjs';
import type { EngineWarning } from '../interfaces/engine-warning.interface.js';

/** Sent once the provider accepted the request (before the first content). */
export interface StreamAcceptedInfo {
  engine: string;
  provider: string;
  model: string;
}

/** The engine is about to try again after a retryable failure. */
export interface StreamRetryInfo {
  /** 1 for the first retry. */
  attempt: number;
  maxAttempts: number;
  delayMs: number;
  /** True when content was already streamed: the client must discard the partial answer. */
  reset: boolean;
  engine: string;
  /** The error code that caused the retry. */
  reason: string;
}

/** The engine gave up on one engine and moves to the next in the fallback chain. */
export interface StreamFallbackInfo {
  from: string;
  to: string;
  /** The error code that caused the fallback. */
  reason: string;
  /** True when content was already streamed: the client must discard the partial answer. */
  reset: boolean;
}

/**
 * What happens inside an engine stream besides its chunks: the lifecycle of one
 * subscription. The SSE layer subscribes with one attached (`withStreamLifecycle`), so that a
 * plain `return this.engine.stream(…)`, piped or not, gets `start` once the provider
 * accepted, and `retry`, `fallback` and `warning` events.
 */
export interface StreamReporter {
  /** The SSE stream the answer goes out on, when there is one. */
  readonly streamId?: string;
  accepted(info: StreamAcceptedInfo): void;
  retry(info: StreamRetryInfo): void;
  fallback(info: StreamFallbackInfo): void;
  /** An option the provider could not honour (also on the answer's first chunk, `warnings`). */
  warning?(warning: EngineWarning): void;
}

/** The key of the lifecycle on a subscriber; registered, so that the CommonJS and ESM builds agree on it. */
const LIFECYCLE: unique symbol = Symbol.for('bupple.nestjs-ai-engine.stream-lifecycle') as never;

type Marked = { [LIFECYCLE]?: StreamReporter; destination?: unknown };

/**
 * Subscribes `source` with `lifecycle` attached to this subscription: an engine stream
 * subscribed anywhere upstream, through any operators (`map`, `filter`, `takeUntil`,
 * `switchMap`, Nest's own wrapping of a handler's result), reports to it. Nothing is shared
 * between subscriptions, and nothing changes in the values that flow.
 */
export function withStreamLifecycle<T>(lifecycle: StreamReporter): (source: Observable<T>) => Observable<T> {
  return (source) =>
    new Observable<T>((subscriber) => {
      (subscriber as unknown as Marked)[LIFECYCLE] = lifecycle;
      return source.subscribe(subscriber);
    });
}

/**
 * The lifecycle attached downstream of `subscriber`, if any. Every RxJS operator subscribes
 * its source with a subscriber that forwards to the next one down (`destination`): the
 * nearest attached lifecycle along that chain is this subscription's. A chain cut by a
 * Subject (`share()`) has none: the stream then runs without one (the SSE layer commits at
 * the first value).
 */
export function lifecycleOf(subscriber: Subscriber<unknown>): StreamReporter | undefined {
  let current = subscriber as unknown as Marked | undefined;
  for (let depth = 0; current && typeof current === 'object' && depth < 256; depth++) {
    const lifecycle = current[LIFECYCLE];
    if (lifecycle) return lifecycle;
    current = current.destination as Marked | undefined;
  }
  return undefined;
}

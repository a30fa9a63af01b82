import { AsyncLocalStorage } from 'node:async_hooks';
import { sharedState } from '../utils/shared-state.js';

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
 * Receives what happens inside an engine stream besides its chunks. The SSE layer installs
 * one around the handler's Observable (through `streamReporterStorage`), so that a plain
 * `return this.engine.stream(…)` gets `start`, `retry` and `fallback` events.
 */
export interface StreamReporter {
  /** The SSE stream the answer goes out on, when there is one. */
  readonly streamId?: string;
  accepted(info: StreamAcceptedInfo): void;
  retry(info: StreamRetryInfo): void;
  fallback(info: StreamFallbackInfo): void;
}

/** Internal: the reporter of the SSE stream being set up, if any. */
export const streamReporterStorage: AsyncLocalStorage<StreamReporter> = sharedState('reporter-storage', () => new AsyncLocalStorage<StreamReporter>());

/** How many SSE streams are being set up (shared by the package's CommonJS and ESM builds, like the storage). */
const setUps = sharedState('reporter-setups', () => ({ count: 0 }));

/**
 * Internal: marks one SSE stream as being set up, during which the engine may look its
 * reporter up in `streamReporterStorage`. Call the returned function once the engine stream
 * has picked the reporter up (or never will). When no stream is being set up, the storage
 * is disabled: an enabled AsyncLocalStorage adds a hook to every promise of the process,
 * a cost a streaming server would otherwise pay on every token.
 */
export function holdReporterStorage(): () => void {
  setUps.count++;
  let held = true;
  return () => {
    if (!held) return;
    held = false;
    if (--setUps.count === 0) streamReporterStorage.disable();
  };
}

import { ContentFilterException, DeltaTooLargeException, ProviderOverloadedException, type EngineException } from '../errors/engine.exception.js';
import { backoffDelay, type ResolvedRetryOptions } from './backoff.js';

/** What to do after a failed provider call. */
export type Recovery = { action: 'retry'; delayMs: number } | { action: 'fallback' } | { action: 'fail' };

/** Where the answer stands when a call failed. */
export interface RecoveryContext {
  retry: ResolvedRetryOptions;
  /** Retries of the current engine so far (in this step). */
  retries: number;
  /** Another engine follows in the fallback chain. */
  hasNext: boolean;
  /** The client saw some of this step's answer (a restart must tell it to `reset`). */
  contentSent: boolean;
  /** Nothing reached a client yet whatever was streamed (`send()`): a restart is always allowed. */
  restartable: boolean;
}

/**
 * The retry policy: retry a retryable failure on the same engine with backoff (the provider's
 * `retryAfter` when it gave one, unless longer than `maxDelayMs`), else fall back to the next
 * engine, else fail. After content, a restart happens only with `retry.afterContent:
 * 'restart'` (or a restartable answer). An overloaded provider goes straight to the next
 * engine when there is one; a content filter never falls back; a delta over the cap always fails.
 */
export function recover(error: EngineException, context: RecoveryContext, random: () => number = Math.random): Recovery {
  if (error instanceof DeltaTooLargeException) return { action: 'fail' };
  const { retry } = context;
  const mayRestart = !context.contentSent || context.restartable || retry.afterContent === 'restart';
  if (!mayRestart) return { action: 'fail' };
  const sameEngineWorthIt = error.retryable && !(context.hasNext && error instanceof ProviderOverloadedException);
  if (sameEngineWorthIt && context.retries < retry.maxRetries) {
    const delayMs = backoffDelay(context.retries + 1, retry, (error as { retryAfter?: number }).retryAfter, random);
    if (delayMs !== undefined) return { action: 'retry', delayMs };
  }
  if (context.hasNext && !(error instanceof ContentFilterException)) return { action: 'fallback' };
  return { action: 'fail' };
}

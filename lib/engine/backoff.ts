import type { RetryOptions } from '../interfaces/engine-call-options.interface.js';

export type ResolvedRetryOptions = Required<RetryOptions>;

export const DEFAULT_RETRY: ResolvedRetryOptions = {
  maxRetries: 2,
  initialDelayMs: 500,
  maxDelayMs: 8000,
  afterContent: 'error',
};

/**
 * Delay before retry number `attempt` (1-based): exponential with full jitter, or the
 * provider's `retryAfter` when it gave one. Undefined when the provider asks for a longer
 * wait than `maxDelayMs` (not worth holding a request open for).
 */
export function backoffDelay(attempt: number, retry: ResolvedRetryOptions, retryAfter?: number, random = Math.random): number | undefined {
  if (retryAfter !== undefined) return retryAfter <= retry.maxDelayMs ? retryAfter : undefined;
  const ceiling = Math.min(retry.maxDelayMs, retry.initialDelayMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

import type { ConversationLike } from './conversation-like.interface.js';

/** Retry policy for retryable provider errors (408/409/429/5xx, connection failures). */
export interface RetryOptions {
  /** Retries after the first attempt, per engine. Default 2. */
  maxRetries?: number;
  /** First backoff delay in ms, doubled each retry, with full jitter. Default 500. */
  initialDelayMs?: number;
  /** Upper bound of one backoff delay in ms. Default 8000. */
  maxDelayMs?: number;
  /**
   * What to do when a stream fails after content was already sent:
   * `'error'` (default) ends it with the error; `'restart'` starts the answer again and
   * first reports a `retry` event with `reset: true` so the client drops the partial text.
   */
  afterContent?: 'error' | 'restart';
}

/** Timeouts for one provider call, in ms. */
export interface TimeoutOptions {
  /** Until the provider accepts the request (response headers). Default 30000. */
  firstByteMs?: number;
  /** Longest silence between two chunks before the stream counts as stalled. Default 60000. */
  idleMs?: number;
}

/** Per-call settings. Anything left out falls back to the engine's configuration. */
export interface EngineCallOptions {
  /** Configured engine name; defaults to `engine.default`. */
  engine?: string;
  model?: string;
  temperature?: number;
  maxTokens?: number;
  topP?: number;
  stop?: string | string[];
  presencePenalty?: number;
  frequencyPenalty?: number;
  /** End-user id passed to providers that accept one (abuse monitoring). */
  user?: string;
  /** Provider-specific settings, merged into the request body as they are. */
  providerOptions?: Record<string, unknown>;
  /** Engines to try in order when this one fails for good. Overrides `engine.fallback`. */
  fallback?: string[];
  retry?: RetryOptions;
  timeout?: TimeoutOptions;
  /** Stores the exchange in this conversation (see MemoryService). */
  conversation?: ConversationLike;
  /** Aborts the call, like unsubscribing. */
  signal?: AbortSignal;
}

/** Options after defaults are applied, as a driver receives them. */
export interface DriverCallOptions {
  model: string;
  temperature?: number;
  maxTokens?: number;
  topP?: number;
  stop?: string[];
  presencePenalty?: number;
  frequencyPenalty?: number;
  user?: string;
  providerOptions?: Record<string, unknown>;
}

import { ValidationException } from '../errors/engine.exception.js';
import { ErrorMessages } from '../errors/error-messages.js';
import { TokenLimitException, TooManyStreamsException } from '../errors/limit.exception.js';
import type { EngineOptions } from '../bupple-engine.module-options.js';

// Defined with every other exception, in lib/errors/.
export { TokenLimitException, TooManyStreamsException };

/**
 * Limits against abuse (the `limits` module option), counted per scope (the module's `scope`
 * hook: a user, an API key, a tenant; requests without one share the anonymous scope).
 */
export interface EngineLimitsOptions {
  /**
   * Most streams one scope may have generating at once in this process (a stream that goes on
   * after its client left still counts: its provider request does). One more is answered 429
   * with `Retry-After` before the route's handler runs, so before any provider call.
   * Default: no limit.
   */
  maxConcurrentStreams?: number;
  /** The `Retry-After` of that 429, in seconds. Default 5. */
  retryAfterSeconds?: number;
  /**
   * Most tokens one scope may use per window, counted in this process from the answers of
   * `@SseStream()` routes as they end (the provider's usage; an answer cut short without usage
   * counts its text, 4 characters a token). Once a scope has used them, a new stream is a 429
   * `token_limit` with `Retry-After` (the end of the window) before any provider call. The
   * answer that crosses the limit is not cut. Default: no limit.
   */
  tokensPerWindow?: { tokens: number; windowMs: number };
}

/** Tokens used per scope in fixed windows (in process). */
export class TokenWindows {
  private readonly windows = new Map<string, { start: number; used: number }>();

  constructor(
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Adds `tokens` to the scope's current window. */
  add(key: string, tokens: number): void {
    if (!(tokens > 0)) return;
    const window = this.current(key);
    window.used += tokens;
    this.windows.set(key, window);
  }

  /** Tokens used in the scope's current window, and the ms until it ends. */
  state(key: string): { used: number; resetInMs: number } {
    const window = this.current(key);
    return { used: window.used, resetInMs: Math.max(0, window.start + this.windowMs - this.now()) };
  }

  private current(key: string): { start: number; used: number } {
    const now = this.now();
    const window = this.windows.get(key);
    if (window && now < window.start + this.windowMs) return window;
    // old windows go as they are replaced; a scope that never comes back leaves one entry
    if (this.windows.size > 100_000) for (const [k, w] of this.windows) if (now >= w.start + this.windowMs) this.windows.delete(k);
    const fresh = { start: now, used: 0 };
    this.windows.set(key, fresh);
    return fresh;
  }
}

/** The model allow-list of a configured engine (its `models` plus its own `model`), or undefined when any model may be asked for. */
export function allowedModels(engine: EngineOptions, name: string, defaultModel: string): string[] | undefined {
  const config = (engine as unknown as Record<string, unknown>)[name];
  const models = typeof config === 'object' && config !== null ? (config as { models?: unknown }).models : undefined;
  if (!Array.isArray(models)) return undefined;
  return [...new Set([defaultModel, ...(models as string[])])];
}

/**
 * Throws a `ValidationException` (400) when a call names a model its engine does not allow
 * (see the engines' `models` option). Nothing is sent to the provider then.
 */
export function assertModelAllowed(engine: EngineOptions, name: string, defaultModel: string, model: string | undefined): void {
  if (model === undefined || model === '' || model === defaultModel) return;
  const allowed = allowedModels(engine, name, defaultModel);
  if (allowed && !allowed.includes(model)) throw new ValidationException(ErrorMessages.modelNotAllowed(name, allowed));
}

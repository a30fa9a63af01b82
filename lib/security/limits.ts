import { EngineException, ValidationException } from '../errors/engine.exception.js';
import { ErrorMessages } from '../errors/error-messages.js';
import type { EngineOptions } from '../interfaces/engine-module-options.interface.js';

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
}

/** A scope already has `limit` streams generating: 429 with `Retry-After`. */
export class TooManyStreamsException extends EngineException {
  override readonly code: string = 'too_many_streams';
  /** The delay to wait before asking again, in ms. */
  readonly retryAfter: number;
  constructor(
    readonly limit: number,
    retryAfterSeconds: number,
  ) {
    super(ErrorMessages.tooManyStreams(limit), { retryable: true });
    this.retryAfter = retryAfterSeconds * 1000;
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

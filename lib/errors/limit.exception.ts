import { EngineException } from './engine.exception.js';
import { ErrorMessages } from './error-messages.js';

/** A scope used its tokens for this window: 429 with `Retry-After` (the window's end). */
export class TokenLimitException extends EngineException {
  override readonly code: string = 'token_limit';
  /** The delay until the window ends, in ms. */
  readonly retryAfter: number;
  constructor(
    readonly limit: number,
    retryAfterMs: number,
  ) {
    super(ErrorMessages.tokenLimit(limit), { retryable: true });
    this.retryAfter = retryAfterMs;
  }
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

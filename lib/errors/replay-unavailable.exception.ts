import { EngineException } from './engine.exception.js';

/**
 * The Redis replay store cannot answer (down, or not answering within its command timeout):
 * a resume or stop of a stream held elsewhere answers `503` with `Retry-After` instead of
 * hanging or failing with a raw Redis error. `retryAfter` is in ms.
 */
export class ReplayUnavailableException extends EngineException {
  override readonly code: string = 'replay_unavailable';
  readonly retryAfter: number;
  constructor(message: string, options: { retryAfter: number; cause?: unknown }) {
    super(message, { retryable: true, cause: options.cause });
    this.retryAfter = options.retryAfter;
  }
}

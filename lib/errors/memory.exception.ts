import { EngineException, type EngineExceptionOptions } from './engine.exception.js';

/** What memory errors carry besides their message. */
export interface MemoryExceptionOptions extends Pick<EngineExceptionOptions, 'cause' | 'retryable'> {
  /** The store that failed: `memory`, `file`, `redis`, `database`, or a custom store's name. */
  store?: string;
}

/** Base class of conversation-memory errors. */
export class MemoryException extends EngineException {
  override readonly code: string = 'memory_error';
  /** The store that failed, if known. */
  readonly store?: string;

  constructor(message: string, options: MemoryExceptionOptions = {}) {
    super(message, { cause: options.cause, retryable: options.retryable ?? false });
    this.store = options.store;
  }
}

/**
 * The store cannot be reached, the connection dropped, or it did not answer in time.
 * `retryAfter` (ms), when the store knows when to try again (the Redis store: about one
 * reconnection round), goes out as `Retry-After` with the 503.
 */
export class MemoryConnectionException extends MemoryException {
  override readonly code: string = 'memory_connection';
  readonly retryAfter?: number;
  constructor(message: string, options: MemoryExceptionOptions & { retryAfter?: number } = {}) {
    super(message, { ...options, retryable: options.retryable ?? true });
    this.retryAfter = options.retryAfter;
  }
}

/** The store answered but could not read or write (a missing table, a full disk, a lock timeout…). */
export class MemoryStorageException extends MemoryException {
  override readonly code: string = 'memory_storage';
}

/** A conversation id, message id, message or store option is not acceptable. Nothing was stored. */
export class MemoryValidationException extends MemoryException {
  override readonly code: string = 'memory_invalid';
  constructor(message: string, options: MemoryExceptionOptions = {}) {
    super(message, { ...options, retryable: false });
  }
}

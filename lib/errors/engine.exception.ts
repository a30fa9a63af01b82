import { isRetryableHttpStatus } from '../protocol/retry.js';
import { httpStatusOfCode } from './http-status.js';

const MARKER = Symbol.for('bupple.nestjs-ai-engine.error');

/** What every engine error carries besides its message. */
export interface EngineExceptionOptions {
  /** The provider that failed (`openai`, `claude`, `gemini`, `offline`, …), if any. */
  provider?: string;
  /** The configured engine name, if any. */
  engine?: string;
  /** HTTP status the provider answered with, if any. */
  status?: number;
  /** The provider's error body (parsed JSON or text), kept for diagnosis. Never holds keys. */
  body?: unknown;
  /** Whether trying again (after a delay) may succeed. */
  retryable?: boolean;
  cause?: unknown;
}

/**
 * Base class of every error the engine raises. `code` is a stable, machine-readable name
 * (also sent to SSE clients in `stream_error` events); `message` is safe to show: it never
 * contains an API key or a stack trace.
 */
export class EngineException extends Error {
  readonly [MARKER] = true;
  /** Stable machine-readable code, e.g. `rate_limit`. */
  readonly code: string = 'engine_error';
  readonly provider?: string;
  engine?: string;
  readonly status?: number;
  readonly body?: unknown;
  readonly retryable: boolean;

  /**
   * The HTTP status the app answers with when this error happens before the first byte of a
   * response (400 for the caller's mistakes, 429 for limits, 500 for this server's, 502/503/504
   * for the provider's); set by the class's `code` (lib/errors/http-status.ts). Not to be
   * confused with `status`, the provider's own answer.
   */
  get httpStatus(): number {
    return httpStatusOfCode(this.code);
  }

  constructor(message: string, options: EngineExceptionOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.provider = options.provider;
    this.engine = options.engine;
    this.status = options.status;
    this.body = options.body;
    this.retryable = options.retryable ?? isRetryableStatus(options.status);
  }

  /** True for engine errors, also those thrown by another copy of this package. */
  static isInstance(error: unknown): error is EngineException {
    return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[MARKER] === true;
  }

  /**
   * `instanceof EngineException` (and of every subclass, e.g. in `@Catch()`) also holds for an
   * error of the package's other build (CommonJS or ESM) or another copy: by marker and class name.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true;
    return EngineException.isInstance(value) && hasClassNamed(value, this.name);
  }
}

function hasClassNamed(value: object, name: string): boolean {
  for (let proto = Object.getPrototypeOf(value); proto !== null; proto = Object.getPrototypeOf(proto)) {
    if (Object.hasOwn(proto, 'constructor') && (proto.constructor as { name?: string }).name === name) return true;
  }
  return false;
}

/** 408, 409, 425, 429 and 5xx are worth retrying (the one set, from lib/protocol/). */
export function isRetryableStatus(status: number | undefined): boolean {
  return isRetryableHttpStatus(status);
}

/** The provider rejected the credentials (401/403). */
export class AuthenticationException extends EngineException {
  override readonly code: string = 'authentication';
  constructor(message: string, options: EngineExceptionOptions = {}) {
    super(message, { ...options, retryable: false });
  }
}

/** The provider is rate limiting (429). `retryAfter` is the delay it asked for, in ms. */
export class RateLimitException extends EngineException {
  override readonly code: string = 'rate_limit';
  readonly retryAfter?: number;
  constructor(message: string, options: EngineExceptionOptions & { retryAfter?: number } = {}) {
    super(message, { ...options, retryable: options.retryable ?? true });
    this.retryAfter = options.retryAfter;
  }
}

/** The request was invalid: a bad option, a message part the provider cannot take, a 400/404/422. */
export class ValidationException extends EngineException {
  override readonly code: string = 'invalid_request';
  constructor(message: string, options: EngineExceptionOptions = {}) {
    super(message, { ...options, retryable: false });
  }
}

/** The provider could not be reached, timed out, or stalled mid-stream. */
export class ConnectionException extends EngineException {
  override readonly code: string = 'connection';
  constructor(message: string, options: EngineExceptionOptions = {}) {
    super(message, { ...options, retryable: options.retryable ?? true });
  }
}

/**
 * A provider sent one delta (text, reasoning or tool arguments) longer than
 * `engine.maxDeltaChars`: the answer fails for every client alike (no retry: the same request
 * would bring the same delta), and the delta is neither sent nor stored.
 */
export class DeltaTooLargeException extends EngineException {
  override readonly code: string = 'delta_too_large';
  constructor(message: string, options: EngineExceptionOptions = {}) {
    super(message, { ...options, retryable: false });
  }
}

/** The provider is overloaded (Claude 529, Gemini 503). */
export class ProviderOverloadedException extends EngineException {
  override readonly code: string = 'overloaded';
  readonly retryAfter?: number;
  constructor(message: string, options: EngineExceptionOptions & { retryAfter?: number } = {}) {
    super(message, { ...options, retryable: options.retryable ?? true });
    this.retryAfter = options.retryAfter;
  }
}

/** The provider refused to answer, or stopped, because of its content policy. */
export class ContentFilterException extends EngineException {
  override readonly code: string = 'content_filter';
  constructor(message: string, options: EngineExceptionOptions = {}) {
    super(message, { ...options, retryable: false });
  }
}

/** The provider failed on its side (5xx other than overload). */
export class ProviderServerException extends EngineException {
  override readonly code: string = 'provider_error';
  constructor(message: string, options: EngineExceptionOptions = {}) {
    super(message, { ...options, retryable: options.retryable ?? true });
  }
}

/**
 * The provider sent an event-stream line, or one event, longer than the transport's cap
 * (`maxEventLength`, default 8 Mi characters): the stream is failed, the process is not.
 */
export class ProviderStreamLimitException extends ProviderServerException {
  override readonly code: string = 'stream_limit';
  constructor(message: string, options: EngineExceptionOptions = {}) {
    super(message, { ...options, retryable: false });
  }
}

/** `engine(name)` named an engine that is not configured. */
export class UnknownEngineException extends EngineException {
  override readonly code: string = 'unknown_engine';
  readonly configured: string[];
  constructor(message: string, configured: string[]) {
    super(message, { retryable: false });
    this.configured = configured;
  }
}

/** An optional package (a provider SDK, a store client) is not installed. */
export class MissingPackageException extends EngineException {
  override readonly code: string = 'missing_package';
  constructor(message: string) {
    super(message, { retryable: false });
  }
}

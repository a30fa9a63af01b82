import { isRetryableHttpStatus, parseRetryAfterValue } from '../protocol/retry.js';

const MARKER = Symbol.for('bupple.nestjs-ai-engine.client-error');

/** Base class of the errors the client raises; `isInstance` works across two copies of the package. */
export class StreamClientError extends Error {
  readonly [MARKER] = true;
  /** Stable machine-readable code. */
  readonly code: string;

  constructor(message: string, code: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
  }

  static isInstance(error: unknown): error is StreamClientError {
    return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[MARKER] === true;
  }

  /** `instanceof` (this class and its subclasses) also holds for an error of another copy or build of the package. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true;
    if (!StreamClientError.isInstance(value)) return false;
    for (let proto = Object.getPrototypeOf(value); proto !== null; proto = Object.getPrototypeOf(proto)) {
      if (Object.hasOwn(proto, 'constructor') && (proto.constructor as { name?: string }).name === this.name) return true;
    }
    return false;
  }
}

/**
 * The server answered with an HTTP error instead of a stream (before the first byte): a 400
 * with the invalid fields, a 429 with `Retry-After`, a 502 from the provider, a 404 for a
 * stream it does not know…
 */
export class StreamHttpError extends StreamClientError {
  /** HTTP status. */
  readonly status: number;
  /** The delay the server asked for (`Retry-After`), in ms. */
  readonly retryAfterMs: number | undefined;
  /** One message per invalid field (NestJS ValidationPipe's `message` array), else empty. */
  readonly fieldMessages: string[];
  /** Whether trying again later may succeed (408, 409, 425, 429 and 5xx, or the body says so). */
  readonly retryable: boolean;
  /** The parsed JSON body (or the text). */
  readonly body: unknown;

  constructor(status: number, body: unknown, retryAfterMs: number | undefined) {
    const object = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
    const fieldMessages = Array.isArray(object.message) ? object.message.filter((m): m is string => typeof m === 'string') : [];
    let message: string;
    if (typeof object.message === 'string' && object.message !== '') message = object.message;
    else if (fieldMessages.length > 0) message = fieldMessages.join('; ');
    else if (typeof body === 'string' && body.trim() !== '' && body.length <= 300) message = body.trim();
    else message = `The server answered with HTTP ${status}.`;
    const code = typeof object.code === 'string' ? object.code : `http_${status}`;
    super(message, code);
    this.status = status;
    this.body = body;
    this.retryAfterMs = retryAfterMs;
    this.fieldMessages = fieldMessages;
    this.retryable = typeof object.retryable === 'boolean' ? object.retryable : isRetryableHttpStatus(status);
  }
}

/** The connection was lost and could not be resumed (attempts used up, or no way to resume). */
export class StreamConnectionError extends StreamClientError {
  /** How many reconnection attempts were made. */
  readonly attempts: number;
  constructor(message: string, attempts: number, options?: { cause?: unknown; code?: string }) {
    super(message, options?.code ?? 'connection_lost', options);
    this.attempts = attempts;
  }
}

/** The response was not an event stream (wrong content type, no body). */
export class StreamProtocolError extends StreamClientError {
  constructor(message: string) {
    super(message, 'protocol_error');
  }
}

/** 408, 409, 425, 429 and 5xx (the one set, from lib/protocol/). */
export { isRetryableHttpStatus };

/** `Retry-After` as seconds or an HTTP date, in ms; undefined when absent or invalid. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  return parseRetryAfterValue(value, now);
}

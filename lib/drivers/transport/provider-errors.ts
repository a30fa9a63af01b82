import {
  AuthenticationException,
  ConnectionException,
  EngineException,
  ProviderOverloadedException,
  ProviderServerException,
  ProviderStreamLimitException,
  RateLimitException,
  ValidationException,
  type EngineExceptionOptions,
} from '../../errors/engine.exception.js';
import { ErrorMessages } from '../../errors/error-messages.js';
import { redactBody, redactSecrets } from '../../errors/redact.js';
import { SseLimitError } from '../../protocol/sse-parser.js';
import { parseRetryAfter } from '../../protocol/retry.js';

/**
 * The one status → exception table and network-error classifier of every provider. A
 * provider's error mapper reads only its own body format into `ProviderErrorFacts` and
 * hands them to `exceptionFromFacts()`; everything else (classes, messages, retryability,
 * Retry-After, redaction, clipping) is decided here.
 */

/** Who failed, and what must never appear in an error. */
export interface ProviderErrorContext {
  /** Provider family (`openai`, `claude`, `gemini`). */
  provider: string;
  /** Configured engine name. */
  engine: string;
  /** How messages name the service (default: the engine name). */
  label?: string;
  /** Secrets to scrub from messages and bodies (the API key). */
  secrets: readonly (string | undefined)[];
  /** The request timeout until headers, for the timeout message. */
  timeoutMs?: number;
}

/** What a provider's error (an HTTP answer, or an error event inside a 200 stream) says, in neutral terms. */
export interface ProviderErrorFacts {
  /** The HTTP status of the answer; undefined for an error event inside a 200 stream. */
  status?: number;
  /**
   * The status the failure stands for, when the body says more than the status (or there is
   * no status): Claude `overloaded_error` → 529, Gemini `RESOURCE_EXHAUSTED` → 429,
   * `API_KEY_INVALID` → 401, OpenAI `rate_limit_exceeded` → 429… Default: `status`.
   */
  kind?: number;
  /** The provider's own explanation (redacted and clipped here). */
  detail?: string;
  /** The parsed error body, kept on the exception (redacted here). */
  body?: unknown;
  /** The answer's headers (Retry-After). */
  headers?: Headers;
  /** A delay the body asks for (e.g. Gemini's RetryInfo), when the headers name none. */
  retryAfter?: number;
  /** A billing or quota refusal: waiting does not fix it. */
  billing?: boolean;
}

/** Longest provider detail quoted in a message. */
export const MAX_ERROR_DETAIL = 500;

function clip(text: string): string {
  return text.length > MAX_ERROR_DETAIL ? `${text.slice(0, MAX_ERROR_DETAIL)}…` : text;
}

/** The table: a provider's failure, in neutral terms, as the engine's typed exception. */
export function exceptionFromFacts(facts: ProviderErrorFacts, context: ProviderErrorContext): EngineException {
  const label = context.label ?? context.engine;
  const { status } = facts;
  const kind = facts.kind ?? status;
  const options: EngineExceptionOptions = { provider: context.provider, engine: context.engine, status, body: redactBody(facts.body, context.secrets) };
  const detail = facts.detail?.trim() ? clip(redactSecrets(facts.detail.trim(), context.secrets)) : undefined;
  const retryAfter = parseRetryAfter(facts.headers) ?? facts.retryAfter;

  if (kind === undefined) {
    return new ProviderServerException(ErrorMessages.providerReportedError(label, detail ?? 'unknown error'), options);
  }
  if (kind === 401 || kind === 403) return new AuthenticationException(ErrorMessages.authentication(label, status), options);
  if (kind === 402) return new AuthenticationException(ErrorMessages.billing(label, detail), options);
  if (kind === 429) {
    // "You exceeded your current quota": a billing matter that waiting does not fix
    if (facts.billing) {
      return new RateLimitException(ErrorMessages.providerReportedError(label, detail ?? 'insufficient quota'), { ...options, retryAfter, retryable: false });
    }
    return new RateLimitException(ErrorMessages.rateLimited(label, retryAfter), { ...options, retryAfter });
  }
  if (kind === 408) return new ConnectionException(ErrorMessages.connection(label, 'the request timed out (HTTP 408)'), options);
  if (kind === 503 || kind === 529) return new ProviderOverloadedException(ErrorMessages.overloaded(label), { ...options, retryAfter });
  if (kind >= 500 || kind === 409) return new ProviderServerException(ErrorMessages.serverError(label, status), options);
  if (kind >= 400) return new ValidationException(ErrorMessages.badRequest(label, detail), options);
  // a redirect (not followed) or another status that is no answer: name it, do not retry
  return new EngineException(ErrorMessages.providerReportedError(label, detail ?? `HTTP ${kind}`), { ...options, retryable: false });
}

const NETWORK_CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection closed',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ECONNABORTED: 'connection aborted',
  CERT_HAS_EXPIRED: 'the server certificate has expired',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'the server certificate is self-signed',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'the server certificate could not be verified',
  ERR_TLS_CERT_ALTNAME_INVALID: 'the server certificate does not name the host',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  UND_ERR_HEADERS_TIMEOUT: 'no response headers in time',
  UND_ERR_BODY_TIMEOUT: 'the response body stalled',
  UND_ERR_SOCKET: 'the connection closed mid-response',
  UND_ERR_CLOSED: 'the connection closed',
  ERR_CONNECT_TIMEOUT: 'no connection within the engine timeout.connectMs',
  ERR_RESPONSE_TIMEOUT: 'no response headers within the engine timeout.responseMs',
  ERR_PROXY_TUNNEL: 'the proxy refused to open a tunnel',
  ERR_PROXY_AUTH: 'the proxy refused its credentials (HTTP 407)',
};

/** Network failures that waiting does not fix. */
const NOT_RETRYABLE_CODES = new Set(['ERR_PROXY_AUTH']);

/**
 * The transport's own codes, whose messages (written to name no secret: a proxy by host:port)
 * say more than the table, and the option each is about. Their messages never say "timed out"
 * or "timeout": an SDK that reads that in a fetch failure throws its own timeout error and
 * drops the cause.
 */
const OWN_MESSAGE_CODES: Record<string, string> = {
  ERR_CONNECT_TIMEOUT: ' (the engine option timeout.connectMs)',
  ERR_RESPONSE_TIMEOUT: ' (the engine option timeout.responseMs)',
  ERR_PROXY_TUNNEL: '',
  ERR_PROXY_AUTH: '',
};

/** The message of the error carrying `code` in the cause chain. */
function messageOf(error: unknown, code: string): string | undefined {
  for (let current = error, depth = 0; depth < 8 && typeof current === 'object' && current !== null; depth++) {
    if ((current as { code?: unknown }).code === code) return (current as { message?: string }).message;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** The first network error code in the cause chain, e.g. `ECONNREFUSED`. */
export function networkErrorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 8 && typeof current === 'object' && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_CODES[code]) return code;
    // AggregateError (happy eyeballs tried several addresses)
    const errors = (current as { errors?: unknown }).errors;
    if (Array.isArray(errors)) {
      const inner = errors.map(networkErrorCode).find(Boolean);
      if (inner) return inner;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Names, not instanceof: SDK errors and Node's may come from another copy or realm. */
function hasName(error: unknown, names: readonly string[]): boolean {
  for (let current = error, depth = 0; depth < 8 && typeof current === 'object' && current !== null; depth++) {
    for (let proto = Object.getPrototypeOf(current); proto; proto = Object.getPrototypeOf(proto)) {
      const name = (proto as { constructor?: { name?: string } }).constructor?.name;
      if (name && names.includes(name)) return true;
    }
    const own = (current as { name?: unknown }).name;
    if (typeof own === 'string' && names.includes(own)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * The network-error classifier: a failure before or during the answer that is the network's
 * (refused, reset, DNS, TLS, a body cut off, a timeout) as a retryable `ConnectionException`;
 * undefined for anything else. Reads Node's codes, fetch's `fetch failed` / `terminated`
 * TypeErrors and the SDKs' connection error classes, through the cause chain.
 */
export function networkException(error: unknown, context: ProviderErrorContext): ConnectionException | undefined {
  const label = context.label ?? context.engine;
  const base = { provider: context.provider, engine: context.engine, cause: error };
  if (hasName(error, ['APIConnectionTimeoutError', 'TimeoutError'])) {
    return new ConnectionException(
      context.timeoutMs !== undefined ? ErrorMessages.firstByteTimeout(label, context.timeoutMs) : ErrorMessages.connection(label, 'the request timed out'),
      base,
    );
  }
  const code = networkErrorCode(error);
  const fetchFailure = error instanceof TypeError && (error.message === 'fetch failed' || error.message === 'terminated');
  if (code || fetchFailure || hasName(error, ['APIConnectionError'])) {
    const detail = code
      ? `${code in OWN_MESSAGE_CODES && messageOf(error, code) ? `${messageOf(error, code)}${OWN_MESSAGE_CODES[code]}` : NETWORK_CODES[code]} (${code})`
      : error instanceof TypeError && error.message === 'terminated'
        ? 'the connection closed mid-response'
        : 'the connection failed';
    return new ConnectionException(ErrorMessages.connection(label, detail), code && NOT_RETRYABLE_CODES.has(code) ? { ...base, retryable: false } : base);
  }
  return undefined;
}

/** The parser's size cap, as the engine's typed exception. */
export function streamLimitException(error: SseLimitError, context: ProviderErrorContext): ProviderStreamLimitException {
  return new ProviderStreamLimitException(ErrorMessages.streamLimit(context.label ?? context.engine, error.limit), {
    provider: context.provider,
    engine: context.engine,
  });
}

/** Parses an error body as JSON, or keeps the text (HTML from a proxy, plain text). */
export function parseErrorBody(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export { SseLimitError };

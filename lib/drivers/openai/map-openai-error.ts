import {
  AuthenticationException,
  ConnectionException,
  EngineException,
  ProviderOverloadedException,
  ProviderServerException,
  RateLimitException,
  ValidationException,
  type EngineExceptionOptions,
} from '../../errors/engine.exception.js';
import { ErrorMessages } from '../../errors/error-messages.js';
import { redactSecrets } from '../../errors/redact.js';
import { parseRetryAfter } from '../../utils/retry-after.js';
import { NULL_BODY_STATUSES } from '../node-http-fetch.js';

/** Who failed, and what must never appear in the error. */
export interface OpenAIErrorContext {
  /** Provider family, `openai`. */
  provider: string;
  /** Configured engine name. */
  engine: string;
  /** How messages name the service (the engine name: `openai`, or e.g. `groq` for a compatible server). */
  label: string;
  /** Secrets to scrub from messages and bodies (the API key). */
  secrets: readonly (string | undefined)[];
  /** The client's request timeout, for the timeout message. */
  timeoutMs?: number;
}

/** Longest provider detail quoted in a message. */
const MAX_DETAIL = 500;

/**
 * Raw bodies of non-2xx responses, keyed by the response's `Headers` object. The SDK keeps
 * only the `error` member of an error body (and nothing of vLLM's or FastAPI's top-level
 * `message` / `detail`) but it does keep the response headers, so a fetch wrapper records the
 * body here and the mapper finds it again. Weak, so nothing outlives the error.
 */
const errorBodies = new WeakMap<object, string>();

/**
 * Wraps `fetch` so that the body of an error response is remembered for `mapOpenAIError`.
 * Successful responses (the event stream) pass through untouched.
 */
export function captureErrorBodies(fetchImpl: typeof fetch = globalThis.fetch): typeof fetch {
  return async (input, init) => {
    const response = await fetchImpl(input, init);
    if (response.ok || NULL_BODY_STATUSES.has(response.status)) return response;
    const text = await response.text();
    const copy = new Response(text, { status: response.status, statusText: response.statusText, headers: response.headers });
    errorBodies.set(copy.headers, text);
    return copy;
  };
}

/** The fields of the SDK's `APIError` family the mapper reads. */
interface SdkErrorLike {
  status?: unknown;
  headers?: unknown;
  error?: unknown;
  message?: unknown;
  cause?: unknown;
}

/** True when `error` is an instance of a class named `name` (or of a subclass), e.g. the SDK's `APIConnectionError`. */
function isA(error: unknown, name: string): boolean {
  if (typeof error !== 'object' || error === null) return false;
  for (let proto = Object.getPrototypeOf(error); proto; proto = Object.getPrototypeOf(proto)) {
    if ((proto as { constructor?: { name?: string } }).constructor?.name === name) return true;
  }
  return false;
}

function redactDeep(value: unknown, secrets: readonly (string | undefined)[], depth = 0): unknown {
  if (typeof value === 'string') return redactSecrets(value, secrets);
  if (depth > 8 || typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map((item) => redactDeep(item, secrets, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, redactDeep(item, secrets, depth + 1)]));
}

function parseBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The provider's own explanation, wherever the server put it. */
function detailOf(body: unknown): string | undefined {
  const pick = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() ? value.trim() : undefined);
  if (typeof body === 'string') return pick(body);
  if (typeof body !== 'object' || body === null) return undefined;
  const record = body as Record<string, unknown>;
  const inner = record.error;
  if (typeof inner === 'object' && inner !== null) {
    const message = (inner as Record<string, unknown>).message;
    return pick(message) ?? (message !== undefined ? JSON.stringify(message) : undefined);
  }
  return pick(inner) ?? pick(record.message) ?? pick(record.detail) ?? (Array.isArray(record.detail) ? JSON.stringify(record.detail) : undefined);
}

function clip(text: string): string {
  return text.length > MAX_DETAIL ? `${text.slice(0, MAX_DETAIL)}…` : text;
}

/** Error body fields that say which kind of failure a mid-stream error object is. */
const STATUS_BY_KIND: Record<string, number> = {
  invalid_request_error: 400,
  context_length_exceeded: 400,
  badrequesterror: 400,
  invalid_api_key: 401,
  authentication_error: 401,
  permission_error: 403,
  permission_denied: 403,
  not_found_error: 404,
  model_not_found: 404,
  timeout: 408,
  rate_limit_exceeded: 429,
  rate_limit_error: 429,
  insufficient_quota: 429,
  server_error: 500,
  internal_error: 500,
  internalservererror: 500,
  api_error: 500,
  overloaded: 503,
  overloaded_error: 503,
  server_overloaded: 503,
  service_unavailable: 503,
  serviceunavailableerror: 503,
};

/** The HTTP status a mid-stream error object stands for, from its numeric `code`/`status` or its `type`/`code` name. */
function statusOfStreamError(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const record = error as Record<string, unknown>;
  for (const key of ['status', 'code'] as const) {
    const value = Number(record[key]);
    if (record[key] !== null && record[key] !== '' && Number.isInteger(value) && value >= 400 && value <= 599) return value;
  }
  for (const key of ['code', 'type'] as const) {
    const kind = record[key];
    if (typeof kind === 'string' && STATUS_BY_KIND[kind.toLowerCase()] !== undefined) return STATUS_BY_KIND[kind.toLowerCase()];
  }
  return undefined;
}

function isQuotaError(body: unknown): boolean {
  const inner = typeof body === 'object' && body !== null ? (body as Record<string, unknown>).error ?? body : undefined;
  if (typeof inner !== 'object' || inner === null) return false;
  const { code, type } = inner as Record<string, unknown>;
  return code === 'insufficient_quota' || type === 'insufficient_quota';
}

/**
 * Maps an HTTP status (or the status a mid-stream error stands for) to the engine's error
 * classes. `status` is what the exception reports: undefined for a mid-stream error, which
 * came inside an HTTP 200 response.
 */
function fromStatus(
  kind: number,
  status: number | undefined,
  body: unknown,
  headers: Headers | undefined,
  context: OpenAIErrorContext,
): EngineException {
  const options: EngineExceptionOptions = { provider: context.provider, engine: context.engine, status, body };
  const detail = detailOf(body);
  const quoted = detail === undefined ? undefined : clip(redactSecrets(detail, context.secrets));
  if (kind === 401 || kind === 403) return new AuthenticationException(ErrorMessages.authentication(context.label, status), options);
  if (kind === 429) {
    const retryAfter = parseRetryAfter(headers);
    // "You exceeded your current quota": a billing matter that waiting does not fix
    if (isQuotaError(body)) {
      return new RateLimitException(ErrorMessages.providerReportedError(context.label, quoted ?? 'insufficient quota'), {
        ...options,
        retryAfter,
        retryable: false,
      });
    }
    return new RateLimitException(ErrorMessages.rateLimited(context.label, retryAfter), { ...options, retryAfter });
  }
  if (kind === 400 || kind === 404 || kind === 413 || kind === 422) {
    return new ValidationException(ErrorMessages.badRequest(context.label, quoted), options);
  }
  if (kind === 408) return new ConnectionException(ErrorMessages.connection(context.label, 'the request timed out (HTTP 408)'), options);
  if (kind === 503) {
    return new ProviderOverloadedException(ErrorMessages.overloaded(context.label), { ...options, retryAfter: parseRetryAfter(headers) });
  }
  if (kind >= 500) return new ProviderServerException(ErrorMessages.serverError(context.label, status), options);
  return new EngineException(ErrorMessages.providerReportedError(context.label, quoted ?? `HTTP ${kind}`), {
    ...options,
    retryable: kind === 409,
  });
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
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  UND_ERR_HEADERS_TIMEOUT: 'no response headers in time',
  UND_ERR_BODY_TIMEOUT: 'the response body stalled',
  UND_ERR_SOCKET: 'the connection closed mid-response',
  UND_ERR_CLOSED: 'the connection closed',
};

/** The first network error code in the cause chain, e.g. `ECONNREFUSED`. */
function networkCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 6 && typeof current === 'object' && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_CODES[code]) return code;
    // AggregateError (happy eyeballs tried several addresses)
    const errors = (current as { errors?: unknown }).errors;
    if (Array.isArray(errors)) {
      const inner = errors.map(networkCode).find(Boolean);
      if (inner) return inner;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** True for the errors fetch raises when the network fails: `fetch failed`, `terminated` (body cut off). */
function isNetworkError(error: unknown): boolean {
  if (networkCode(error)) return true;
  return error instanceof TypeError && (error.message === 'fetch failed' || error.message === 'terminated');
}

/**
 * An error object the provider sent inside a 200 stream (`data: {"error": {...}}`), mapped by
 * its code or type; the key is scrubbed from its message and body.
 */
export function mapOpenAIStreamError(errorObject: unknown, headers: Headers | undefined, context: OpenAIErrorContext): EngineException {
  const body = redactDeep({ error: errorObject }, context.secrets);
  const kind = statusOfStreamError(errorObject);
  if (kind !== undefined) return fromStatus(kind, undefined, body, headers, context);
  const detail = detailOf(body);
  return new ProviderServerException(
    ErrorMessages.providerReportedError(context.label, detail ? clip(redactSecrets(detail, context.secrets)) : 'unknown error'),
    { provider: context.provider, engine: context.engine, body },
  );
}

/**
 * Turns whatever the SDK (or fetch under it) threw into the engine's typed errors. HTTP
 * statuses map to their classes; an error object sent inside the stream (the SDK raises an
 * `APIError` without status for it) maps by its code or type; network failures and
 * timeouts become `ConnectionException`. Messages and bodies are scrubbed of the API key.
 */
export function mapOpenAIError(error: unknown, context: OpenAIErrorContext): EngineException {
  if (EngineException.isInstance(error)) return error;
  const sdk = (typeof error === 'object' && error !== null ? error : {}) as SdkErrorLike;
  const headers = sdk.headers instanceof Headers ? sdk.headers : undefined;
  const base = { provider: context.provider, engine: context.engine };

  if (typeof sdk.status === 'number') {
    const raw = headers ? errorBodies.get(headers) : undefined;
    const body = raw !== undefined ? parseBody(raw) : sdk.error !== undefined ? { error: sdk.error } : undefined;
    return fromStatus(sdk.status, sdk.status, redactDeep(body, context.secrets), headers, context);
  }

  if (isA(error, 'APIConnectionTimeoutError')) {
    return new ConnectionException(
      context.timeoutMs !== undefined
        ? ErrorMessages.firstByteTimeout(context.label, context.timeoutMs)
        : ErrorMessages.connection(context.label, 'the request timed out'),
      { ...base, cause: error },
    );
  }

  if (isA(error, 'APIConnectionError') || isNetworkError(error)) {
    const code = networkCode(error);
    const detail = code ? `${NETWORK_CODES[code]} (${code})` : 'the connection failed';
    return new ConnectionException(ErrorMessages.connection(context.label, detail), { ...base, cause: error });
  }

  if (isA(error, 'APIError') && sdk.error !== undefined) return mapOpenAIStreamError(sdk.error, headers, context);

  if (error instanceof SyntaxError) {
    return new ProviderServerException(ErrorMessages.malformedStream(context.label), base);
  }

  return new EngineException(ErrorMessages.streamFailed(), { ...base, retryable: false, cause: error });
}

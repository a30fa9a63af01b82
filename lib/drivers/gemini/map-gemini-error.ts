import {
  AuthenticationException,
  ConnectionException,
  EngineException,
  ProviderOverloadedException,
  ProviderServerException,
  RateLimitException,
  ValidationException,
} from '../../errors/engine.exception.js';
import { ErrorMessages } from '../../errors/error-messages.js';
import { redactBody, redactSecrets, rootCauseMessage } from '../../errors/redact.js';
import { parseRetryAfter } from '../../utils/retry-after.js';

const PROVIDER = 'gemini';

/** Who failed, and which secret must not leak into the error. */
export interface GeminiErrorContext {
  engine: string;
  apiKey?: string;
}

/** A Google API error body: `{ error: { code, message, status, details } }`. */
export interface GoogleErrorBody {
  error?: {
    code?: number;
    message?: string;
    status?: string;
    details?: { '@type'?: string; reason?: string; retryDelay?: string }[];
  };
}

/** google.rpc.Code names → the HTTP status Google pairs them with (for error objects sent without `code`). */
const GRPC_HTTP: Readonly<Record<string, number>> = {
  INVALID_ARGUMENT: 400,
  FAILED_PRECONDITION: 400,
  OUT_OF_RANGE: 400,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  NOT_FOUND: 404,
  ABORTED: 409,
  ALREADY_EXISTS: 409,
  RESOURCE_EXHAUSTED: 429,
  CANCELLED: 499,
  UNKNOWN: 500,
  INTERNAL: 500,
  DATA_LOSS: 500,
  UNIMPLEMENTED: 501,
  UNAVAILABLE: 503,
  DEADLINE_EXCEEDED: 504,
};

/**
 * The body of an HTTP error response, parsed: Gemini answers JSON (`{"error":{…}}`, pretty
 * printed), also when it labels it `text/event-stream`; a `data: {…}` event is read too.
 * Anything else stays text.
 */
export function parseGeminiErrorBody(text: string): unknown {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  const json = trimmed.startsWith('data:') ? trimmed.slice(5).split(/\r?\n/, 1)[0].trim() : trimmed;
  try {
    const body: unknown = JSON.parse(json);
    // alt=json streams send errors as a one-element array
    return Array.isArray(body) && body.length === 1 ? body[0] : body;
  } catch {
    return text;
  }
}

/** `RetryInfo.retryDelay` (`"13s"`, `"1.5s"`) from a 429 body, in ms. */
function retryDelayOf(body: GoogleErrorBody | undefined): number | undefined {
  const delay = body?.error?.details?.find((d) => d['@type']?.endsWith('google.rpc.RetryInfo'))?.retryDelay;
  const seconds = delay ? Number(/^(\d+(?:\.\d+)?)s$/.exec(delay)?.[1]) : NaN;
  return Number.isFinite(seconds) ? Math.round(seconds * 1000) : undefined;
}

/**
 * A Gemini error, from the HTTP status (0 for an error object sent in the stream, whose own
 * `code` or `status` then decides) and Google's error body. Google's `status`
 * (`UNAVAILABLE`, `RESOURCE_EXHAUSTED`, …) decides along with the HTTP code; an invalid key,
 * which Gemini answers with 400 `API_KEY_INVALID`, is an authentication error.
 */
export function mapGeminiErrorBody(httpStatus: number, rawBody: unknown, headers: Headers | undefined, context: GeminiErrorContext): EngineException {
  const secrets = [context.apiKey];
  const body = redactBody(rawBody, secrets) as GoogleErrorBody | string | undefined;
  const google = typeof body === 'object' ? body : undefined;
  const grpc = google?.error?.status;
  const code = google?.error?.code;
  const status = httpStatus || (typeof code === 'number' ? code : (grpc && GRPC_HTTP[grpc]) || 500);
  const detail = google?.error?.message ?? (typeof body === 'string' ? body.trim() || undefined : undefined);
  const reasons = google?.error?.details?.map((d) => d.reason) ?? [];
  const options = { provider: PROVIDER, engine: context.engine, status, body };
  const headerDelay = headers ? parseRetryAfter(headers) : undefined;

  if (status === 401 || status === 403 || grpc === 'UNAUTHENTICATED' || grpc === 'PERMISSION_DENIED' || reasons.includes('API_KEY_INVALID')) {
    return new AuthenticationException(ErrorMessages.authentication(PROVIDER, status), options);
  }
  if (status === 429 || grpc === 'RESOURCE_EXHAUSTED') {
    const retryAfter = headerDelay ?? retryDelayOf(google);
    return new RateLimitException(ErrorMessages.rateLimited(PROVIDER, retryAfter), { ...options, retryAfter });
  }
  if (status === 503 || grpc === 'UNAVAILABLE') return new ProviderOverloadedException(ErrorMessages.overloaded(PROVIDER), { ...options, retryAfter: headerDelay });
  // 408, and an operation Google cancelled on its side (499 CANCELLED): try again
  if (status === 408 || status === 499 || grpc === 'CANCELLED') {
    return new ConnectionException(ErrorMessages.connection(PROVIDER, detail ? redactSecrets(detail, secrets) : 'the request timed out'), options);
  }
  if (status >= 500 || status === 409) return new ProviderServerException(ErrorMessages.serverError(PROVIDER, status), options);
  // 400, 404, 422 and every other 4xx: the request itself is wrong.
  return new ValidationException(ErrorMessages.badRequest(PROVIDER, detail && redactSecrets(detail, secrets)), options);
}

/**
 * Maps a failure with no Gemini error body (the network, the transport, a stream cut off,
 * a configuration refused before sending) to the engine's typed exceptions; an
 * `EngineException` passes through with its engine set.
 */
export function mapGeminiError(error: unknown, context: GeminiErrorContext): EngineException {
  if (EngineException.isInstance(error)) {
    error.engine ??= context.engine;
    return error;
  }
  const base = { provider: PROVIDER, engine: context.engine };
  const name = typeof error === 'object' && error !== null ? (error as { name?: unknown }).name : undefined;
  if (name === 'AbortError' || name === 'TimeoutError') return new ConnectionException(ErrorMessages.connection(PROVIDER, 'the request was aborted or timed out'), base);
  if (error instanceof SyntaxError) return new ProviderServerException(ErrorMessages.malformedStream(PROVIDER), base);
  // No response (`fetch failed`), or the response broke off (`terminated`: socket closed, half an event at the end).
  return new ConnectionException(ErrorMessages.connection(PROVIDER, redactSecrets(rootCauseMessage(error), [context.apiKey])), base);
}

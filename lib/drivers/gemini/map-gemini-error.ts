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
import type { GeminiExchange } from './gemini-api.types.js';

const PROVIDER = 'gemini';

/** Who failed, which secret must not leak into the error, and what the HTTP exchange showed. */
export interface GeminiErrorContext {
  engine: string;
  apiKey?: string;
  exchange?: GeminiExchange;
}

/** A Google API error body: `{ error: { code, message, status, details } }`. */
interface GoogleErrorBody {
  error?: {
    code?: number;
    message?: string;
    status?: string;
    details?: { '@type'?: string; reason?: string; retryDelay?: string }[];
  };
}

/**
 * The body inside the SDK's `ApiError` message: the whole message for an HTTP error
 * (`{"error":{…}}`), after `got status: …. ` for an error object sent in the stream.
 */
function bodyOf(message: string): unknown {
  const start = message.indexOf('{');
  if (start === -1) return message || undefined;
  try {
    return JSON.parse(message.slice(start));
  } catch {
    return message;
  }
}

/** `RetryInfo.retryDelay` (`"13s"`, `"1.5s"`) from a 429 body, in ms. */
function retryDelayOf(body: GoogleErrorBody | undefined): number | undefined {
  const delay = body?.error?.details?.find((d) => d['@type']?.endsWith('google.rpc.RetryInfo'))?.retryDelay;
  const seconds = delay ? Number(/^(\d+(?:\.\d+)?)s$/.exec(delay)?.[1]) : NaN;
  return Number.isFinite(seconds) ? Math.round(seconds * 1000) : undefined;
}

/**
 * Maps whatever `@google/genai` threw (an HTTP error status, an error object sent in the
 * stream, a network failure, a configuration the SDK refuses) to the engine's typed exceptions.
 * Google's error `status` (`UNAVAILABLE`, `RESOURCE_EXHAUSTED`, …) decides along with the HTTP
 * code; an invalid key, which Gemini answers with 400 `API_KEY_INVALID`, is an authentication error.
 */
export function mapGeminiError(error: unknown, context: GeminiErrorContext): EngineException {
  if (EngineException.isInstance(error)) {
    error.engine ??= context.engine;
    return error;
  }
  const secrets = [context.apiKey];
  const base = { provider: PROVIDER, engine: context.engine };
  const exchange = context.exchange;
  const { name = '', message = '', status: sdkStatus } = (typeof error === 'object' && error !== null ? error : {}) as {
    name?: string;
    message?: string;
    status?: unknown;
  };

  if (name !== 'ApiError' || typeof sdkStatus !== 'number') {
    if (name === 'AbortError' || name === 'TimeoutError') return new ConnectionException(ErrorMessages.connection(PROVIDER, 'the request was aborted or timed out'), base);
    // The SDK checks the configuration before sending: what it refuses (e.g. a Vertex-only field) is a bad request.
    if (exchange && !exchange.requestSent) return new ValidationException(ErrorMessages.badRequest(PROVIDER, redactSecrets(message, secrets)), base);
    if (message.startsWith('exception parsing stream chunk')) return new ProviderServerException(ErrorMessages.malformedStream(PROVIDER), base);
    // No response, or the response broke off (socket closed, a half-sent event at the end).
    return new ConnectionException(ErrorMessages.connection(PROVIDER, redactSecrets(rootCauseMessage(error), secrets)), base);
  }

  const status = sdkStatus;
  const body = redactBody(bodyOf(message), secrets) as GoogleErrorBody | string | undefined;
  const google = typeof body === 'object' ? body : undefined;
  const grpc = google?.error?.status;
  const detail = google?.error?.message ?? (typeof body === 'string' ? body : undefined);
  const reasons = google?.error?.details?.map((d) => d.reason) ?? [];
  const options = { ...base, status, body };
  const headerDelay = exchange?.headers ? parseRetryAfter(exchange.headers) : undefined;

  if (status === 401 || status === 403 || grpc === 'UNAUTHENTICATED' || grpc === 'PERMISSION_DENIED' || reasons.includes('API_KEY_INVALID')) {
    return new AuthenticationException(ErrorMessages.authentication(PROVIDER, status), options);
  }
  if (status === 429 || grpc === 'RESOURCE_EXHAUSTED') {
    const retryAfter = headerDelay ?? retryDelayOf(google);
    return new RateLimitException(ErrorMessages.rateLimited(PROVIDER, retryAfter), { ...options, retryAfter });
  }
  if (status === 503 || grpc === 'UNAVAILABLE') return new ProviderOverloadedException(ErrorMessages.overloaded(PROVIDER), { ...options, retryAfter: headerDelay });
  if (status === 408) return new ConnectionException(ErrorMessages.connection(PROVIDER, detail ?? 'the request timed out'), options);
  if (status >= 500 || status === 409) return new ProviderServerException(ErrorMessages.serverError(PROVIDER, status), options);
  // 400, 404, 422 and every other 4xx: the request itself is wrong.
  return new ValidationException(ErrorMessages.badRequest(PROVIDER, detail && redactSecrets(detail, secrets)), options);
}

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

const PROVIDER = 'claude';

/** Who failed, and which secret must not leak into the error. */
export interface ClaudeErrorContext {
  engine: string;
  apiKey?: string;
}

/** The fields of the SDK's `APIError` family this mapping reads (duck-typed: survives two SDK copies). */
interface SdkErrorLike {
  name?: string;
  message?: string;
  status?: unknown;
  headers?: Headers;
  error?: unknown;
  type?: unknown;
  cause?: unknown;
}

function errorType(error: SdkErrorLike): string | undefined {
  if (typeof error.type === 'string') return error.type;
  const type = (error.error as { error?: { type?: unknown } } | undefined)?.error?.type;
  return typeof type === 'string' ? type : undefined;
}

function apiMessage(body: unknown): string | undefined {
  if (typeof body === 'string') return body.trim() || undefined;
  const message = (body as { error?: { message?: unknown } } | undefined)?.error?.message;
  return typeof message === 'string' ? message : undefined;
}

/**
 * Maps whatever the Anthropic SDK threw (an HTTP error status, an `event: error` sent in the
 * middle of the stream, a network failure) to the engine's typed exceptions. HTTP errors
 * carry their status; mid-stream errors carry only Anthropic's error `type`
 * (`overloaded_error`, `api_error`, `rate_limit_error`, …), which decides the class.
 */
export function mapClaudeError(error: unknown, context: ClaudeErrorContext): EngineException {
  if (EngineException.isInstance(error)) {
    error.engine ??= context.engine;
    return error;
  }
  const secrets = [context.apiKey];
  const base = { provider: PROVIDER, engine: context.engine };
  const sdk = (typeof error === 'object' && error !== null ? error : {}) as SdkErrorLike;
  // Names, not instanceof: the SDK's and Node's errors may come from another copy or realm.
  const name = sdk.name ?? '';

  if (name === 'APIConnectionTimeoutError') return new ConnectionException(ErrorMessages.connection(PROVIDER, 'the request timed out'), base);
  if (name === 'APIConnectionError' || name === 'APIUserAbortError' || name === 'AbortError' || name === 'TypeError') {
    return new ConnectionException(ErrorMessages.connection(PROVIDER, redactSecrets(rootCauseMessage(error), secrets)), base);
  }
  if (name === 'SyntaxError') return new ProviderServerException(ErrorMessages.malformedStream(PROVIDER), base);

  const status = typeof sdk.status === 'number' ? sdk.status : undefined;
  const type = errorType(sdk);
  if (status === undefined && type === undefined) {
    return new ProviderServerException(ErrorMessages.providerReportedError(PROVIDER, redactSecrets(rootCauseMessage(error), secrets)), base);
  }

  const body = redactBody(sdk.error, secrets);
  const detail = apiMessage(body);
  const options = { ...base, status, body };
  const retryAfter = sdk.headers ? parseRetryAfter(sdk.headers) : undefined;

  if (type === 'overloaded_error' || status === 529) return new ProviderOverloadedException(ErrorMessages.overloaded(PROVIDER), { ...options, retryAfter });
  if (status === 401 || status === 403 || type === 'authentication_error' || type === 'permission_error') {
    return new AuthenticationException(ErrorMessages.authentication(PROVIDER, status), options);
  }
  if (status === 402 || type === 'billing_error') return new AuthenticationException(ErrorMessages.billing(PROVIDER, detail), options);
  if (status === 429 || type === 'rate_limit_error') return new RateLimitException(ErrorMessages.rateLimited(PROVIDER, retryAfter), { ...options, retryAfter });
  if (status === 408) return new ConnectionException(ErrorMessages.connection(PROVIDER, detail ?? 'the request timed out'), options);
  if ((status !== undefined && status >= 500) || type === 'api_error' || type === 'timeout_error' || status === 409 || type === 'conflict_error') {
    return new ProviderServerException(ErrorMessages.serverError(PROVIDER, status), options);
  }
  // 400, 404, 413, 422 and every other 4xx / request error type: the request itself is wrong.
  return new ValidationException(ErrorMessages.badRequest(PROVIDER, detail), options);
}

/**
 * Maps an `event: error` sent inside a 200 stream (`{"type":"error","error":{"type":
 * "overloaded_error",…}}`): its error `type` decides the class, as for an HTTP error.
 */
export function mapClaudeStreamError(data: unknown, headers: Headers, context: ClaudeErrorContext): EngineException {
  const type = errorType({ error: data });
  // an error type this mapping does not know, sent mid-stream, is the provider failing
  const known = type !== undefined && KNOWN_ERROR_TYPES.has(type);
  return mapClaudeError({ name: 'ClaudeStreamError', error: data, headers, ...(!known && { type: 'api_error' }) }, context);
}

/** Anthropic's documented error types. */
const KNOWN_ERROR_TYPES: ReadonlySet<string> = new Set([
  'invalid_request_error',
  'authentication_error',
  'billing_error',
  'permission_error',
  'not_found_error',
  'request_too_large',
  'rate_limit_error',
  'api_error',
  'timeout_error',
  'overloaded_error',
]);

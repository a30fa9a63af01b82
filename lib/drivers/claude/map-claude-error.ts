import { EngineException } from '../../errors/engine.exception.js';
import { ErrorMessages } from '../../errors/error-messages.js';
import { exceptionFromFacts, type ProviderErrorContext, type ProviderErrorFacts } from '../transport/provider-errors.js';
import { mapProviderFailure } from '../transport/provider-transport.js';

/**
 * Claude's part of error mapping: Anthropic's error body format
 * (`{"type":"error","error":{"type":"overloaded_error","message":…},"request_id":…}`), as an
 * HTTP answer or as an `event: error` inside a 200 stream. Statuses, classes, messages,
 * Retry-After, redaction and network failures are the shared table's
 * (lib/drivers/transport/provider-errors.ts).
 */

/** Who failed, and which secret must not leak into the error. */
export interface ClaudeErrorContext {
  engine: string;
  apiKey?: string;
}

/** Anthropic's error types, as the status each stands for. */
const STATUS_BY_TYPE: Record<string, number> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
};

function errorType(body: unknown): string | undefined {
  const type = (body as { error?: { type?: unknown } } | undefined)?.error?.type;
  return typeof type === 'string' ? type : undefined;
}

function detailOf(body: unknown): string | undefined {
  if (typeof body === 'string') return body.trim() || undefined;
  const message = (body as { error?: { message?: unknown } } | undefined)?.error?.message;
  return typeof message === 'string' ? message : undefined;
}

/**
 * Reads an Anthropic error body. The error `type` decides where it says more than the status
 * (`overloaded_error` on any status is overload, `billing_error` a billing refusal, `api_error`
 * on a 503 a server error as Anthropic means it); without a
 * status (an error event mid-stream, a JSON error body on a 2xx) it decides alone, and an error
 * object of a type this mapping does not know is the provider failing (500).
 */
export function readClaudeErrorBody(body: unknown, status: number | undefined): Omit<ProviderErrorFacts, 'status' | 'headers' | 'body'> {
  const type = errorType(body);
  const typed = type !== undefined ? STATUS_BY_TYPE[type] : undefined;
  const facts: Omit<ProviderErrorFacts, 'status' | 'headers' | 'body'> = { detail: detailOf(body) };
  if (status === undefined) {
    // an Anthropic error object of a type this mapping does not know: the provider failing
    const isErrorObject = typeof (body as { error?: unknown } | undefined)?.error === 'object';
    if (typed !== undefined || isErrorObject) facts.kind = typed ?? 500;
  } else if (typed === 529 || typed === 402) facts.kind = typed;
  // a 5xx: Anthropic's type tells overload (`overloaded_error`, 529) from a server error (`api_error`)
  else if (status >= 500 && typed !== undefined && typed >= 500) facts.kind = typed;
  return facts;
}

function contextOf(context: ClaudeErrorContext): ProviderErrorContext {
  return { provider: 'claude', engine: context.engine, secrets: [context.apiKey] };
}

/**
 * Maps an `event: error` sent inside a 200 stream (`{"type":"error","error":{"type":
 * "overloaded_error",…}}`): its error `type` decides the class, as for an HTTP error.
 */
export function mapClaudeStreamError(data: unknown, headers: Headers, context: ClaudeErrorContext): EngineException {
  const facts = readClaudeErrorBody(data, undefined);
  return exceptionFromFacts({ ...facts, kind: facts.kind ?? 500, headers, body: data }, contextOf(context));
}

/** The fields of the SDK's `APIError` family read when an error status reached the SDK itself. */
interface SdkErrorLike {
  status?: unknown;
  headers?: unknown;
  error?: unknown;
}

/**
 * Maps whatever the request or the stream raised (an HTTP error answer, a 2xx that is no
 * event stream, a network failure, a malformed event, the size cap) to the engine's typed
 * exceptions: the shared transport mapping with Anthropic's body format, then the SDK's own
 * `APIError` (a client built without the transport). The API key never appears in the result.
 */
export function mapClaudeError(error: unknown, context: ClaudeErrorContext): EngineException {
  const shared = mapProviderFailure(error, contextOf(context), readClaudeErrorBody);
  if (shared) return shared;
  const sdk = (typeof error === 'object' && error !== null ? error : {}) as SdkErrorLike;
  if (typeof sdk.status === 'number') {
    const headers = sdk.headers instanceof Headers ? sdk.headers : undefined;
    return exceptionFromFacts({ ...readClaudeErrorBody(sdk.error, sdk.status), status: sdk.status, headers, body: sdk.error }, contextOf(context));
  }
  return new EngineException(ErrorMessages.streamFailed(), { provider: 'claude', engine: context.engine, retryable: false, cause: error });
}

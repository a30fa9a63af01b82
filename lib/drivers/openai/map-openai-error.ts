import { EngineException } from '../../errors/engine.exception.js';
import { ErrorMessages } from '../../errors/error-messages.js';
import { exceptionFromFacts, type ProviderErrorContext, type ProviderErrorFacts } from '../transport/provider-errors.js';
import { mapProviderFailure } from '../transport/provider-transport.js';

/**
 * OpenAI's part of error mapping: its error body format (`{ error: { message, type, code } }`,
 * and the top-level `message` / `detail` of vLLM, FastAPI and other compatible servers).
 * Statuses, classes, messages, Retry-After and network failures are the shared table's
 * (lib/drivers/transport/provider-errors.ts).
 */

/** Who failed, and what must never appear in the error. */
export type OpenAIErrorContext = ProviderErrorContext & { label: string };

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

function isQuotaError(body: unknown): boolean {
  const inner = typeof body === 'object' && body !== null ? ((body as Record<string, unknown>).error ?? body) : undefined;
  if (typeof inner !== 'object' || inner === null) return false;
  const { code, type } = inner as Record<string, unknown>;
  return code === 'insufficient_quota' || type === 'insufficient_quota';
}

/**
 * Reads an OpenAI(-compatible) error body. With an HTTP status the status decides; without
 * one (an error sent inside a 200 stream, or a JSON body on a 2xx) its `code` / `type` does.
 */
export function readOpenAIErrorBody(body: unknown, status: number | undefined): Omit<ProviderErrorFacts, 'status' | 'headers' | 'body'> {
  const facts: Omit<ProviderErrorFacts, 'status' | 'headers' | 'body'> = { detail: detailOf(body), billing: isQuotaError(body) };
  if (status === undefined && typeof body === 'object' && body !== null) {
    const record = body as Record<string, unknown>;
    const inner = record.error;
    facts.kind = statusOfStreamError(typeof inner === 'object' && inner !== null ? inner : inner !== undefined ? record : undefined);
  }
  return facts;
}

/**
 * An error object the provider sent inside a 200 stream (`data: {"error": {...}}`), mapped by
 * its code or type; the key is scrubbed from its message and body.
 */
export function mapOpenAIStreamError(errorObject: unknown, headers: Headers | undefined, context: OpenAIErrorContext): EngineException {
  const body = { error: errorObject };
  return exceptionFromFacts({ ...readOpenAIErrorBody(body, undefined), headers, body }, context);
}

/** The fields of the SDK's `APIError` family read when a client without the transport raised one. */
interface SdkErrorLike {
  status?: unknown;
  headers?: unknown;
  error?: unknown;
}

/**
 * Turns whatever the request or the stream raised into the engine's typed errors: the shared
 * transport mapping first (HTTP answers with their bodies, a 2xx that is no event stream,
 * network failures and timeouts, the size cap, malformed events), then the SDK's own `APIError`
 * (from a client built without the transport, e.g. an app's `AzureOpenAI`). Messages and
 * bodies are scrubbed of the API key.
 */
export function mapOpenAIError(error: unknown, context: OpenAIErrorContext): EngineException {
  const shared = mapProviderFailure(error, context, readOpenAIErrorBody);
  if (shared) return shared;
  const sdk = (typeof error === 'object' && error !== null ? error : {}) as SdkErrorLike;
  const headers = sdk.headers instanceof Headers ? sdk.headers : undefined;
  if (typeof sdk.status === 'number') {
    const body = sdk.error !== undefined ? { error: sdk.error } : undefined;
    return exceptionFromFacts({ ...readOpenAIErrorBody(body, sdk.status), status: sdk.status, headers, body }, context);
  }
  if (sdk.error !== undefined && sdk.error !== null && isApiError(error)) return mapOpenAIStreamError(sdk.error, headers, context);
  return new EngineException(ErrorMessages.streamFailed(), { provider: context.provider, engine: context.engine, retryable: false, cause: error });
}

function isApiError(error: unknown): boolean {
  for (let proto = Object.getPrototypeOf(error); proto; proto = Object.getPrototypeOf(proto)) {
    if ((proto as { constructor?: { name?: string } }).constructor?.name === 'APIError') return true;
  }
  return false;
}

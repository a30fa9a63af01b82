import { ConnectionException, type EngineException } from '../../errors/engine.exception.js';
import { ErrorMessages } from '../../errors/error-messages.js';
import { redactSecrets, rootCauseMessage } from '../../errors/redact.js';
import { exceptionFromFacts, mapProviderFailure, type ProviderErrorContext, type ProviderErrorFacts } from '../transport/index.js';

const PROVIDER = 'gemini';

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
function retryDelayOf(error: GoogleErrorBody['error'] | undefined): number | undefined {
  const delay = error?.details?.find((d) => d['@type']?.endsWith('google.rpc.RetryInfo'))?.retryDelay;
  const seconds = delay ? Number(/^(\d+(?:\.\d+)?)s$/.exec(delay)?.[1]) : NaN;
  return Number.isFinite(seconds) ? Math.round(seconds * 1000) : undefined;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Google's `{ error }` object in a body (also as a one-element array, or a `data:` event's text). */
function googleErrorOf(body: unknown): GoogleErrorBody['error'] | undefined {
  let value = body;
  if (typeof value === 'string' && value.trim().startsWith('data:')) value = parseGeminiErrorBody(value);
  if (Array.isArray(value) && value.length === 1) value = value[0];
  return isRecord(value) && isRecord(value.error) ? (value.error as GoogleErrorBody['error']) : undefined;
}

/**
 * Gemini's error body format, in the shared table's terms: Google's `status` says more than
 * the HTTP code (`UNAVAILABLE` → 503, `RESOURCE_EXHAUSTED` → 429, `UNAUTHENTICATED` and an
 * invalid key, which Gemini answers with 400 `API_KEY_INVALID`, → 401, `PERMISSION_DENIED` →
 * 403, an operation Google `CANCELLED` on its side → 500: retryable); for an error object sent
 * in the stream its own `code` (or `status`) stands for the HTTP status. `RetryInfo.retryDelay`
 * is the delay when no `retry-after` header says one.
 */
export function readGeminiErrorBody(body: unknown, status: number | undefined): Omit<ProviderErrorFacts, 'status' | 'headers' | 'body'> {
  const google = googleErrorOf(body);
  const grpc = google?.status;
  const reasons = google?.details?.map((d) => d.reason) ?? [];
  let kind: number | undefined;
  if (reasons.includes('API_KEY_INVALID') || grpc === 'UNAUTHENTICATED') kind = 401;
  else if (grpc === 'PERMISSION_DENIED') kind = 403;
  else if (grpc === 'RESOURCE_EXHAUSTED') kind = 429;
  else if (grpc === 'UNAVAILABLE') kind = 503;
  else if (grpc === 'CANCELLED') kind = 500;
  else if (status === undefined) kind = typeof google?.code === 'number' ? google.code : (grpc && GRPC_HTTP[grpc]) || undefined;
  const detail = google?.message ?? (typeof body === 'string' ? body : undefined);
  const retryAfter = retryDelayOf(google);
  return { ...(kind !== undefined && { kind }), ...(detail !== undefined && { detail }), ...(retryAfter !== undefined && { retryAfter }) };
}

/** The error context of a Gemini engine. */
export function geminiErrorContext(engine: string, apiKey: string | undefined): ProviderErrorContext {
  return { provider: PROVIDER, engine, label: PROVIDER, secrets: [apiKey] };
}

/** An error object Gemini sent inside a 200 stream (`data: {"error":…}`, or bare on Vertex AI). */
export function mapGeminiStreamError(body: unknown, headers: Headers | undefined, context: ProviderErrorContext): EngineException {
  const code = googleErrorOf(body)?.code;
  return exceptionFromFacts(
    { kind: 500, ...readGeminiErrorBody(body, undefined), status: typeof code === 'number' ? code : undefined, headers, body },
    context,
  );
}

/**
 * Maps whatever a Gemini call failed with: an `EngineException` as it is, an HTTP error
 * answer (through the shared status table with Gemini's body read), a network failure, a
 * malformed event; anything else as a connection failure naming its cause.
 */
export function mapGeminiError(error: unknown, context: ProviderErrorContext): EngineException {
  return (
    mapProviderFailure(error, context, readGeminiErrorBody) ??
    new ConnectionException(ErrorMessages.connection(PROVIDER, redactSecrets(rootCauseMessage(error), context.secrets)), {
      provider: PROVIDER,
      engine: context.engine,
    })
  );
}

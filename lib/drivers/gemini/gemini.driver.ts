import type { Observable } from 'rxjs';
import { DEFAULT_SSE_MAX_LENGTH, SseParser } from '../../protocol/sse-parser.js';
import { ProviderServerException, ValidationException } from '../../errors/engine.exception.js';
import { ErrorMessages } from '../../errors/error-messages.js';
import type { GeminiEngineConfig } from '../../interfaces/provider-engine-config.interface.js';
import { engineDefaults } from '../engine-defaults.js';
import { abortableStream, type DriverPartSink } from '../abortable-stream.js';
import type { DriverRequest, DriverStreamPart, EngineDriver } from '../engine-driver.interface.js';
import {
  createProviderTransport,
  MAX_ERROR_BODY_BYTES,
  readResponseBody,
  nodeUtf8Decoder,
  transportOptionsOf,
  type ProviderErrorContext,
  type ProviderTransport,
} from '../transport/index.js';
import { buildGeminiRequest, GEMINI_DEFAULT_BASE_URL } from './build-gemini-request.js';
import type { GeminiChunk } from './gemini-api.types.js';
import { GeminiStreamMapper } from './gemini-stream-mapper.js';
import { geminiErrorContext, mapGeminiError, mapGeminiStreamError } from './map-gemini-error.js';

export { buildGeminiRequest, GEMINI_DEFAULT_BASE_URL };

/** Model used when neither the call nor the engine configuration names one. */
export const GEMINI_DEFAULT_MODEL = 'gemini-flash-latest';

const PROVIDER = 'gemini';
const LF = 10;
const CR = 13;
const OPEN_BRACE = 123;
/** The most of a bare error object in the stream that is kept. */
const ERROR_BODY_LIMIT = MAX_ERROR_BODY_BYTES;

/**
 * The HTTP transport: `request()` resolves with a 2xx event stream only (an error status or
 * another content type rejects, with the status, headers and bounded body text), `close()`
 * ends the keep-alive pool. `createProviderTransport()` is the library's.
 */
export type GeminiTransport = Pick<ProviderTransport, 'request' | 'close'>;

/**
 * Reads the `alt=sse` body: `data:` events through the library's SSE parser, each event's JSON
 * to the mapper. Vertex AI may end a stream with an error object written bare (pretty
 * printed, no `data:`): a line that starts with `{` begins it, and from there the bytes are
 * kept until they parse as JSON. Both are decided line by line, so the outcome does not
 * depend on where the bytes were split.
 */
class GeminiBodyReader {
  /** Set once the stream has failed (an error event, a malformed event, a blocked prompt). */
  failure: unknown;
  private readonly parser: SseParser;
  private atLineStart = true;
  private bare: Uint8Array[] | undefined;
  private bareSize = 0;

  constructor(
    private readonly mapper: GeminiStreamMapper,
    private readonly onError: (body: unknown) => unknown,
    maxLength: number,
  ) {
    this.parser = new SseParser({ onEvent: ({ data }) => this.onData(data) }, { maxLength, decoder: nodeUtf8Decoder });
  }

  /**
   * Feeds bytes; false once nothing more is needed (a failure, or the bare error object is
   * complete). Never throws (it runs in the socket's data callback): a failure, e.g. a line over
   * the length cap, is kept in `failure`.
   */
  feed(bytes: Uint8Array): boolean {
    try {
      return this.take(bytes);
    } catch (error) {
      this.failure ??= error;
      return false;
    }
  }

  private take(bytes: Uint8Array): boolean {
    if (this.bare) return this.keepBare(bytes);
    const start = this.bareStart(bytes);
    if (start === -1) {
      this.parser.feed(bytes);
      return this.failure === undefined;
    }
    if (start > 0) this.parser.feed(bytes.subarray(0, start));
    if (this.failure !== undefined) return false;
    this.bare = [];
    return this.keepBare(bytes.subarray(start));
  }

  /** The body ended. */
  end(): void {
    if (this.failure !== undefined) return;
    if (this.bare) {
      // an error object that never became whole JSON
      this.failure = this.bareFailure() ?? new ProviderServerException(ErrorMessages.malformedStream(PROVIDER), { provider: PROVIDER, body: this.bareText() });
      return;
    }
    try {
      this.parser.end();
    } catch (error) {
      this.failure = error;
    }
  }

  private onData(data: string): void {
    if (this.failure !== undefined) return;
    let chunk: GeminiChunk;
    try {
      chunk = JSON.parse(data) as GeminiChunk;
    } catch (error) {
      this.failure = error; // a SyntaxError: a malformed stream
      return;
    }
    if (typeof chunk !== 'object' || chunk === null) return;
    if (chunk.error !== undefined && chunk.error !== null) {
      this.failure = this.onError(chunk);
      return;
    }
    try {
      this.mapper.push(chunk);
    } catch (error) {
      this.failure = error;
    }
  }

  /** Where a line starting with `{` begins in `bytes` (-1: none); remembers whether the next chunk starts a line. */
  private bareStart(bytes: Uint8Array): number {
    const length = bytes.length;
    let pos = 0;
    if (!this.atLineStart) {
      const lf = bytes.indexOf(LF);
      if (lf === -1) return -1;
      pos = lf + 1;
    }
    for (;;) {
      if (pos >= length) {
        this.atLineStart = true;
        return -1;
      }
      const byte = bytes[pos];
      if (byte === OPEN_BRACE) return pos;
      if (byte === LF || byte === CR) {
        pos++;
        continue;
      }
      const lf = bytes.indexOf(LF, pos);
      if (lf === -1) {
        this.atLineStart = false;
        return -1;
      }
      pos = lf + 1;
    }
  }

  private keepBare(bytes: Uint8Array): boolean {
    this.bare!.push(bytes);
    this.bareSize += bytes.byteLength;
    const failure = this.bareFailure();
    if (failure !== undefined) {
      this.failure = failure;
      return false;
    }
    if (this.bareSize > ERROR_BODY_LIMIT) {
      this.failure = new ProviderServerException(ErrorMessages.malformedStream(PROVIDER), { provider: PROVIDER });
      return false;
    }
    return true;
  }

  private bareText(): string {
    return Buffer.concat(this.bare ?? []).toString('utf8');
  }

  /** The error the bare object stands for, once it is whole JSON (a prefix of an object never parses). */
  private bareFailure(): unknown {
    let body: unknown;
    try {
      body = JSON.parse(this.bareText());
    } catch {
      return undefined;
    }
    if (typeof body === 'object' && body !== null && (body as { error?: unknown }).error !== undefined) return this.onError(body);
    return new ProviderServerException(ErrorMessages.malformedStream(PROVIDER), { provider: PROVIDER, body });
  }
}

/**
 * The `gemini` engine: the Gemini Developer API's `models/{model}:streamGenerateContent?alt=sse`,
 * spoken directly (no SDK): the request goes over the library's `node:http` keep-alive
 * transport with the key in `x-goog-api-key` (`projectId`, if any, in `x-goog-user-project`),
 * and the body is read with the library's own SSE parser. Create it with {@link createGeminiDriver}.
 */
export class GeminiDriver implements EngineDriver {
  readonly provider = PROVIDER;
  readonly defaultModel: string;
  readonly defaults: { temperature?: number; maxTokens?: number };
  private readonly errorContext: ProviderErrorContext;
  private readonly headers: Record<string, string>;

  constructor(
    readonly name: string,
    private readonly config: GeminiEngineConfig,
    private readonly transport: GeminiTransport,
  ) {
    this.defaultModel = config.model ?? GEMINI_DEFAULT_MODEL;
    this.defaults = engineDefaults(config);
    this.errorContext = geminiErrorContext(name, config.apiKey);
    this.headers = {
      'content-type': 'application/json',
      accept: 'text/event-stream',
      'x-goog-api-key': config.apiKey,
      ...(config.projectId && { 'x-goog-user-project': config.projectId }),
    };
  }

  stream(request: DriverRequest): Observable<DriverStreamPart> {
    return abortableStream((sink, signal) => this.run(request, sink, signal));
  }

  /** Closes the kept-alive connections to Gemini. */
  close(): void {
    this.transport.close();
  }

  private async run(request: DriverRequest, sink: DriverPartSink, signal: AbortSignal): Promise<void> {
    try {
      const call = buildGeminiRequest(request, this.config);
      // an error status rejects here, with Google's body (read bounded), mapped in the catch
      const response = await this.transport.request(call.url, {
        method: 'POST',
        headers: { ...call.headers, ...this.headers },
        body: JSON.stringify(call.body),
        signal,
      });
      if (signal.aborted) return;
      // Gemini accepted the request; the chunks' modelVersion is not known yet
      sink.next({
        type: 'response-start',
        model: call.model,
        warnings: call.warnings,
        ...(call.structuredOutputMode && { structuredOutputMode: call.structuredOutputMode }),
      });

      const mapper = new GeminiStreamMapper((part) => sink.next(part), this.config.apiKey);
      const reader = new GeminiBodyReader(
        mapper,
        (body) => mapGeminiStreamError(body, response.headers, this.errorContext),
        this.config.maxEventLength ?? DEFAULT_SSE_MAX_LENGTH,
      );
      await readResponseBody(response, (bytes) => reader.feed(bytes));
      if (signal.aborted) return;
      reader.end();
      if (reader.failure !== undefined) throw reader.failure;
      mapper.finish();
      sink.complete();
    } catch (error) {
      // An abort by unsubscribing is the caller leaving, not a failure.
      if (signal.aborted) return;
      sink.error(mapGeminiError(error, this.errorContext));
    }
  }
}

/**
 * Creates the `gemini` engine: the Gemini Developer API (never Vertex AI) at `baseURL`, over a
 * `node:http` keep-alive pool of its own (closed by `close()`). No SDK is needed. The driver does
 * not retry and does not resume broken streams: the engine retries, with backoff, and falls back.
 */
export async function createGeminiDriver(
  name: string,
  config: GeminiEngineConfig,
  transport: GeminiTransport = createProviderTransport(transportOptionsOf(config)),
): Promise<GeminiDriver> {
  const problems: string[] = [];
  if (typeof config.apiKey !== 'string' || config.apiKey.trim() === '') problems.push(`engine.${name}.apiKey: an API key is needed`);
  if (config.baseURL) {
    let url: URL | undefined;
    try {
      url = new URL(config.baseURL);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) problems.push(`engine.${name}.baseURL: must be an http or https URL`);
  }
  if (problems.length > 0) {
    transport.close();
    throw new ValidationException(ErrorMessages.invalidOptions(problems), { provider: PROVIDER, engine: name });
  }
  return new GeminiDriver(name, config, transport);
}

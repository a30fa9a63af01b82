import { Logger } from '@nestjs/common';
import type { Observable } from 'rxjs';
import { ConnectionException, ValidationException } from '../../errors/engine.exception.js';
import { ErrorMessages } from '../../errors/error-messages.js';
import { redactSecrets } from '../../errors/redact.js';
import type { ClaudeEngineConfig } from '../../interfaces/provider-engine-config.interface.js';
import { loadPackage } from '../../utils/load-package.js';
import { abortableStream, type DriverPartSink } from '../abortable-stream.js';
import { engineDefaults } from '../engine-defaults.js';
import type { DriverRequest, DriverStreamPart, EngineDriver } from '../engine-driver.interface.js';
import { createProviderTransport, readEventStream, transportOptionsOf } from '../transport/provider-transport.js';
import { sdkLogger } from '../sdk-logger.js';
import { buildClaudeRequest, CLAUDE_DEFAULT_MAX_TOKENS } from './build-claude-request.js';
import type { ClaudeStreamOpener } from './claude-api.types.js';
import { claudeDirectClient } from './claude-direct-client.js';
import { ClaudeStreamReader } from './claude-stream-reader.js';
import { mapClaudeError, mapClaudeStreamError } from './map-claude-error.js';

export { buildClaudeRequest, CLAUDE_DEFAULT_MAX_TOKENS };

/** Model used when neither the call nor the engine configuration names one. */
export const CLAUDE_DEFAULT_MODEL = 'claude-sonnet-5-5';

/**
 * The request timeout the SDK's client is constructed with. No request goes through that
 * client (see {@link createClaudeDriver}), so it bounds nothing: the engine applies its own
 * first-byte and idle timeouts, and retries; the transport has `timeout.responseMs`.
 */
export const CLAUDE_CLIENT_TIMEOUT_MS = 10 * 60_000;

const PROVIDER = 'claude';

/**
 * The `claude` engine: Anthropic's Messages API, streamed. The request is built by the
 * library (`claudeDirectClient`: the URL, headers and JSON body the SDK would send) and sent by
 * the provider transport (lib/drivers/transport/), which rejects an error status, or a 2xx
 * that is no event stream, before anything reads it; the body is read here, from the socket,
 * by the one SSE reader. Create it with {@link createClaudeDriver}; the constructor takes the
 * function that opens a stream, so that the class never names the optional SDK.
 */
export class ClaudeDriver implements EngineDriver {
  readonly provider = PROVIDER;
  readonly defaultModel: string;
  readonly defaults: { temperature?: number; maxTokens?: number };
  private readonly logger: Logger;

  constructor(
    readonly name: string,
    private readonly config: ClaudeEngineConfig,
    private readonly open: ClaudeStreamOpener,
    private readonly onClose?: () => void,
  ) {
    this.defaultModel = config.model ?? CLAUDE_DEFAULT_MODEL;
    this.defaults = engineDefaults(config);
    this.logger = new Logger(`ClaudeDriver:${name}`);
  }

  stream(request: DriverRequest): Observable<DriverStreamPart> {
    return abortableStream((sink, signal) => this.run(request, sink, signal));
  }

  /** Closes the kept-alive connections to the provider. */
  close(): void {
    this.onClose?.();
  }

  private async run(request: DriverRequest, subscriber: DriverPartSink, signal: AbortSignal): Promise<void> {
    try {
      const { body, warnings, structuredOutputMode, jsonTool } = buildClaudeRequest(request, this.config);
      const response = await this.open(body, signal);
      if (signal.aborted) return;
      // The response headers are in (2xx): the provider accepted the request.
      const start: DriverStreamPart = { type: 'response-start', model: body.model, warnings };
      if (structuredOutputMode) start.structuredOutputMode = structuredOutputMode;
      subscriber.next(start);

      const reader = new ClaudeStreamReader((part) => subscriber.next(part), jsonTool);
      // read by the one SSE reader; a throw here fails the stream (and closes the connection)
      await readEventStream(
        response,
        ({ data }) => {
          let event: Record<string, unknown>;
          try {
            event = JSON.parse(data);
          } catch (error) {
            this.logger.error(`Could not parse message into JSON: ${redactSecrets(data.slice(0, 200), [this.config.apiKey])}`);
            throw error; // a SyntaxError: a malformed stream
          }
          if (typeof event !== 'object' || event === null) return;
          const error = reader.read(event);
          if (error) throw mapClaudeStreamError(error, response.headers, { engine: this.name, apiKey: this.config.apiKey });
          return !reader.stopped;
        },
        { maxEventLength: this.config.maxEventLength },
      );
      if (signal.aborted) return;
      if (!reader.stopped) throw new ConnectionException(ErrorMessages.streamEndedEarly(PROVIDER), { provider: PROVIDER });
      subscriber.next(reader.finish());
      subscriber.complete();
    } catch (error) {
      // An abort by unsubscribing is the caller leaving, not a failure.
      if (signal.aborted) return;
      subscriber.error(mapClaudeError(error, { engine: this.name, apiKey: this.config.apiKey }));
    }
  }
}

/**
 * Creates the `claude` engine, loading `@anthropic-ai/sdk` on first use (a missing package is a
 * `MissingPackageException` naming `npm install @anthropic-ai/sdk`). The SDK's client is
 * constructed once, so that a bad option fails at startup with the SDK's message (a
 * `ValidationException`), but no request goes through it: each stream is one `POST
 * {baseURL}/v1/messages` built by `claudeDirectClient` (the key as `Authorization: Bearer …`,
 * `anthropic-version: 2026-10-21`), over node:http with a keep-alive pool per engine. Only the
 * engine's config is used: no environment variable is read (not the SDK's
 * `ANTHROPIC_BASE_URL`, nor `ANTHROPIC_CUSTOM_HEADERS`: the engine's `headers` are the way to
 * add headers). Nothing retries below the engine: the engine retries, with backoff, and
 * falls back.
 */
export async function createClaudeDriver(name: string, config: ClaudeEngineConfig): Promise<ClaudeDriver> {
  const { default: Anthropic } = await loadPackage('@anthropic-ai/sdk', 'the Claude engine', () => import('@anthropic-ai/sdk'));
  const transport = createProviderTransport(transportOptionsOf(config));
  let open: ClaudeStreamOpener;
  try {
    // The SDK's client is not used for requests: it checks the options at startup, so that a
    // bad one fails here with the SDK's own message, as it always did.
    new Anthropic({
      apiKey: config.apiKey,
      baseURL: config.baseURL || null,
      maxRetries: 0,
      timeout: CLAUDE_CLIENT_TIMEOUT_MS,
      fetch: transport.eventStreamFetch,
      logger: sdkLogger(`ClaudeDriver:${name}`, [config.apiKey]),
    });
    // the request the SDK would send, built once (a baseURL that is no URL fails here too)
    open = claudeDirectClient(transport, { baseURL: config.baseURL, apiKey: config.apiKey });
  } catch (error) {
    transport.close();
    throw new ValidationException(ErrorMessages.invalidOptions([redactSecrets(`engine.${name}: ${(error as Error).message}`, [config.apiKey])]), {
      provider: PROVIDER,
      engine: name,
    });
  }
  return new ClaudeDriver(name, config, open, () => transport.close());
}

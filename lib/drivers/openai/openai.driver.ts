import { Logger } from '@nestjs/common';
import type { Observable } from 'rxjs';
import { ConnectionException, ValidationException } from '../../errors/engine.exception.js';
import { sdkLogger } from '../sdk-logger.js';
import { ErrorMessages } from '../../errors/error-messages.js';
import { redactSecrets } from '../../errors/redact.js';
import type { DriverCallOptions } from '../../interfaces/engine-call-options.interface.js';
import type { OpenAIEngineConfig } from '../../interfaces/engine-module-options.interface.js';
import type { EngineUsage } from '../../interfaces/engine-usage.interface.js';
import { loadPackage } from '../../utils/load-package.js';
import { engineDefaults } from '../engine-defaults.js';
import { abortableStream, type DriverPartSink } from '../abortable-stream.js';
import type { DriverRequest, DriverStreamPart, EngineDriver } from '../engine-driver.interface.js';
import { convertToOpenAIMessages } from './convert-to-openai-messages.js';
import { createProviderTransport, readEventStream } from '../transport/provider-transport.js';
import { mapOpenAIError, mapOpenAIStreamError, type OpenAIErrorContext } from './map-openai-error.js';
import { mapOpenAIFinishReason } from './map-openai-finish-reason.js';
import type { OpenAIChatChunk, OpenAIChatClient, OpenAIChatRequestBody, OpenAIUsage } from './openai-api.types.js';

/** The model used when neither the call nor the engine's config names one. */
export const OPENAI_DEFAULT_MODEL = 'gpt-4o-mini';

/**
 * The SDK's own request timeout (until response headers). Generous on purpose: the engine
 * applies its own first-byte and idle timeouts, and retries; the SDK does neither.
 */
export const OPENAI_CLIENT_TIMEOUT_MS = 10 * 60_000;

/** Token usage as the engine reports it. */
function normaliseUsage(usage: OpenAIUsage): EngineUsage {
  const promptTokens = usage.prompt_tokens ?? 0;
  const completionTokens = usage.completion_tokens ?? 0;
  return { promptTokens, completionTokens, totalTokens: usage.total_tokens ?? promptTokens + completionTokens };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The OpenAI engine: Chat Completions over the official `openai` SDK, streamed. With
 * `baseURL` it speaks to any OpenAI-compatible server (Ollama, vLLM, LM Studio, OpenRouter,
 * Groq…). Create it with `createOpenAIDriver()`, which loads the SDK lazily.
 */
export class OpenAIDriver implements EngineDriver {
  readonly provider = 'openai';
  private readonly logger: Logger;
  readonly defaultModel: string;
  readonly defaults: Partial<Omit<DriverCallOptions, 'model'>>;
  private readonly errorContext: OpenAIErrorContext;
  private readonly maxEventLength: number | undefined;

  /**
   * @param client the SDK's `OpenAI` client, or anything with the same
   *   `chat.completions.create(body, { signal }).asResponse()` (a fetch `Response` whose body streams the events).
   */
  constructor(
    readonly name: string,
    config: OpenAIEngineConfig,
    private readonly client: OpenAIChatClient,
    private readonly onClose?: () => void,
  ) {
    this.defaultModel = config.model || OPENAI_DEFAULT_MODEL;
    this.defaults = engineDefaults(config);
    this.logger = new Logger(`OpenAIDriver:${name}`);
    this.maxEventLength = config.maxEventLength;
    this.errorContext = {
      provider: this.provider,
      engine: name,
      label: name,
      secrets: [config.apiKey],
      timeoutMs: OPENAI_CLIENT_TIMEOUT_MS,
    };
  }

  /** The Chat Completions request body for a call: messages converted, options mapped, `providerOptions` merged. */
  buildRequestBody(request: DriverRequest): OpenAIChatRequestBody {
    const { options } = request;
    const extra = options.providerOptions ?? {};
    const body: OpenAIChatRequestBody = {
      model: options.model || this.defaultModel,
      messages: convertToOpenAIMessages(request.messages, {
        label: this.name,
        provider: this.provider,
        engine: this.name,
      }),
      stream: true,
      stream_options: { include_usage: true },
    };
    if (options.temperature !== undefined) body.temperature = options.temperature;
    if (options.maxTokens !== undefined) body.max_tokens = options.maxTokens;
    if (options.topP !== undefined) body.top_p = options.topP;
    // always an array (a caller that skipped the engine may hand over a single string)
    const stop = options.stop === undefined ? [] : ([] as string[]).concat(options.stop);
    if (stop.length > 0) body.stop = stop;
    if (options.presencePenalty !== undefined) body.presence_penalty = options.presencePenalty;
    if (options.frequencyPenalty !== undefined) body.frequency_penalty = options.frequencyPenalty;
    if (options.user !== undefined) body.user = options.user;
    // the escape hatch wins over mapped options, except that the driver needs a stream with usage
    return {
      ...body,
      ...extra,
      stream: true,
      stream_options: { ...(isRecord(extra.stream_options) ? extra.stream_options : {}), include_usage: true },
    };
  }

  stream(request: DriverRequest): Observable<DriverStreamPart> {
    return abortableStream((sink, signal) => this.run(request, signal, sink));
  }

  private async run(request: DriverRequest, signal: AbortSignal, subscriber: DriverPartSink): Promise<void> {
    try {
      const body = this.buildRequestBody(request);
      // The SDK makes the request and turns error statuses into its errors; the body is read
      // here, with the library's own SSE parser (cheaper per token than the SDK's iterator).
      const response = await this.client.chat.completions.create(body, { signal }).asResponse();
      if (signal.aborted) return;
      // the provider answered 200: the chunks' `model` (often a dated snapshot) is not known yet
      subscriber.next({ type: 'response-start', model: body.model, warnings: [] });

      let rawFinishReason: string | undefined;
      let usage: OpenAIUsage | undefined;
      // read by the one SSE reader; a throw here fails the stream (and closes the connection)
      await readEventStream(response, ({ event, data }) => {
        if (data.startsWith('[DONE]')) return false;
        let chunk: OpenAIChatChunk & { error?: unknown; message?: unknown };
        try {
          chunk = JSON.parse(data);
        } catch (error) {
          this.logger.error(`Could not parse message into JSON: ${redactSecrets(data.slice(0, 200), this.errorContext.secrets)}`);
          throw error; // a SyntaxError: a malformed stream
        }
        if (typeof chunk !== 'object' || chunk === null) return;
        if (event === 'error' || (chunk.error !== undefined && chunk.error !== null)) {
          throw mapOpenAIStreamError(chunk.error ?? chunk.message ?? chunk, response.headers, this.errorContext);
        }
        if (isRecord(chunk.usage)) usage = chunk.usage;
        const choices = chunk.choices;
        const choice = choices && ((choices[0]?.index ?? 0) === 0 ? choices[0] : choices.find((c) => (c.index ?? 0) === 0));
        if (!choice) return;
        const text = choice.delta?.content;
        if (typeof text === 'string' && text.length > 0) subscriber.next({ type: 'text-delta', text });
        // e.g. reasoning_content: alive, no answer text; an empty delta is no sign of work (timeout.idleMs)
        else if (carriesData(choice.delta)) subscriber.next({ type: 'activity' });
        if (choice.finish_reason) rawFinishReason = choice.finish_reason;
      }, { maxEventLength: this.maxEventLength });
      if (signal.aborted) return;
      // a body that ends without a finish reason was cut off: never pass it off as a whole answer
      if (rawFinishReason === undefined) {
        throw new ConnectionException(ErrorMessages.streamEndedEarly(this.name), { provider: this.provider, engine: this.name });
      }
      const finish: DriverStreamPart = {
        type: 'finish',
        finishReason: mapOpenAIFinishReason(rawFinishReason),
        rawFinishReason,
      };
      if (usage) finish.usage = normaliseUsage(usage);
      subscriber.next(finish);
      subscriber.complete();
    } catch (error) {
      // an abort caused by unsubscribing is not a failure
      if (signal.aborted) return;
      subscriber.error(mapOpenAIError(error, this.errorContext));
    }
  }

  /** Closes the kept-alive connections to the provider. */
  close(): void {
    this.onClose?.();
  }

}

/**
 * Creates the OpenAI driver, loading the `openai` package on first use (a missing package
 * is a `MissingPackageException` naming `npm install openai`). Only the engine's config is
 * used: the SDK's `OPENAI_BASE_URL`, `OPENAI_ORG_ID` and `OPENAI_PROJECT_ID` environment
 * variables are not read. The SDK does no retries of its own: the engine retries. What the
 * SDK logs goes through Nest's `Logger` (context `OpenAIDriver:<name>`).
 */
export async function createOpenAIDriver(name: string, config: OpenAIEngineConfig): Promise<OpenAIDriver> {
  const { OpenAI } = await loadPackage('openai', 'the OpenAI engine', () => import('openai'));
  let client: InstanceType<typeof OpenAI>;
  const transport = createProviderTransport({ headers: config.headers });
  try {
    client = new OpenAI({
      apiKey: config.apiKey,
      baseURL: config.baseURL || null,
      organization: config.organization || null,
      project: null,
      maxRetries: 0,
      timeout: OPENAI_CLIENT_TIMEOUT_MS,
      fetch: transport.eventStreamFetch,
      logger: sdkLogger(`OpenAIDriver:${name}`, [config.apiKey]),
    });
  } catch (error) {
    transport.close();
    // e.g. "Missing credentials" for an empty key
    throw new ValidationException(ErrorMessages.invalidOptions([redactSecrets(`engine.${name}: ${(error as Error).message}`, [config.apiKey])]), {
      provider: 'openai',
      engine: name,
    });
  }
  return new OpenAIDriver(name, config, client, () => transport.close());
}

/** Whether a delta holds anything besides its role: text, reasoning, tool calls, a refusal… */
function carriesData(delta: unknown): boolean {
  if (typeof delta !== 'object' || delta === null) return false;
  for (const [key, value] of Object.entries(delta)) {
    if (key === 'role' || value === null || value === undefined || value === '') continue;
    if (Array.isArray(value) && value.length === 0) continue;
    return true;
  }
  return false;
}

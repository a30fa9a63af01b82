import { Logger } from '@nestjs/common';
import type { Observable } from 'rxjs';
import { ConnectionException, ValidationException } from '../../errors/engine.exception.js';
import { sdkLogger } from '../sdk-logger.js';
import { ErrorMessages } from '../../errors/error-messages.js';
import { redactSecrets } from '../../errors/redact.js';
import type { DriverCallOptions } from '../../interfaces/engine-call-options.interface.js';
import type { OpenAIEngineConfig } from '../../interfaces/provider-engine-config.interface.js';
import { loadPackage } from '../../utils/load-package.js';
import { engineDefaults } from '../engine-defaults.js';
import { abortableStream, type DriverPartSink } from '../abortable-stream.js';
import type { DriverRequest, DriverStreamPart, EngineDriver } from '../engine-driver.interface.js';
import { convertToOpenAIMessages } from './convert-to-openai-messages.js';
import { createProviderTransport, readEventStream, transportOptionsOf } from '../transport/provider-transport.js';
import { mapOpenAIError, mapOpenAIStreamError, type OpenAIErrorContext } from './map-openai-error.js';
import type { OpenAIChatChunk, OpenAIChatClient, OpenAIChatRequestBody, OpenAIMessage } from './openai-api.types.js';
import { OpenAIStreamReader } from './read-openai-stream.js';
import { openAIDirectClient } from './openai-direct-client.js';
import { isStrictCompatibleRoot, toOpenAIStrictSchema } from './to-openai-strict-schema.js';
import { resolveOpenAIPreset, type OpenAIPreset } from './openai-presets.js';
import type { EngineWarning } from '../../interfaces/engine-warning.interface.js';

/** The model used when neither the call nor the engine's config names one. */
export const OPENAI_DEFAULT_MODEL = 'gpt-4o-mini';

/**
 * The SDK's own request timeout (until response headers). Generous on purpose: the engine
 * applies its own first-byte and idle timeouts, and retries; the SDK does neither.
 */
export const OPENAI_CLIENT_TIMEOUT_MS = 10 * 60_000;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

type StructuredOutputMode = 'json_schema' | 'json_object' | 'prompt';

/** A `json_schema.name`: letters, digits, `_` and `-`, at most 64. */
function schemaName(name: string | undefined): string {
  const clean = (name ?? 'response').replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64);
  return clean === '' ? 'response' : clean;
}

/**
 * The OpenAI engine: Chat Completions, streamed (the request built by `openAIDirectClient`,
 * or by the SDK's Azure client for Azure), read by the library's SSE reader. With
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
  private readonly structuredOutput: 'json_schema' | 'json_object' | 'prompt';
  /** Whether `stream_options: { include_usage: true }` is sent (not to Mistral, which has no such field). */
  private readonly streamOptions: boolean;

  /**
   * @param client the SDK's `OpenAI` client, or anything with the same
   *   `chat.completions.create(body, { signal }).asResponse()` (a fetch `Response` whose body streams the events).
   */
  constructor(
    readonly name: string,
    config: OpenAIEngineConfig,
    private readonly client: OpenAIChatClient,
    private readonly onClose?: () => void,
    preset?: OpenAIPreset,
  ) {
    this.defaultModel = config.model || OPENAI_DEFAULT_MODEL;
    this.defaults = engineDefaults(config);
    this.logger = new Logger(`OpenAIDriver:${name}`);
    this.maxEventLength = config.maxEventLength;
    this.structuredOutput = config.structuredOutput ?? preset?.structuredOutput ?? 'json_schema';
    this.streamOptions = preset?.streamOptions ?? true;
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
    return this.prepare(request).body;
  }

  /** The body, the warnings for `response-start`, and the structured-output mode used. */
  private prepare(request: DriverRequest): { body: OpenAIChatRequestBody; warnings: EngineWarning[]; structuredOutputMode?: StructuredOutputMode } {
    const { options } = request;
    const extra = options.providerOptions ?? {};
    const warnings: EngineWarning[] = [];
    const messages = convertToOpenAIMessages(request.messages, {
      label: this.name,
      provider: this.provider,
      engine: this.name,
    });
    const body: OpenAIChatRequestBody = {
      model: options.model || this.defaultModel,
      messages,
      stream: true,
    };
    if (this.streamOptions) body.stream_options = { include_usage: true };
    if (options.temperature !== undefined) body.temperature = options.temperature;
    if (options.maxTokens !== undefined) body.max_tokens = options.maxTokens;
    if (options.topP !== undefined) body.top_p = options.topP;
    // always an array (a caller that skipped the engine may hand over a single string)
    const stop = options.stop === undefined ? [] : ([] as string[]).concat(options.stop);
    if (stop.length > 0) body.stop = stop;
    if (options.presencePenalty !== undefined) body.presence_penalty = options.presencePenalty;
    if (options.frequencyPenalty !== undefined) body.frequency_penalty = options.frequencyPenalty;
    if (options.user !== undefined) body.user = options.user;
    if (options.tools && options.tools.length > 0) {
      body.tools = options.tools.map((tool) => ({
        type: 'function',
        function: { name: tool.name, ...(tool.description ? { description: tool.description } : {}), parameters: tool.parameters },
      }));
      if (options.parallelToolCalls !== undefined) body.parallel_tool_calls = options.parallelToolCalls;
    }
    if (options.toolChoice !== undefined) {
      body.tool_choice = typeof options.toolChoice === 'string' ? options.toolChoice : { type: 'function', function: { name: options.toolChoice.name } };
    }
    if (options.reasoning?.effort) body.reasoning_effort = options.reasoning.effort;
    if (options.reasoning?.budgetTokens !== undefined) {
      warnings.push({
        type: 'unsupported-option',
        option: 'reasoning.budgetTokens',
        message: ErrorMessages.optionNotSupported(this.name, 'reasoning.budgetTokens', 'it takes reasoning.effort'),
      });
    }
    const structuredOutputMode = this.structuredOutputInto(body, messages, options.responseFormat, warnings);
    // the escape hatch wins over mapped options, except that the driver needs a stream with usage
    const merged: OpenAIChatRequestBody = { ...body, ...extra, stream: true };
    if (this.streamOptions) merged.stream_options = { ...(isRecord(extra.stream_options) ? extra.stream_options : {}), include_usage: true };
    return {
      body: merged,
      warnings,
      ...(structuredOutputMode ? { structuredOutputMode } : {}),
    };
  }

  /**
   * `responseFormat` as the configured `structuredOutput` mode allows: `json_schema` with the
   * schema made strict-compatible (or sent without strict mode, with a warning, when its root
   * is no object); `json_object` with the schema in a system message; `prompt`: the system
   * message only. A format without a schema is JSON mode (or the prompt).
   */
  private structuredOutputInto(
    body: OpenAIChatRequestBody,
    messages: OpenAIMessage[],
    format: DriverCallOptions['responseFormat'],
    warnings: EngineWarning[],
  ): StructuredOutputMode | undefined {
    if (!format) return undefined;
    const mode = this.structuredOutput;
    const instruction = (text: string) => messages.unshift({ role: 'system', content: text });
    if (!format.schema) {
      instruction('Answer with one JSON value and nothing else.');
      if (mode === 'prompt') return 'prompt';
      body.response_format = { type: 'json_object' };
      return 'json_object';
    }
    if (mode === 'json_schema') {
      const strict = isStrictCompatibleRoot(format.schema);
      if (!strict) warnings.push({ type: 'other', option: 'responseFormat', message: ErrorMessages.schemaNotStrict(this.name) });
      body.response_format = {
        type: 'json_schema',
        json_schema: {
          name: schemaName(format.name),
          ...(format.description ? { description: format.description } : {}),
          schema: strict ? toOpenAIStrictSchema(format.schema) : format.schema,
          strict,
        },
      };
      return 'json_schema';
    }
    instruction(
      `Answer with one JSON value that matches this JSON Schema, and nothing else (no prose, no code fence):\n${JSON.stringify(format.schema)}` +
        (format.description ? `\n${format.description}` : ''),
    );
    warnings.push({ type: 'other', option: 'responseFormat', message: ErrorMessages.structuredOutputWeaker(this.name, mode) });
    if (mode === 'json_object') body.response_format = { type: 'json_object' };
    return mode;
  }

  stream(request: DriverRequest): Observable<DriverStreamPart> {
    return abortableStream((sink, signal) => this.run(request, signal, sink));
  }

  private async run(request: DriverRequest, signal: AbortSignal, subscriber: DriverPartSink): Promise<void> {
    try {
      const { body, warnings, structuredOutputMode } = this.prepare(request);
      // The SDK builds and authenticates the request; the transport checks the answer is an
      // event stream (else the request fails here, before response-start) and the body is
      // read with the library's SSE reader.
      const response = await this.client.chat.completions.create(body, { signal }).asResponse();
      if (signal.aborted) return;
      // the provider answered 200: the chunks' `model` (often a dated snapshot) is not known yet
      const start: DriverStreamPart = { type: 'response-start', model: body.model, warnings };
      if (structuredOutputMode) start.structuredOutputMode = structuredOutputMode;
      subscriber.next(start);

      const reader = new OpenAIStreamReader((part) => subscriber.next(part));
      // a throw here fails the stream (and closes the connection)
      await readEventStream(
        response,
        ({ event, data }) => {
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
          reader.read(chunk);
        },
        { maxEventLength: this.maxEventLength },
      );
      if (signal.aborted) return;
      // a body that ends without a finish reason was cut off: never pass it off as a whole answer
      if (reader.rawFinishReason === undefined) {
        throw new ConnectionException(ErrorMessages.streamEndedEarly(this.name), { provider: this.provider, engine: this.name });
      }
      reader.finish();
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
export async function createOpenAIDriver(name: string, engineConfig: OpenAIEngineConfig): Promise<OpenAIDriver> {
  const { OpenAI, AzureOpenAI } = await loadPackage('openai', 'the OpenAI engine', () => import('openai'));
  const { config, preset } = resolveOpenAIPreset(engineConfig);
  let chat: OpenAIChatClient;
  const transport = createProviderTransport(transportOptionsOf(config));
  // a keyless service (Ollama, vLLM) without a key: the SDK needs one, the request gets no Authorization header
  const keyless = preset?.keyless === true && !config.apiKey;
  try {
    const common = {
      apiKey: keyless ? 'no-key' : (config.apiKey ?? ''),
      ...(keyless ? { defaultHeaders: { Authorization: null } } : {}),
      maxRetries: 0,
      timeout: OPENAI_CLIENT_TIMEOUT_MS,
      fetch: transport.eventStreamFetch,
      logger: sdkLogger(`OpenAIDriver:${name}`, config.apiKey ? [config.apiKey] : []),
    };
    if (config.azure) {
      // the SDK's Azure client: deployment URL, api-version, the key in `api-key`; no environment variable read
      chat = new AzureOpenAI({ ...common, baseURL: null, endpoint: config.baseURL, apiVersion: config.azure.apiVersion, deployment: config.azure.deployment });
    } else {
      // Anything else: the SDK client checks the options, and the same request is built directly
      // (a baseURL that is no URL fails here, at startup, naming the engine)
      new OpenAI({ ...common, baseURL: config.baseURL || null, organization: config.organization || null, project: null });
      chat = openAIDirectClient(transport, { baseURL: config.baseURL, apiKey: keyless ? undefined : (config.apiKey ?? ''), organization: config.organization });
    }
  } catch (error) {
    transport.close();
    // e.g. "Missing credentials" for an empty key
    throw new ValidationException(ErrorMessages.invalidOptions([redactSecrets(`engine.${name}: ${(error as Error).message}`, [config.apiKey])]), {
      provider: 'openai',
      engine: name,
    });
  }
  return new OpenAIDriver(name, config, chat, () => transport.close(), preset);
}

import type { Observable } from 'rxjs';
import { ConnectionException, ContentFilterException, ValidationException } from '../../errors/engine.exception.js';
import { ErrorMessages } from '../../errors/error-messages.js';
import { redactSecrets } from '../../errors/redact.js';
import type { DriverCallOptions } from '../../interfaces/engine-call-options.interface.js';
import type { GeminiEngineConfig } from '../../interfaces/engine-module-options.interface.js';
import type { EngineUsage } from '../../interfaces/engine-usage.interface.js';
import type { EngineWarning } from '../../interfaces/engine-warning.interface.js';
import { loadPackage } from '../../utils/load-package.js';
import { engineDefaults } from '../engine-defaults.js';
import { abortableStream, type DriverPartSink } from '../abortable-stream.js';
import type { DriverRequest, DriverStreamPart, EngineDriver } from '../engine-driver.interface.js';
import { convertToGeminiContents } from './convert-to-gemini-contents.js';
import type { GeminiChunk, GeminiExchange, GeminiGenerateConfig, GeminiRequest, GeminiStreamOpener, GeminiUsageMetadata } from './gemini-api.types.js';
import { mapGeminiError } from './map-gemini-error.js';
import { mapGeminiFinishReason } from './map-gemini-finish-reason.js';

/** Model used when neither the call nor the engine configuration names one. */
export const GEMINI_DEFAULT_MODEL = 'gemini-flash-latest';
/** The Gemini Developer API, used when the configuration has no `baseURL`. */
export const GEMINI_DEFAULT_BASE_URL = 'https://generativelanguage.googleapis.com/';

const PROVIDER = 'gemini';

/** The `generateContentStream` parameters for one call, and what could not be honoured. */
export function buildGeminiRequest(
  request: DriverRequest,
  config: Pick<GeminiEngineConfig, 'temperature' | 'maxTokens'> = {},
): { request: GeminiRequest; warnings: EngineWarning[] } {
  const options: DriverCallOptions = request.options;
  const { systemInstruction, contents } = convertToGeminiContents(request.messages);
  const warnings: EngineWarning[] = [];
  if (options.user !== undefined) {
    warnings.push({ type: 'unsupported-option', option: 'user', message: ErrorMessages.optionNotSupported(PROVIDER, 'user') });
  }
  const temperature = options.temperature ?? config.temperature;
  const maxOutputTokens = options.maxTokens ?? config.maxTokens;
  const generateConfig: GeminiGenerateConfig = {
    ...(systemInstruction && { systemInstruction }),
    ...(temperature !== undefined && { temperature }),
    ...(options.topP !== undefined && { topP: options.topP }),
    ...(maxOutputTokens !== undefined && { maxOutputTokens }),
    ...(options.stop?.length && { stopSequences: options.stop }),
    ...(options.presencePenalty !== undefined && { presencePenalty: options.presencePenalty }),
    ...(options.frequencyPenalty !== undefined && { frequencyPenalty: options.frequencyPenalty }),
    ...options.providerOptions,
  };
  return { request: { model: options.model, contents, config: generateConfig }, warnings };
}

/** Usage normalised: completion tokens include thinking tokens, as they are billed as output. */
function usageOf(metadata: GeminiUsageMetadata | undefined): EngineUsage | undefined {
  if (!metadata) return undefined;
  const promptTokens = metadata.promptTokenCount ?? 0;
  const completionTokens = (metadata.candidatesTokenCount ?? 0) + (metadata.thoughtsTokenCount ?? 0);
  return { promptTokens, completionTokens, totalTokens: metadata.totalTokenCount ?? promptTokens + completionTokens };
}

/**
 * The `gemini` engine: the Gemini Developer API through `@google/genai`, streamed
 * (`streamGenerateContent?alt=sse`). Create it with {@link createGeminiDriver}; the
 * constructor takes the function that opens a stream, so that the class never names the
 * optional SDK.
 */
export class GeminiDriver implements EngineDriver {
  readonly provider = PROVIDER;
  readonly defaultModel: string;
  readonly defaults: { temperature?: number; maxTokens?: number };

  constructor(
    readonly name: string,
    private readonly config: GeminiEngineConfig,
    private readonly open: GeminiStreamOpener,
  ) {
    this.defaultModel = config.model ?? GEMINI_DEFAULT_MODEL;
    this.defaults = engineDefaults(config);
  }

  stream(request: DriverRequest): Observable<DriverStreamPart> {
    return abortableStream((sink, signal) => this.run(request, sink, signal));
  }

  private async run(request: DriverRequest, subscriber: DriverPartSink, signal: AbortSignal): Promise<void> {
    const exchange: GeminiExchange = { requestSent: false };
    try {
      const { request: params, warnings } = buildGeminiRequest(request, this.config);
      const chunks = await this.open(params, signal, exchange);
      // The SDK resolves once the response headers are in, with status 2xx: the provider accepted.
      subscriber.next({ type: 'response-start', model: params.model, warnings });

      let finishReason: string | undefined;
      let usage: GeminiUsageMetadata | undefined;
      for await (const chunk of chunks) {
        if (signal.aborted) return;
        const blocked = chunk.promptFeedback?.blockReason;
        if (blocked) {
          const detail = chunk.promptFeedback?.blockReasonMessage;
          throw new ContentFilterException(ErrorMessages.promptBlocked(PROVIDER, blocked, detail && redactSecrets(detail, [this.config.apiKey])), {
            provider: PROVIDER,
            body: { promptFeedback: chunk.promptFeedback },
          });
        }
        if (chunk.usageMetadata) usage = chunk.usageMetadata;
        const candidate = chunk.candidates?.[0];
        let answered = false;
        for (const part of candidate?.content?.parts ?? []) {
          // Thought summaries are not the answer.
          if (typeof part.text === 'string' && part.text && !part.thought) {
            subscriber.next({ type: 'text-delta', text: part.text });
            answered = true;
          }
        }
        if (!answered) subscriber.next({ type: 'activity' }); // alive, no answer text (thoughts, metadata)
        if (candidate?.finishReason) finishReason = candidate.finishReason;
      }
      if (signal.aborted) return;
      if (!finishReason) throw new ConnectionException(ErrorMessages.streamEndedEarly(PROVIDER), { provider: PROVIDER });
      subscriber.next({ type: 'finish', finishReason: mapGeminiFinishReason(finishReason), rawFinishReason: finishReason, usage: usageOf(usage) });
      subscriber.complete();
    } catch (error) {
      // An abort by unsubscribing is the caller leaving, not a failure.
      if (signal.aborted) return;
      subscriber.error(mapGeminiError(error, { engine: this.name, apiKey: this.config.apiKey, exchange }));
    }
  }
}

/**
 * Creates the `gemini` engine, loading `@google/genai` on first use (a missing package is a
 * `MissingPackageException` naming `npm install @google/genai`). It talks to the Gemini
 * Developer API (never Vertex AI, whatever `GOOGLE_GENAI_USE_VERTEXAI` says) at `baseURL`,
 * with the key in `x-goog-api-key` and `projectId`, if any, in `x-goog-user-project`. The SDK
 * does not retry and does not resume broken streams (`automaticContinuation: false`): the
 * engine retries, with backoff, and falls back.
 */
export async function createGeminiDriver(name: string, config: GeminiEngineConfig): Promise<GeminiDriver> {
  const { GoogleGenAI } = await loadPackage('@google/genai', 'the Gemini engine', () => import('@google/genai'));
  let ai: InstanceType<typeof GoogleGenAI>;
  try {
    ai = new GoogleGenAI({
      vertexai: false,
      apiKey: config.apiKey,
      httpOptions: {
        baseUrl: config.baseURL || GEMINI_DEFAULT_BASE_URL,
        ...(config.projectId && { headers: { 'x-goog-user-project': config.projectId } }),
      },
    });
  } catch (error) {
    throw new ValidationException(ErrorMessages.invalidOptions([redactSecrets(`engine.${name}: ${(error as Error).message}`, [config.apiKey])]), {
      provider: PROVIDER,
      engine: name,
    });
  }
  const open: GeminiStreamOpener = async (request, signal, exchange) => {
    // Records the response status and headers: the SDK's ApiError keeps neither (e.g. Retry-After).
    const recordingFetch: typeof fetch = async (input, init) => {
      exchange.requestSent = true;
      const response = await fetch(input, init);
      exchange.status = response.status;
      exchange.headers = response.headers;
      return response;
    };
    const { httpOptions, ...rest } = request.config as GeminiGenerateConfig & { httpOptions?: Record<string, unknown> };
    const params = {
      model: request.model,
      contents: request.contents,
      config: { ...rest, abortSignal: signal, automaticContinuation: false, httpOptions: { ...httpOptions, fetch: recordingFetch } },
    } as unknown as Parameters<typeof ai.models.generateContentStream>[0];
    return (await ai.models.generateContentStream(params)) as unknown as AsyncIterable<GeminiChunk>;
  };
  return new GeminiDriver(name, config, open);
}

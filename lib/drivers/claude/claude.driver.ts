import type { Observable } from 'rxjs';
import { ConnectionException, ValidationException } from '../../errors/engine.exception.js';
import { sdkLogger } from '../sdk-logger.js';
import { ErrorMessages } from '../../errors/error-messages.js';
import { redactSecrets } from '../../errors/redact.js';
import type { DriverCallOptions } from '../../interfaces/engine-call-options.interface.js';
import type { ClaudeEngineConfig } from '../../interfaces/engine-module-options.interface.js';
import type { EngineUsage } from '../../interfaces/engine-usage.interface.js';
import type { EngineWarning } from '../../interfaces/engine-warning.interface.js';
import { loadPackage } from '../../utils/load-package.js';
import { engineDefaults } from '../engine-defaults.js';
import { abortableStream, type DriverPartSink } from '../abortable-stream.js';
import type { DriverRequest, DriverStreamPart, EngineDriver } from '../engine-driver.interface.js';
import type { ClaudeRequestBody, ClaudeStreamEvent, ClaudeStreamOpener, ClaudeUsage } from './claude-api.types.js';
import { convertToClaudeMessages } from './convert-to-claude-messages.js';
import { mapClaudeError } from './map-claude-error.js';
import { mapClaudeFinishReason } from './map-claude-finish-reason.js';

/** Model used when neither the call nor the engine configuration names one. */
export const CLAUDE_DEFAULT_MODEL = 'claude-sonnet-5-5';
/** `max_tokens` is required by Claude: used when neither the call nor the configuration sets it. */
export const CLAUDE_DEFAULT_MAX_TOKENS = 4096;

const PROVIDER = 'claude';
/** Sampling settings removed by Anthropic API version 2026-10-21, which the SDK 1.x sends. */
const REMOVED_IN_API = 'removed in Anthropic API version 2026-10-21';

/** The request body for one call, and what could not be honoured. */
export function buildClaudeRequest(
  request: DriverRequest,
  config: Pick<ClaudeEngineConfig, 'maxTokens'> = {},
): { body: ClaudeRequestBody; warnings: EngineWarning[] } {
  const options: DriverCallOptions = request.options;
  const { system, messages } = convertToClaudeMessages(request.messages);
  const warnings: EngineWarning[] = [];
  const unsupported = (option: keyof DriverCallOptions, detail?: string) => {
    if (options[option] !== undefined) {
      warnings.push({ type: 'unsupported-option', option, message: ErrorMessages.optionNotSupported(PROVIDER, option, detail) });
    }
  };
  unsupported('temperature', REMOVED_IN_API);
  unsupported('topP', REMOVED_IN_API);
  unsupported('presencePenalty');
  unsupported('frequencyPenalty');

  const body: ClaudeRequestBody = {
    model: options.model,
    max_tokens: options.maxTokens ?? config.maxTokens ?? CLAUDE_DEFAULT_MAX_TOKENS,
    messages,
    ...(system !== undefined && { system }),
    ...(options.stop?.length && { stop_sequences: options.stop }),
    ...(options.user !== undefined && { metadata: { user_id: options.user } }),
    ...options.providerOptions,
  };
  return { body, warnings };
}

function count(value: number | null | undefined): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

/** Input tokens in total: uncached, written to the cache, and read from it. */
function inputTokens(usage: ClaudeUsage): number {
  return count(usage.input_tokens) + count(usage.cache_creation_input_tokens) + count(usage.cache_read_input_tokens);
}

/**
 * The `claude` engine: Anthropic's Messages API through `@anthropic-ai/sdk`, streamed.
 * Create it with {@link createClaudeDriver}; the constructor takes the function that opens a
 * stream, so that the class never names the optional SDK.
 */
export class ClaudeDriver implements EngineDriver {
  readonly provider = PROVIDER;
  readonly defaultModel: string;
  readonly defaults: { temperature?: number; maxTokens?: number };

  constructor(
    readonly name: string,
    private readonly config: ClaudeEngineConfig,
    private readonly open: ClaudeStreamOpener,
  ) {
    this.defaultModel = config.model ?? CLAUDE_DEFAULT_MODEL;
    this.defaults = engineDefaults(config);
  }

  stream(request: DriverRequest): Observable<DriverStreamPart> {
    return abortableStream((sink, signal) => this.run(request, sink, signal));
  }

  private async run(request: DriverRequest, subscriber: DriverPartSink, signal: AbortSignal): Promise<void> {
    try {
      const { body, warnings } = buildClaudeRequest(request, this.config);
      const events = await this.open(body, signal);
      // The SDK resolves once the response headers are in: the provider accepted the request.
      subscriber.next({ type: 'response-start', model: body.model, warnings });

      let promptTokens = 0;
      let completionTokens = 0;
      let stopReason: string | null = null;
      let stopped = false;
      for await (const event of events as AsyncIterable<ClaudeStreamEvent>) {
        if (signal.aborted) return;
        switch (event.type) {
          case 'message_start':
            if (event.message.usage) {
              promptTokens = inputTokens(event.message.usage);
              completionTokens = count(event.message.usage.output_tokens);
            }
            break;
          case 'content_block_start':
            if (event.content_block.type === 'text' && event.content_block.text) {
              subscriber.next({ type: 'text-delta', text: event.content_block.text });
            }
            break;
          case 'content_block_delta':
            // Only text reaches the caller: thinking, signatures and tool input are not the answer,
            // but they show the stream is alive.
            if (event.delta.type === 'text_delta' && event.delta.text) subscriber.next({ type: 'text-delta', text: event.delta.text });
            else subscriber.next({ type: 'activity' });
            break;
          case 'message_delta':
            stopReason = event.delta.stop_reason ?? stopReason;
            if (event.usage) {
              // Counts in message_delta are cumulative; input counts appear there on some models.
              if (event.usage.output_tokens != null) completionTokens = count(event.usage.output_tokens);
              if (event.usage.input_tokens != null) promptTokens = inputTokens(event.usage);
            }
            break;
          case 'message_stop':
            stopped = true;
            break;
        }
      }
      if (signal.aborted) return;
      if (!stopped) throw new ConnectionException(ErrorMessages.streamEndedEarly(PROVIDER), { provider: PROVIDER });
      const usage: EngineUsage = { promptTokens, completionTokens, totalTokens: promptTokens + completionTokens };
      subscriber.next({ type: 'finish', finishReason: mapClaudeFinishReason(stopReason), rawFinishReason: stopReason, usage });
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
 * `MissingPackageException` naming `npm install @anthropic-ai/sdk`). Only the engine's config
 * is used: the SDK's `ANTHROPIC_BASE_URL` is not read. The SDK does not retry
 * (`maxRetries: 0`): the engine retries, with backoff, and falls back. What the SDK logs goes
 * through Nest's `Logger` (context `ClaudeDriver:<name>`).
 */
export async function createClaudeDriver(name: string, config: ClaudeEngineConfig): Promise<ClaudeDriver> {
  const { default: Anthropic } = await loadPackage('@anthropic-ai/sdk', 'the Claude engine', () => import('@anthropic-ai/sdk'));
  let client: InstanceType<typeof Anthropic>;
  try {
    client = new Anthropic({
      apiKey: config.apiKey,
      baseURL: config.baseURL || null,
      maxRetries: 0,
      logger: sdkLogger(`ClaudeDriver:${name}`, [config.apiKey]),
    });
  } catch (error) {
    throw new ValidationException(ErrorMessages.invalidOptions([redactSecrets(`engine.${name}: ${(error as Error).message}`, [config.apiKey])]), {
      provider: PROVIDER,
      engine: name,
    });
  }
  const open: ClaudeStreamOpener = async (body, signal) => {
    const params = { ...body, stream: true } as unknown as Parameters<typeof client.messages.create>[0] & { stream: true };
    // withResponse() resolves when the response headers are in; the events are read afterwards.
    const { data } = await client.messages.create(params, { signal }).withResponse();
    return data as unknown as AsyncIterable<ClaudeStreamEvent>;
  };
  return new ClaudeDriver(name, config, open);
}

import { Logger } from '@nestjs/common';
import { Observable, type Subscriber, type Subscription } from 'rxjs';
import type { DriverStreamPart, EngineDriver } from '../drivers/engine-driver.interface.js';
import {
  ConnectionException,
  ContentFilterException,
  EngineException,
  ProviderOverloadedException,
  ProviderServerException,
} from '../errors/engine.exception.js';
import { ErrorMessages } from '../errors/error-messages.js';
import type { EngineCallOptions, DriverCallOptions, TimeoutOptions } from '../interfaces/engine-call-options.interface.js';
import type { EngineChunk } from '../interfaces/engine-chunk.interface.js';
import type { EngineMessage } from '../interfaces/engine-message.interface.js';
import type { EngineUsage } from '../interfaces/engine-usage.interface.js';
import type { FinishReason } from '../interfaces/finish-reason.type.js';
import type { ToolCall } from '../interfaces/tool.interface.js';
import { backoffDelay, type ResolvedRetryOptions } from './backoff.js';
import type { StreamReporter } from './stream-reporter.js';

export type ResolvedTimeoutOptions = Required<TimeoutOptions>;

export const DEFAULT_TIMEOUT: ResolvedTimeoutOptions = { firstByteMs: 30_000, idleMs: 60_000 };

/** Everything one engine stream needs, resolved by EngineService. */
export interface EngineStreamPlan {
  messages: EngineMessage[];
  /** The engine to use first, then its fallbacks. */
  chain: EngineDriver[];
  options: EngineCallOptions;
  retry: ResolvedRetryOptions;
  timeout: ResolvedTimeoutOptions;
  reporter?: StreamReporter;
  /** Nothing has reached a client yet (send()): a failure after content may always restart. */
  restartable?: boolean;
}

const logger = new Logger('BuppleEngine');

/** Per-call options after the engine's defaults; `model` only applies to the first engine. */
export function driverOptions(driver: EngineDriver, options: EngineCallOptions, first: boolean): DriverCallOptions {
  const pick = <T>(value: T | undefined, fallback: T | undefined) => (value === undefined ? fallback : value);
  const stop = options.stop === undefined ? undefined : Array.isArray(options.stop) ? options.stop : [options.stop];
  const resolved: DriverCallOptions = { model: (first && options.model) || driver.defaultModel };
  const entries: [keyof DriverCallOptions, unknown][] = [
    ['temperature', pick(options.temperature, driver.defaults?.temperature)],
    ['maxTokens', pick(options.maxTokens, driver.defaults?.maxTokens)],
    ['topP', pick(options.topP, driver.defaults?.topP)],
    ['stop', stop],
    ['presencePenalty', options.presencePenalty],
    ['frequencyPenalty', options.frequencyPenalty],
    ['user', options.user],
    ['providerOptions', options.providerOptions],
    ['reasoning', options.reasoning],
    ['cacheControl', options.cacheControl],
  ];
  for (const [key, value] of entries) if (value !== undefined) (resolved as unknown as Record<string, unknown>)[key] = value;
  return resolved;
}

/** A tool call's argument text, parsed; the raw text when it is not JSON (the tool loop reports that to the model). */
function parseToolArgs(text: string): unknown {
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function asEngineException(error: unknown, driver: EngineDriver): EngineException {
  const engineError = EngineException.isInstance(error)
    ? error
    : new ProviderServerException(ErrorMessages.serverError(driver.provider), { provider: driver.provider, cause: error });
  engineError.engine ??= driver.name;
  return engineError;
}

/**
 * One answer from an engine chain, as a cold Observable of chunks: retries retryable
 * failures with backoff, falls back along the chain, enforces the first-byte and idle
 * timeouts, and stores the exchange in the conversation, if any. Unsubscribing aborts the
 * provider request under way.
 */
export function engineStream(plan: EngineStreamPlan): Observable<EngineChunk> {
  return new Observable<EngineChunk>((subscriber) => new EngineStreamRun(plan, subscriber).start());
}

class EngineStreamRun {
  private engineIndex = 0;
  private attempt = 0;
  private chunkIndex = 0;
  private answer = '';
  private contentSent = false;
  private accepted = false;
  private started = false;
  private finished = false;
  private lastActivity = 0;
  private model = '';
  private finish?: { finishReason: FinishReason; rawFinishReason: string | null; usage?: EngineUsage };
  private warnings?: EngineChunk['warnings'];
  private inner?: Subscription;
  /** Tool names by call id, for the argument deltas of the attempt under way. */
  private readonly toolNames = new Map<string, string>();
  private timer?: NodeJS.Timeout;
  private readonly startedAt = Date.now();
  private readonly onAbortSignal = () => this.stopByCaller();

  constructor(
    private readonly plan: EngineStreamPlan,
    private readonly subscriber: Subscriber<EngineChunk>,
  ) {}

  /** Starts the run; returns its teardown. */
  start(): () => void {
    const { signal, conversation } = this.plan.options;
    if (signal?.aborted) {
      this.finished = true;
      this.subscriber.complete();
      return () => undefined;
    }
    signal?.addEventListener('abort', this.onAbortSignal, { once: true });
    if (conversation) {
      void Promise.all([conversation.toEngineMessages(), conversation.recordInput(this.plan.messages)]).then(
        ([history]) => {
          if (this.finished || this.subscriber.closed) return;
          this.plan.messages = [...history, ...this.plan.messages];
          this.attemptNow();
        },
        (error: unknown) => this.fail(error),
      );
    } else {
      this.attemptNow();
    }
    return () => this.teardown();
  }

  private get driver(): EngineDriver {
    return this.plan.chain[this.engineIndex];
  }

  private attemptNow(): void {
    this.timer = undefined;
    const driver = this.driver;
    this.started = false;
    this.finish = undefined;
    this.toolNames.clear();
    const options = driverOptions(driver, this.plan.options, this.engineIndex === 0);
    this.model = options.model;
    const request = { messages: this.plan.messages, options };
    this.lastActivity = Date.now();
    this.armTimer(this.plan.timeout.firstByteMs);
    this.inner = driver.stream(request).subscribe({
      next: (part) => this.onPart(part),
      error: (error: unknown) => this.onDriverError(error),
      complete: () => this.onDriverComplete(),
    });
  }

  private onPart(part: DriverStreamPart): void {
    this.lastActivity = Date.now();
    switch (part.type) {
      case 'text-delta': {
        if (!part.text) return;
        if (this.plan.options.conversation) this.answer += part.text;
        this.emit({ content: part.text }, true);
        return;
      }
      case 'reasoning-delta':
        if (part.text) this.emit({ reasoning: part.text }, false);
        return;
      case 'tool-call-start':
        this.toolNames.set(part.id, part.name);
        return;
      case 'tool-call-delta':
        if (part.argsTextDelta) this.emit({ toolCallDelta: { id: part.id, name: this.toolNames.get(part.id) ?? '', argsTextDelta: part.argsTextDelta } }, true);
        return;
      case 'tool-call-end': {
        const toolCall: ToolCall = { id: part.id, name: part.name, args: parseToolArgs(part.argsText) };
        if (part.providerMetadata) toolCall.providerMetadata = part.providerMetadata;
        this.emit({ toolCall }, true);
        return;
      }
      case 'source':
        this.emit({ source: part.title === undefined ? { url: part.url } : { url: part.url, title: part.title } }, false);
        return;
      case 'response-start':
        this.onStarted(part.model || this.model, part.warnings);
        return;
      case 'reasoning-end':
      case 'provider-metadata':
      case 'activity':
        return;
      case 'finish':
        if (!this.started) this.onStarted(this.model, []);
        this.finish = { finishReason: part.finishReason, rawFinishReason: part.rawFinishReason, usage: part.usage };
        return;
    }
  }

  /** Sends one chunk; `answer` marks what a restart must take back (answer text, tool calls). */
  private emit(fields: Partial<EngineChunk>, answer: boolean): void {
    if (!this.started) this.onStarted(this.model, []);
    if (answer) this.contentSent = true;
    const chunk: EngineChunk = {
      content: '',
      role: 'assistant',
      engine: this.driver.name,
      model: this.model,
      index: this.chunkIndex++,
      finishReason: null,
      ...fields,
    };
    if (this.warnings) {
      chunk.warnings = this.warnings;
      this.warnings = undefined;
    }
    this.subscriber.next(chunk);
  }

  private onStarted(model: string, warnings: EngineChunk['warnings'] & object): void {
    this.started = true;
    this.model = model;
    if (warnings.length > 0) {
      this.warnings = warnings;
      for (const warning of warnings) logger.warn(`${this.driver.name}: ${warning.message}`);
    }
    this.armTimer(this.plan.timeout.idleMs);
    if (!this.accepted) {
      this.accepted = true;
      this.plan.reporter?.accepted({ engine: this.driver.name, provider: this.driver.provider, model });
    }
  }

  private onDriverComplete(): void {
    this.clearTimer();
    this.inner = undefined;
    const finish = this.finish ?? { finishReason: 'other' as const, rawFinishReason: null };
    const last: EngineChunk = {
      content: '',
      role: 'assistant',
      engine: this.driver.name,
      model: this.model,
      index: this.chunkIndex++,
      finishReason: finish.finishReason,
      rawFinishReason: finish.rawFinishReason,
    };
    if (finish.usage) last.usage = finish.usage;
    if (this.warnings) last.warnings = this.warnings;
    if (finish.finishReason === 'content_filter' && !this.contentSent) {
      return this.fail(new ContentFilterException(ErrorMessages.contentFilter(this.driver.provider), { provider: this.driver.provider, engine: this.driver.name }));
    }
    this.subscriber.next(last);
    this.finished = true;
    this.record(true, finish).then(
      () => this.subscriber.complete(),
      (error: unknown) => this.subscriber.error(error),
    );
  }

  private onDriverError(raw: unknown): void {
    this.clearTimer();
    this.inner = undefined;
    if (this.finished) return;
    const error = asEngineException(raw, this.driver);
    const { retry, chain } = this.plan;
    const hasNext = this.engineIndex + 1 < chain.length;
    const mayRestart = !this.contentSent || this.plan.restartable === true || retry.afterContent === 'restart';
    const sameEngineWorthIt = error.retryable && !(hasNext && error instanceof ProviderOverloadedException);
    if (mayRestart && sameEngineWorthIt && this.attempt < retry.maxRetries) {
      const delayMs = backoffDelay(this.attempt + 1, retry, (error as { retryAfter?: number }).retryAfter);
      if (delayMs !== undefined) {
        this.attempt++;
        const reset = this.resetAnswer();
        this.plan.reporter?.retry({ attempt: this.attempt, maxAttempts: retry.maxRetries, delayMs, reset, engine: this.driver.name, reason: error.code });
        this.timer = setTimeout(() => this.attemptNow(), delayMs);
        return;
      }
    }
    if (mayRestart && hasNext && !(error instanceof ContentFilterException)) {
      const from = this.driver.name;
      logger.warn(`${from} failed (${error.code}); falling back to ${chain[this.engineIndex + 1].name}`);
      this.engineIndex++;
      this.attempt = 0;
      const reset = this.resetAnswer();
      this.plan.reporter?.fallback({ from, to: this.driver.name, reason: error.code, reset });
      this.attemptNow();
      return;
    }
    this.fail(error);
  }

  /** Forgets a partial answer before a restart; true when the client had seen some of it. */
  private resetAnswer(): boolean {
    const reset = this.contentSent;
    this.contentSent = false;
    this.answer = '';
    this.chunkIndex = 0;
    return reset;
  }

  private fail(error: unknown): void {
    if (this.finished) return;
    this.finished = true;
    this.clearTimer();
    this.inner?.unsubscribe();
    const code = EngineException.isInstance(error) ? error.code : 'error';
    this.record(false, undefined, code)
      .catch((recordError: unknown) => logger.error(`Could not store the failed answer: ${(recordError as Error).message}`))
      .then(() => this.subscriber.error(error));
  }

  /** The caller's AbortSignal fired: stop like an unsubscribe, then complete. */
  private stopByCaller(): void {
    if (this.finished) return;
    this.teardown();
    this.subscriber.complete();
  }

  private teardown(): void {
    this.plan.options.signal?.removeEventListener('abort', this.onAbortSignal);
    this.clearTimer();
    this.inner?.unsubscribe();
    this.inner = undefined;
    if (this.finished) return;
    this.finished = true;
    this.record(false, undefined, 'aborted').catch((error: unknown) =>
      logger.error(`Could not store the interrupted answer: ${(error as Error).message}`),
    );
  }

  private async record(complete: boolean, finish?: EngineStreamRun['finish'], interruptedBy?: string): Promise<void> {
    const conversation = this.plan.options.conversation;
    if (!conversation || (!complete && this.answer === '')) return;
    await conversation.recordAnswer({
      content: this.answer,
      complete,
      engine: this.driver.name,
      model: this.model,
      finishReason: finish?.finishReason ?? null,
      usage: finish?.usage ?? null,
      durationMs: Date.now() - this.startedAt,
      ...(interruptedBy ? { interruptedBy } : {}),
    });
  }

  /** One timer per run: fires when `limitMs` passed since the last activity. */
  private armTimer(limitMs: number): void {
    this.clearTimer();
    const check = () => {
      const idle = Date.now() - this.lastActivity;
      const limit = this.started ? this.plan.timeout.idleMs : this.plan.timeout.firstByteMs;
      if (idle < limit) {
        this.timer = setTimeout(check, limit - idle);
        return;
      }
      this.timer = undefined;
      this.inner?.unsubscribe();
      const provider = this.driver.provider;
      this.onDriverError(
        new ConnectionException(this.started ? ErrorMessages.stalled(provider, limit) : ErrorMessages.firstByteTimeout(provider, limit), {
          provider,
          engine: this.driver.name,
        }),
      );
    };
    this.timer = setTimeout(check, limitMs);
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

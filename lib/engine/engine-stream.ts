import { Logger } from '@nestjs/common';
import { Observable, type Subscriber, type Subscription } from 'rxjs';
import type { DriverStreamPart, EngineDriver } from '../drivers/engine-driver.interface.js';
import {
  ConnectionException,
  ContentFilterException,
  DeltaTooLargeException,
  EngineException,
  ProviderOverloadedException,
  ProviderServerException,
  ValidationException,
} from '../errors/engine.exception.js';
import { ErrorMessages } from '../errors/error-messages.js';
import type { EngineCallOptions, DriverCallOptions, TimeoutOptions } from '../interfaces/engine-call-options.interface.js';
import type { EngineChunk } from '../interfaces/engine-chunk.interface.js';
import type { ContentPart, EngineMessage, ReasoningPart } from '../interfaces/engine-message.interface.js';
import type { EngineUsage } from '../interfaces/engine-usage.interface.js';
import type { FinishReason } from '../interfaces/finish-reason.type.js';
import type { StepResult, ToolCall, ToolResult } from '../interfaces/tool.interface.js';
import type { ReceivedToolCall } from '../tools/execute-tool-call.js';
import type { ResolvedTool } from '../tools/resolve-tools.js';
import { driverToolChoice, driverTools } from '../tools/resolve-tools.js';
import { runToolCalls } from '../tools/run-tool-calls.js';
import { continuePendingCalls } from '../tools/continue-pending-calls.js';
import { backoffDelay, type ResolvedRetryOptions } from './backoff.js';
import { DEFAULT_MAX_DELTA_CHARS } from './size-caps.js';
import type { StreamReporter } from './stream-reporter.js';
import { addUsage } from './sum-usage.js';

export type ResolvedTimeoutOptions = Required<TimeoutOptions>;

export const DEFAULT_TIMEOUT: ResolvedTimeoutOptions = { firstByteMs: 30_000, idleMs: 60_000, totalMs: 600_000 };

/** The text of a delta, for the size cap. */
function deltaText(part: DriverStreamPart): string {
  if (part.type === 'text-delta' || part.type === 'reasoning-delta') return part.text;
  if (part.type === 'tool-call-delta') return part.argsTextDelta;
  return '';
}

/** Whether a part shows the provider is working: an empty delta (no text, reasoning or tool data) does not. */
function isActivity(part: DriverStreamPart): boolean {
  switch (part.type) {
    case 'text-delta':
    case 'reasoning-delta':
      return part.text !== '';
    case 'tool-call-delta':
      return part.argsTextDelta !== '';
    default:
      return true;
  }
}

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
  /** The call's tools, resolved (empty: no tools). */
  tools?: Map<string, ResolvedTool>;
  /** Model calls per answer (default 1). */
  maxSteps?: number;
  /** Longest delta accepted; default DEFAULT_MAX_DELTA_CHARS. */
  maxDeltaChars?: number;
}

const logger = new Logger('BuppleEngine');

/** Per-call options after the engine's defaults; `model` only applies to the first engine. */
export function driverOptions(driver: EngineDriver, options: EngineCallOptions, first: boolean, tools?: Map<string, ResolvedTool>): DriverCallOptions {
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
    ['responseFormat', options.responseFormat],
  ];
  for (const [key, value] of entries) if (value !== undefined) (resolved as unknown as Record<string, unknown>)[key] = value;
  if (tools && tools.size > 0) {
    resolved.tools = driverTools(tools);
    const toolChoice = driverToolChoice(options.toolChoice, tools);
    if (toolChoice !== undefined) resolved.toolChoice = toolChoice;
    if (options.parallelToolCalls !== undefined) resolved.parallelToolCalls = options.parallelToolCalls;
  }
  return resolved;
}

/** A tool call's argument text, parsed; the raw text (and `argsJson: false`) when it is not JSON (the tool loop reports that to the model). */
function parseToolArgs(text: string): { args: unknown; argsJson: boolean } {
  if (text.trim() === '') return { args: {}, argsJson: true };
  try {
    return { args: JSON.parse(text) as unknown, argsJson: true };
  } catch {
    return { args: text, argsJson: false };
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

/** What one model step gathered while it streamed. */
interface StepState {
  text: string;
  reasoning: string;
  /** Closed reasoning blocks (with Claude signatures), then the open one's text. */
  reasoningParts: ReasoningPart[];
  openReasoning: string;
  toolCalls: ReceivedToolCall[];
  /** Chunk index at the step's start: where a restart of the step takes the count back to. */
  firstChunk: number;
}

function newStep(firstChunk: number): StepState {
  return { text: '', reasoning: '', reasoningParts: [], openReasoning: '', toolCalls: [], firstChunk };
}

class EngineStreamRun {
  private engineIndex = 0;
  private attempt = 0;
  private chunkIndex = 0;
  private contentSent = false;
  private accepted = false;
  private started = false;
  private finished = false;
  private lastActivity = 0;
  private model = '';
  private finish?: { finishReason: FinishReason; rawFinishReason: string | null; usage?: EngineUsage };
  private warnings?: EngineChunk['warnings'];
  /** The attempt's structured output mode, until a chunk carries it. */
  private structuredOutputMode?: EngineChunk['structuredOutputMode'];
  private inner?: Subscription;
  /** Tool names by call id, for the argument deltas of the attempt under way. */
  private readonly toolNames = new Map<string, string>();
  private timer?: NodeJS.Timeout;
  /** `timeout.totalMs` for the whole answer, retries and fallbacks included. */
  private deadline?: NodeJS.Timeout;
  private readonly startedAt = Date.now();
  private readonly onAbortSignal = () => this.stopByCaller();
  private readonly tools: Map<string, ResolvedTool>;
  private readonly maxSteps: number;
  /** Fires on teardown: the signal of every tool under way. */
  private readonly toolsAbort = new AbortController();
  private step = newStep(0);
  private readonly steps: StepResult[] = [];
  private readonly toolCalls: ToolCall[] = [];
  private readonly toolResults: ToolResult[] = [];
  private continuedResults: ToolResult[] = [];
  /** Results of calls continued from an earlier request (approvals), sent once the provider accepted. */
  private heldResults: ToolResult[] = [];
  /** The assistant and tool messages of this answer so far (tool steps), for the next step and the conversation. */
  private readonly answerMessages: EngineMessage[] = [];
  /** The step under way is already in `answerMessages` (it made tool calls). */
  private stepStored = false;

  constructor(
    private readonly plan: EngineStreamPlan,
    private readonly subscriber: Subscriber<EngineChunk>,
  ) {
    this.tools = plan.tools ?? new Map();
    this.maxSteps = plan.maxSteps ?? 1;
  }

  /** Starts the run; returns its teardown. */
  start(): () => void {
    const { signal, conversation } = this.plan.options;
    if (signal?.aborted) {
      this.finished = true;
      this.subscriber.complete();
      return () => undefined;
    }
    const totalMs = this.plan.timeout.totalMs;
    if (!Number.isInteger(totalMs) || totalMs < 1) {
      this.finished = true;
      this.subscriber.error(new ValidationException('timeout.totalMs must be an integer ≥ 1 (ms).'));
      return () => undefined;
    }
    signal?.addEventListener('abort', this.onAbortSignal, { once: true });
    this.deadline = setTimeout(() => this.onDeadline(), totalMs);
    const history = conversation
      ? Promise.all([conversation.toEngineMessages(), conversation.recordInput(this.plan.messages)]).then(([h]) => h)
      : Promise.resolve([]);
    void history
      .then(async (earlier) => {
        if (this.finished || this.subscriber.closed) return;
        const messages = [...earlier, ...this.plan.messages];
        const continued = await continuePendingCalls(messages, this.plan.options.toolApprovals, {
          tools: this.tools,
          signal: this.toolsAbort.signal,
          messages,
          step: 0,
        });
        if (this.finished || this.subscriber.closed) return;
        this.plan.messages = continued.messages;
        if (continued.results.length > 0) {
          this.heldResults = continued.results;
          this.continuedResults = continued.results;
          this.answerMessages.push({ role: 'tool', content: continued.results.map((r) => ({ type: 'tool-result', ...r })) });
        }
        this.attemptNow();
      })
      .catch((error: unknown) => this.fail(error));
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
    this.structuredOutputMode = undefined;
    this.toolNames.clear();
    this.step = newStep(this.step.firstChunk);
    this.stepStored = false;
    let options: DriverCallOptions;
    try {
      options = driverOptions(driver, this.plan.options, this.engineIndex === 0, this.tools);
    } catch (error) {
      return this.fail(error);
    }
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
    if (isActivity(part)) this.lastActivity = Date.now();
    const max = this.plan.maxDeltaChars ?? DEFAULT_MAX_DELTA_CHARS;
    if (deltaText(part).length > max) {
      const provider = this.driver.provider;
      this.fail(new DeltaTooLargeException(ErrorMessages.deltaTooLarge(provider, deltaText(part).length, max), { provider, engine: this.driver.name }));
      return;
    }
    switch (part.type) {
      case 'text-delta': {
        if (!part.text) return;
        this.step.text += part.text;
        this.emit({ content: part.text }, true);
        return;
      }
      case 'reasoning-delta':
        if (!part.text) return;
        this.step.reasoning += part.text;
        this.step.openReasoning += part.text;
        this.emit({ reasoning: part.text }, false);
        return;
      case 'reasoning-end': {
        const block: ReasoningPart = { type: 'reasoning', text: this.step.openReasoning };
        if (part.signature !== undefined) block.signature = part.signature;
        if (part.redactedData !== undefined) block.redactedData = part.redactedData;
        this.step.reasoningParts.push(block);
        this.step.openReasoning = '';
        return;
      }
      case 'tool-call-start':
        this.toolNames.set(part.id, part.name);
        return;
      case 'tool-call-delta':
        if (part.argsTextDelta) this.emit({ toolCallDelta: { id: part.id, name: this.toolNames.get(part.id) ?? '', argsTextDelta: part.argsTextDelta } }, true);
        return;
      case 'tool-call-end': {
        // arguments the driver already parsed (Gemini) are not parsed again
        const { args, argsJson } = part.args === undefined ? parseToolArgs(part.argsText) : { args: part.args, argsJson: true };
        const toolCall: ToolCall = { id: part.id, name: part.name, args };
        const received: ReceivedToolCall = { id: part.id, name: part.name, args, argsJson };
        if (part.providerMetadata) toolCall.providerMetadata = received.providerMetadata = part.providerMetadata;
        this.step.toolCalls.push(received);
        this.emit({ toolCall }, true);
        return;
      }
      case 'source':
        this.emit({ source: part.title === undefined ? { url: part.url } : { url: part.url, title: part.title } }, false);
        return;
      case 'response-start':
        this.onStarted(part.model || this.model, part.warnings);
        if (part.structuredOutputMode) this.structuredOutputMode = part.structuredOutputMode;
        return;
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
    if (this.structuredOutputMode) {
      chunk.structuredOutputMode = this.structuredOutputMode;
      this.structuredOutputMode = undefined;
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
    if (this.heldResults.length > 0) {
      const held = this.heldResults;
      this.heldResults = [];
      for (const toolResult of held) {
        this.toolResults.push(toolResult);
        this.emit({ toolResult }, false);
      }
      this.step.firstChunk = this.chunkIndex;
    }
  }

  private onDriverComplete(): void {
    this.clearTimer();
    this.inner = undefined;
    const finish = this.finish ?? { finishReason: 'other' as const, rawFinishReason: null };
    if (finish.finishReason === 'content_filter' && !this.contentSent) {
      return this.fail(
        new ContentFilterException(ErrorMessages.contentFilter(this.driver.provider), { provider: this.driver.provider, engine: this.driver.name }),
      );
    }
    const step = this.step;
    const calls = step.toolCalls.map(({ argsJson: _argsJson, ...call }) => call);
    const result: StepResult = {
      index: this.steps.length,
      text: step.text,
      toolCalls: calls,
      toolResults: [],
      finishReason: finish.finishReason,
      rawFinishReason: finish.rawFinishReason,
    };
    if (step.reasoning) result.reasoning = step.reasoning;
    if (finish.usage) result.usage = finish.usage;
    this.steps.push(result);
    this.toolCalls.push(...calls);
    if (calls.length > 0) {
      const message = this.assistantMessage(step);
      this.answerMessages.push(message);
      this.plan.messages = [...this.plan.messages, message];
      this.stepStored = true;
    }
    if (calls.length > 0 && this.steps.length < this.maxSteps) {
      void this.runTools(step.toolCalls, result);
      return;
    }
    this.complete(finish);
  }

  /** The step as an assistant message: reasoning blocks, text, tool calls. */
  private assistantMessage(step: StepState): EngineMessage {
    const parts: ContentPart[] = [...step.reasoningParts];
    if (step.openReasoning) parts.push({ type: 'reasoning', text: step.openReasoning });
    if (step.text) parts.push({ type: 'text', text: step.text });
    for (const call of step.toolCalls) {
      const part: ContentPart = { type: 'tool-call', id: call.id, name: call.name, args: call.args };
      if (call.providerMetadata) part.providerMetadata = call.providerMetadata;
      parts.push(part);
    }
    return { role: 'assistant', content: parts };
  }

  /** Runs the step's tools; then calls the model again, or ends (approvals pending, calls left to the caller). */
  private async runTools(calls: ReceivedToolCall[], result: StepResult): Promise<void> {
    const messages = this.plan.messages;
    let outcome;
    try {
      outcome = await runToolCalls(calls, { tools: this.tools, signal: this.toolsAbort.signal, messages, step: result.index }, (toolResult) => {
        if (this.finished) return;
        this.toolResults.push(toolResult);
        this.emit({ toolResult }, false);
      });
    } catch (error) {
      return this.fail(error);
    }
    if (this.finished) return;
    result.toolResults = outcome.results;
    const resultsMessage: EngineMessage = { role: 'tool', content: outcome.results.map((r) => ({ type: 'tool-result', ...r })) };
    if (outcome.results.length > 0) this.answerMessages.push(resultsMessage);
    const finish = this.finish ?? { finishReason: 'tool_calls' as const, rawFinishReason: null };
    if (outcome.approvals.length > 0 || outcome.unexecuted.length > 0) {
      for (const toolApproval of outcome.approvals) this.emit({ toolApproval }, false);
      return this.complete(finish);
    }
    // the next step: the model hears the results
    this.plan.messages = [...messages, resultsMessage];
    this.attempt = 0;
    this.contentSent = false;
    this.step.firstChunk = this.chunkIndex;
    this.attemptNow();
  }

  /** Sends the last chunk and stores the answer. */
  private complete(finish: NonNullable<EngineStreamRun['finish']>): void {
    const last: EngineChunk = {
      content: '',
      role: 'assistant',
      engine: this.driver.name,
      model: this.model,
      index: this.chunkIndex++,
      finishReason: finish.finishReason,
      rawFinishReason: finish.rawFinishReason,
    };
    const usage = this.steps.length > 1 ? this.steps.reduce<EngineUsage | undefined>((sum, step) => addUsage(sum, step.usage), undefined) : finish.usage;
    if (usage) last.usage = usage;
    if (this.warnings) last.warnings = this.warnings;
    if (this.structuredOutputMode) last.structuredOutputMode = this.structuredOutputMode;
    if (this.tools.size > 0 || this.toolCalls.length > 0 || this.toolResults.length > 0) {
      last.toolCalls = this.toolCalls;
      // in call order (the chunks streamed them as they came)
      last.toolResults = [...this.continuedResults, ...this.steps.flatMap((step) => step.toolResults)];
      last.steps = this.steps;
    }
    this.subscriber.next(last);
    this.finished = true;
    this.clearDeadline();
    this.record(true, { ...finish, usage }).then(
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

  /** Forgets the partial answer of the step under way before a restart; true when the client had seen some of it. */
  private resetAnswer(): boolean {
    const reset = this.contentSent;
    this.contentSent = false;
    this.chunkIndex = this.step.firstChunk;
    return reset;
  }

  private fail(error: unknown): void {
    if (this.finished) return;
    this.finished = true;
    this.clearTimer();
    this.clearDeadline();
    this.inner?.unsubscribe();
    this.toolsAbort.abort();
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
    this.clearDeadline();
    this.inner?.unsubscribe();
    this.inner = undefined;
    this.toolsAbort.abort();
    if (this.finished) return;
    this.finished = true;
    this.record(false, undefined, 'aborted').catch((error: unknown) => logger.error(`Could not store the interrupted answer: ${(error as Error).message}`));
  }

  private async record(complete: boolean, finish?: EngineStreamRun['finish'], interruptedBy?: string): Promise<void> {
    const conversation = this.plan.options.conversation;
    if (!conversation) return;
    const step = this.step;
    const messages = [...this.answerMessages];
    if (!this.stepStored && (step.text || step.toolCalls.length > 0)) {
      messages.push(step.toolCalls.length > 0 ? this.assistantMessage(step) : { role: 'assistant', content: step.text });
    }
    if (!complete && messages.length === 0) return;
    const withTools = this.answerMessages.length > 0 || step.toolCalls.length > 0;
    await conversation.recordAnswer({
      content: step.text,
      complete,
      engine: this.driver.name,
      model: this.model,
      finishReason: finish?.finishReason ?? null,
      usage: finish?.usage ?? null,
      durationMs: Date.now() - this.startedAt,
      ...(interruptedBy ? { interruptedBy } : {}),
      ...(withTools ? { messages } : {}),
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

  /** The answer took longer than `timeout.totalMs` in all: it fails for good (no retry, no fallback). */
  private onDeadline(): void {
    this.deadline = undefined;
    if (this.finished) return;
    const provider = this.driver.provider;
    this.fail(new ConnectionException(ErrorMessages.deadline(provider, this.plan.timeout.totalMs), { provider, engine: this.driver.name, retryable: false }));
  }

  private clearDeadline(): void {
    if (this.deadline) clearTimeout(this.deadline);
    this.deadline = undefined;
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

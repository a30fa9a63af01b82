import { Logger } from '@nestjs/common';
import { Observable, type Subscriber, type Subscription } from 'rxjs';
import type { DriverStreamPart, EngineDriver } from '../drivers/engine-driver.interface.js';
import { ConnectionException, ContentFilterException, EngineException, ValidationException } from '../errors/engine.exception.js';
import { ErrorMessages } from '../errors/error-messages.js';
import type { EngineCallOptions, TimeoutOptions } from '../interfaces/engine-call-options.interface.js';
import type { EngineChunk } from '../interfaces/engine-chunk.interface.js';
import type { EngineMessage } from '../interfaces/engine-message.interface.js';
import type { EngineWarning } from '../interfaces/engine-warning.interface.js';
import type { StepResult, ToolResult } from '../interfaces/tool.interface.js';
import { continuePendingCalls } from '../tools/continue-pending-calls.js';
import type { ReceivedToolCall } from '../tools/execute-tool-call.js';
import type { ResolvedTool } from '../tools/resolve-tools.js';
import { AnswerRecorder, type StepFinish } from './answer-recorder.js';
import { attempt } from './attempt.js';
import type { ResolvedRetryOptions } from './backoff.js';
import { ChunkSequence } from './chunk-sequence.js';
import { driverOptions } from './driver-options.js';
import { FallbackChain } from './fallback-chain.js';
import { recover } from './retry-policy.js';
import { DEFAULT_MAX_DELTA_CHARS } from './size-caps.js';
import type { StreamReporter } from './stream-lifecycle.js';
import { toolStep } from './tool-step.js';

export { driverOptions } from './driver-options.js';

export type ResolvedTimeoutOptions = Required<TimeoutOptions>;

export const DEFAULT_TIMEOUT: ResolvedTimeoutOptions = { firstByteMs: 30_000, idleMs: 60_000, totalMs: 600_000 };

/** Everything one engine stream needs, resolved by EngineService. */
export interface EngineStreamPlan {
  messages: EngineMessage[];
  /** The engine to use first, then its fallbacks. */
  chain: EngineDriver[];
  options: EngineCallOptions;
  retry: ResolvedRetryOptions;
  timeout: ResolvedTimeoutOptions;
  /** The subscription's lifecycle: told when the provider accepted, about retries, fallbacks and warnings. */
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

/**
 * One answer from an engine chain, as a cold Observable of chunks. It is composed of small
 * units: `attempt` (one provider call under the first-byte and idle limits), `recover` (the
 * retry policy: backoff, fallback, restart after content with `reset`), `FallbackChain`,
 * `toolStep` (the tool loop's step), `AnswerRecorder` (what the answer gathered, for the
 * last chunk and the conversation) and `ChunkSequence` (numbering). This run only wires them
 * and holds the answer-wide limit (`timeout.totalMs`). Unsubscribing aborts the provider
 * request and the tools under way.
 */
export function engineStream(plan: EngineStreamPlan): Observable<EngineChunk> {
  return new Observable<EngineChunk>((subscriber) => new EngineStreamRun(plan, subscriber).start());
}

class EngineStreamRun {
  private readonly chain: FallbackChain;
  private readonly chunks = new ChunkSequence();
  private readonly answer = new AnswerRecorder();
  private readonly tools: Map<string, ResolvedTool>;
  /** Fires on teardown: the signal of every tool under way. Made when a tool needs it (an abort costs an AbortError). */
  private toolsAbort?: AbortController;
  private readonly onAbortSignal = () => this.stopByCaller();
  /** The request of the next model call (the conversation, then this answer's tool steps). */
  private messages: EngineMessage[];
  /** The provider call under way, or the wait before a retry. */
  private call?: Subscription;
  private retryTimer?: NodeJS.Timeout;
  /** `timeout.totalMs` for the whole answer, retries and fallbacks included. */
  private deadline?: NodeJS.Timeout;
  /** The attempt under way: its model, whether it started, how it finished. */
  private model = '';
  private started = false;
  private finish?: StepFinish;
  private accepted = false;
  private finished = false;
  /** Tool names by call id, for the argument deltas of the attempt under way. */
  private readonly toolNames = new Map<string, string>();
  /** Results of calls continued from an earlier request, sent once the provider accepted. */
  private heldResults: ToolResult[] = [];

  constructor(
    private readonly plan: EngineStreamPlan,
    private readonly subscriber: Subscriber<EngineChunk>,
  ) {
    this.chain = new FallbackChain(plan.chain);
    this.tools = plan.tools ?? new Map();
    this.messages = plan.messages;
  }

  private get driver(): EngineDriver {
    return this.chain.driver;
  }

  private get toolSignal(): AbortSignal {
    this.toolsAbort ??= new AbortController();
    return this.toolsAbort.signal;
  }

  private get at() {
    return { engine: this.driver.name, model: this.model };
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
        const messages = [...earlier, ...this.messages];
        const toolSignal = () => this.toolSignal;
        const continued = await continuePendingCalls(messages, this.plan.options.toolApprovals, {
          tools: this.tools,
          // only a call that runs asks for it
          get signal() {
            return toolSignal();
          },
          messages,
          step: 0,
        });
        if (this.finished || this.subscriber.closed) return;
        this.messages = continued.messages;
        this.heldResults = continued.results;
        this.answer.continueWith(continued.results);
        this.startAttempt();
      })
      .catch((error: unknown) => this.fail(error));
    return () => this.teardown();
  }

  /** One provider call of the step under way, on the chain's current engine. */
  private startAttempt(): void {
    this.retryTimer = undefined;
    const driver = this.driver;
    this.started = false;
    this.finish = undefined;
    this.toolNames.clear();
    this.chunks.beginAttempt();
    this.answer.beginAttempt();
    let options;
    try {
      options = driverOptions(driver, this.plan.options, this.chain.isFirst, this.tools);
    } catch (error) {
      return this.fail(error);
    }
    this.model = options.model;
    const limits = {
      firstByteMs: this.plan.timeout.firstByteMs,
      idleMs: this.plan.timeout.idleMs,
      maxDeltaChars: this.plan.maxDeltaChars ?? DEFAULT_MAX_DELTA_CHARS,
    };
    this.call = attempt(driver, { messages: this.messages, options }, limits).subscribe({
      next: (part) => this.onPart(part),
      error: (error: EngineException) => this.onAttemptError(error),
      complete: () => this.onAttemptComplete(),
    });
  }

  private onPart(part: DriverStreamPart): void {
    switch (part.type) {
      case 'text-delta':
        if (!part.text) return;
        this.answer.text(part.text);
        return this.emit({ content: part.text }, true);
      case 'reasoning-delta':
        if (!part.text) return;
        this.answer.reasoning(part.text);
        return this.emit({ reasoning: part.text }, false, true);
      case 'reasoning-end':
        return this.answer.reasoningEnd(part);
      case 'tool-call-start':
        this.toolNames.set(part.id, part.name);
        return;
      case 'tool-call-delta':
        if (part.argsTextDelta) this.emit({ toolCallDelta: { id: part.id, name: this.toolNames.get(part.id) ?? '', argsTextDelta: part.argsTextDelta } }, true);
        return;
      case 'tool-call-end':
        this.toolNames.delete(part.id); // no delta follows the end: the map holds the open calls only
        return this.emit({ toolCall: this.answer.toolCall(part) }, true);
      case 'source':
        return this.emit({ source: part.title === undefined ? { url: part.url } : { url: part.url, title: part.title } }, false, true);
      case 'response-start':
        this.onStarted(part.model || this.model, part.warnings);
        if (part.structuredOutputMode) this.chunks.holdMode(part.structuredOutputMode);
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

  /** `answer`: answer text or a tool call; `shown`: a restart must take it back (see ChunkSequence.next). */
  private emit(fields: Partial<EngineChunk>, answer: boolean, shown: boolean = answer): void {
    if (!this.started) this.onStarted(this.model, []);
    this.subscriber.next(this.chunks.next(fields, this.at, answer, shown));
  }

  /** The attempt's provider accepted (or sent something): the first time, the reporter hears it. */
  private onStarted(model: string, warnings: EngineWarning[]): void {
    this.started = true;
    this.model = model;
    if (warnings.length > 0) {
      this.chunks.holdWarnings(warnings);
      for (const warning of warnings) logger.warn(`${this.driver.name}: ${warning.message}`);
    }
    const reporter = this.plan.reporter;
    if (!this.accepted) {
      this.accepted = true;
      reporter?.accepted({ engine: this.driver.name, provider: this.driver.provider, model });
    }
    if (reporter?.warning) for (const warning of warnings) reporter.warning(warning);
    if (this.heldResults.length > 0) {
      const held = this.heldResults;
      this.heldResults = [];
      for (const toolResult of held) this.emitToolResult(toolResult);
      this.chunks.beginStep();
    }
  }

  private emitToolResult(toolResult: ToolResult): void {
    this.answer.toolResult(toolResult);
    this.emit({ toolResult }, false);
  }

  private onAttemptComplete(): void {
    this.call = undefined;
    const finish = this.finish ?? { finishReason: 'other' as const, rawFinishReason: null };
    if (finish.finishReason === 'content_filter' && !this.chunks.contentSent) {
      const provider = this.driver.provider;
      return this.fail(new ContentFilterException(ErrorMessages.contentFilter(provider), { provider, engine: this.driver.name }));
    }
    const { result, calls, message } = this.answer.endStep(finish);
    if (message) this.messages = [...this.messages, message];
    if (calls.length > 0 && this.answer.steps.length < (this.plan.maxSteps ?? 1)) {
      void this.runTools(calls, result);
      return;
    }
    this.complete(finish);
  }

  /** Runs the step's tools; then calls the model again, or ends (approvals pending, calls left to the caller). */
  private async runTools(calls: ReceivedToolCall[], result: StepResult): Promise<void> {
    let end;
    try {
      end = await toolStep(calls, { tools: this.tools, signal: this.toolSignal, messages: this.messages, step: result.index }, (toolResult) => {
        if (!this.finished) this.emitToolResult(toolResult);
      });
    } catch (error) {
      return this.fail(error);
    }
    if (this.finished) return;
    const resultsMessage = this.answer.stepResults(result, end.results);
    if (end.next === 'end') {
      for (const toolApproval of end.approvals) this.emit({ toolApproval }, false);
      return this.complete(this.finish ?? { finishReason: 'tool_calls', rawFinishReason: null });
    }
    // the next step: the model hears the results
    this.messages = [...this.messages, resultsMessage];
    this.chain.newStep();
    this.chunks.beginStep();
    this.startAttempt();
  }

  /** Sends the last chunk and stores the answer. */
  private complete(finish: StepFinish): void {
    const usage = this.answer.usage(finish.usage);
    const last = this.chunks.last({ finishReason: finish.finishReason, rawFinishReason: finish.rawFinishReason }, this.at);
    if (usage) last.usage = usage;
    const toolFields = this.answer.toolFields(this.tools.size > 0);
    if (toolFields) Object.assign(last, toolFields);
    this.subscriber.next(last);
    this.finished = true;
    this.clearDeadline();
    this.store(true, { ...finish, usage }).then(
      () => this.subscriber.complete(),
      (error: unknown) => this.subscriber.error(error),
    );
  }

  /** A provider call failed: retry, fall back, or fail, as the retry policy says. */
  private onAttemptError(error: EngineException): void {
    this.call = undefined;
    if (this.finished) return;
    const { retry } = this.plan;
    const recovery = recover(error, {
      retry,
      retries: this.chain.retries,
      hasNext: this.chain.hasNext,
      contentSent: this.chunks.contentSent,
      restartable: this.plan.restartable === true,
    });
    if (recovery.action === 'retry') {
      const attemptNumber = this.chain.retried();
      const reset = this.chunks.rewind();
      this.plan.reporter?.retry({
        attempt: attemptNumber,
        maxAttempts: retry.maxRetries,
        delayMs: recovery.delayMs,
        reset,
        engine: this.driver.name,
        reason: error.code,
      });
      this.retryTimer = setTimeout(() => this.startAttempt(), recovery.delayMs);
      return;
    }
    if (recovery.action === 'fallback') {
      const from = this.driver.name;
      const to = this.chain.fallBack().name;
      logger.warn(`${from} failed (${error.code}); falling back to ${to}`);
      const reset = this.chunks.rewind();
      this.plan.reporter?.fallback({ from, to, reason: error.code, reset });
      this.startAttempt();
      return;
    }
    this.fail(error);
  }

  private fail(error: unknown): void {
    if (this.finished) return;
    this.finished = true;
    this.stopWork();
    const code = EngineException.isInstance(error) ? error.code : 'error';
    this.store(false, undefined, code)
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
    this.stopWork();
    if (this.finished) return;
    this.finished = true;
    this.store(false, undefined, 'aborted').catch((error: unknown) => logger.error(`Could not store the interrupted answer: ${(error as Error).message}`));
  }

  /** Aborts the provider call and the tools under way, and clears every timer. */
  private stopWork(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.clearDeadline();
    this.call?.unsubscribe();
    this.call = undefined;
    this.toolsAbort?.abort();
  }

  private async store(complete: boolean, finish?: StepFinish, interruptedBy?: string): Promise<void> {
    const conversation = this.plan.options.conversation;
    if (!conversation) return;
    const recorded = this.answer.recorded(complete, this.at, finish, interruptedBy);
    if (recorded) await conversation.recordAnswer(recorded);
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
}

import { newStreamId } from './stream-id.js';
import { resolveScope } from '../scope/engine-scope.js';
import type { Logger } from '@nestjs/common';
import type { Observable, Subscription } from 'rxjs';
import type { StreamAcceptedInfo, StreamFallbackInfo, StreamReporter, StreamRetryInfo } from '../engine/stream-lifecycle.js';
import { withStreamLifecycle } from '../engine/stream-lifecycle.js';
import type { EngineWarning } from '../interfaces/engine-warning.interface.js';
import { EngineException } from '../errors/engine.exception.js';
import { describeEngineError, publicEngineError } from '../errors/engine-http.js';
import { ObjectValidationException } from '../errors/object.exception.js';
import { isObjectStreamPart } from '../object/object-options.interface.js';
import { ObjectEvents } from './sse-object-events.js';
import { ErrorMessages } from '../errors/error-messages.js';
import { redactSecrets } from '../errors/redact.js';
import type { EngineChunk } from '../interfaces/engine-chunk.interface.js';
import type { ReplayRecord } from './replay/memory-replay-buffer.js';
import type { SseStreamState } from './replay/replay-record.js';
import type { SseConnection } from './sse-connection.js';
import type { StreamEventData } from '../protocol/events.js';
import { isMessageEvent, isSseEvent } from './sse-event.js';
import type { SseRequest, SseStreamOptions } from './sse-options.interface.js';
import { isSseResumeRequest, type SseResumeRequest } from './sse-resume.js';
import { estimateTokens, ProgressCounter, resolveProgress } from './sse-progress.js';
import { emitChunkParts, ToolDeltaPrefix, type SsePartSink } from './sse-tool-events.js';
import type { SseConfigurable } from './sse-features.js';
import { EventSequence } from './sse-event-sequence.js';
import { ReplayRecording, type ReplayRecordHost } from './sse-replay-recording.js';
import { SseAudience } from './sse-audience.js';
import { SseAnswer } from './sse-answer.js';
import { createSseSink, type SseFrameOutput, type SseSink } from './sse-sink.js';

export { DEFAULT_MAX_PENDING, DEFAULT_RETRY_MS, type PlatformResponse } from './sse-connection.js';
export { CONTENT_PIECE_CHARS, pieces } from './sse-sink.js';

function isEngineChunk(value: unknown): value is EngineChunk {
  return typeof value === 'object' && value !== null && 'content' in value && 'finishReason' in value && 'index' in value;
}

function progressCounter(option: SseStreamOptions['progress'], req: SseRequest): ProgressCounter | undefined {
  const settings = resolveProgress(option, req);
  return settings && new ProgressCounter(settings);
}

/** What a session needs from the stream registry (SseStreams): its replay record, and a place in the registry. */
export interface SseSessionHost extends ReplayRecordHost<SseSession> {
  register(session: SseSession): void;
  unregister(session: SseSession): void;
  /** The stream runs for `key` (the route's `resumeKey`). */
  link(session: SseSession, key: string): void;
}

export interface SseSessionHooks {
  /** The response is committed (200 + headers + start written). */
  onCommitted(): void;
  /** The source failed before anything was written: answer with an HTTP error instead. */
  onEarlyError(error: unknown): void;
  /** The handler asked to resume another stream (`SseStreams.resume()`) instead. */
  onResume(request: SseResumeRequest): void;
}

/**
 * One generation: subscribes to the handler's Observable and turns what it gives into
 * `start`, `content`, `progress`, `chunk_error`, `retry`, `fallback`, `complete` /
 * `stream_error` events. It is also the StreamReporter the engine reports acceptance,
 * retries and fallbacks to. It wires the units that do the rest: the route's wire protocol
 * (SseSink: our events or UI message chunks), the event ids (EventSequence:
 * `<streamId>-<seq>`), the replay record (ReplayRecording), and who listens (SseAudience: the
 * connections attached, the first request's then resumed ones, and the disconnect policy when
 * the last goes). Each connection writes through its coalescing writer and keeps itself alive
 * (SseConnection: SseWriter, KeepaliveTimer).
 */
export class SseSession implements StreamReporter, SseConfigurable, SsePartSink, SseFrameOutput {
  readonly streamId = newStreamId();
  readonly scope: string | undefined;
  committed = false;
  private ended = false;
  private readonly ids = new EventSequence(this.streamId);
  private readonly recording: ReplayRecording<SseSession>;
  private readonly audience: SseAudience;
  /** The route's wire protocol: our events, or the AI SDK's UI message chunks (`protocol: 'ui-message'`). */
  private readonly sink: SseSink;
  private readonly answer = new SseAnswer();
  /** This stream's tool_call_delta prefix (the call under way), not shared with other streams. */
  private readonly toolPrefix = new ToolDeltaPrefix();
  private held: [string, unknown][] = [];
  private subscription?: Subscription;
  /** An engine stream reports to this session (its lifecycle): its warnings come from there, not from the chunks. */
  private engineAttached = false;
  private progress?: ProgressCounter;
  private plainIndex = 0;
  private objectEvents?: ObjectEvents;
  private transform?: (chunk: unknown) => unknown;

  constructor(
    private readonly req: SseRequest,
    private readonly first: SseConnection,
    private readonly options: SseStreamOptions,
    private readonly host: SseSessionHost,
    private readonly hooks: SseSessionHooks,
    private readonly logger: Logger,
  ) {
    this.scope = resolveScope(options.scope, req);
    this.progress = progressCounter(options.progress, req);
    this.transform = options.transform;
    this.sink = createSseSink(options.protocol, req, this.ids, this);
    this.recording = new ReplayRecording(host, this);
    this.audience = new SseAudience(options, { connectionLost: () => this.onConnectionLost(), everyoneLeft: () => this.abort() });
    this.audience.add(first);
    host.register(this);
  }

  /** Tokens the answer cost: the provider's total, else an estimate from the text received (4 characters a token). */
  get tokensUsed(): number {
    return this.answer.tokensUsed;
  }

  /** Feature interceptors inside `@SseStream()` set options here before the first value. */
  configure(options: Partial<SseStreamOptions>): void {
    Object.assign(this.options, options);
    if ('progress' in options) this.progress = progressCounter(this.options.progress, this.req);
    if ('transform' in options) this.transform = this.options.transform;
  }

  /** Whether its events are kept for a reconnect (any policy but `abort`). */
  get resumable(): boolean {
    return (this.options.onDisconnect ?? 'abort') !== 'abort';
  }

  get isEnded(): boolean {
    return this.ended;
  }

  /** Subscribes to the source with this session attached as the subscription's lifecycle (the engine's reporter). */
  run(source: () => Observable<unknown>): void {
    if (this.options.startImmediately) this.commit();
    this.subscription = source()
      .pipe(withStreamLifecycle(this))
      .subscribe({
        next: (value) => this.onValue(value),
        error: (error: unknown) => this.onError(error),
        complete: () => this.onComplete(),
      });
    if (this.ended) this.subscription.unsubscribe();
  }

  accepted(info: StreamAcceptedInfo): void {
    this.engineAttached = true;
    this.answer.accepted(info.engine, info.model);
    this.commit();
  }

  retry(info: StreamRetryInfo): void {
    // before the response is committed, the client cannot hear about it
    if (this.committed) this.emit('retry', { attempt: info.attempt, maxAttempts: info.maxAttempts, delayMs: info.delayMs, reset: info.reset });
  }

  fallback(info: StreamFallbackInfo): void {
    const data = { from: info.from, to: info.to, reason: info.reason, reset: info.reset };
    if (this.committed) this.emit('fallback', data);
    else this.held.push(['fallback', data]);
  }

  /** Options the provider could not honour are never silently dropped, even when the route maps the chunks away. */
  warning(warning: EngineWarning): void {
    this.emit('warning', warning);
  }

  /**
   * Numbers, encodes, records and writes one event. A library event's data is typed by its
   * name (`StreamEventDataMap` in lib/protocol/); an app's own events take any data.
   */
  emit<K extends string>(event: K, data: StreamEventData<K>): void {
    if (this.ended || !this.ids.started) return;
    this.sink.emit(event, data);
  }

  /** An event whose data the app chose (an object chunk sent as `content`), not typed by its name. */
  private emitAppData(event: string, data: unknown): void {
    this.emit(event, data);
  }

  /** The per-token path of streamed tool-call arguments and reasoning (see SsePartSink). */
  emitRaw(event: string, json: string, fields: object): void {
    if (this.ended || !this.ids.started) return;
    this.sink.emitRaw(event, json, fields);
  }

  /** Internal (the sink's output): one framed event, recorded for replay, then written to every connection. */
  send(text: string): void {
    this.recording.add(text);
    this.audience.write(text);
  }

  /** Adds a resumed connection (the caller already wrote the missed events to it). */
  attach(connection: SseConnection): void {
    if (this.ended) {
      connection.end();
      return;
    }
    this.audience.add(connection);
  }

  /** A client on another instance follows (+1) or left (-1). */
  remoteFollow(delta: 1 | -1): void {
    this.audience.remoteFollow(delta);
    if (delta < 0) this.applyPolicy();
  }

  /** The replay record (after commit). */
  get replay(): ReplayRecord | undefined {
    return this.recording.record;
  }

  /** Stops the generation on request (`SseStreams.stop()`): the provider request is aborted. */
  stop(): void {
    if (this.ended) return;
    this.subscription?.unsubscribe();
    // stopped before the provider accepted: the client still gets a stream (start, then the end)
    this.commit();
    this.finish('stopped');
  }

  private onValue(value: unknown): void {
    if (this.ended) return;
    if (isEngineChunk(value)) {
      if (!this.committed) {
        this.answer.identify(value);
        this.commit();
      }
      // the warnings of an engine that does not report to this session (its chunks came another way) ride on its chunks
      if (value.warnings && !this.engineAttached) for (const warning of value.warnings) this.emit('warning', warning);
      this.answer.chunk(value);
      if (value.content === '') {
        if (!value.finishReason) emitChunkParts(value, this, this.toolPrefix);
        return;
      }
      // committed above, not ended: the sink frames and sends the text (per token: one string)
      if (this.transform) this.transformed(value, value.index);
      else this.sink.text(value.content, value.index);
      if (this.progress) this.countProgress(estimateTokens(value.content));
      return;
    }
    if (isObjectStreamPart(value)) {
      this.commit();
      (this.objectEvents ??= new ObjectEvents({
        emit: (event, data) => this.emit(event, data),
        objectFinished: (finishReason, usage) => this.answer.objectFinished(finishReason, usage),
      })).handle(value);
      return;
    }
    if (!this.committed && isSseResumeRequest(value)) {
      this.ended = true;
      this.subscription?.unsubscribe();
      this.host.unregister(this);
      this.hooks.onResume(value);
      return;
    }
    this.commit();
    if (isSseEvent(value)) this.emit(value.event, value.data);
    else if (isMessageEvent(value)) this.emit(value.type ?? 'message', value.data);
    else {
      const index = this.plainIndex++;
      if (this.transform) this.transformed(value, index);
      else if (typeof value === 'string') this.emit('content', { content: value });
      else this.emitAppData('content', value);
      if (this.progress) this.countProgress(typeof value === 'string' ? estimateTokens(value) : 1);
    }
  }

  /** Runs the user transform on one chunk; a throw costs that chunk only (`chunk_error`). */
  private transformed(value: unknown, index: number): void {
    let out: unknown;
    try {
      out = this.transform!(value);
    } catch (error) {
      this.emit('chunk_error', { message: redactSecrets(error instanceof Error ? error.message : String(error)), index });
      return;
    }
    if (out === undefined || out === null) return;
    if (isSseEvent(out)) this.emit(out.event, out.data);
    else if (typeof out === 'string') this.emit('content', { content: out, index });
    else this.emitAppData('content', out);
  }

  /**
   * Progress in output tokens (estimated from the text; see onComplete for the end), without a
   * timer: compares the percentage and the clock on each content chunk.
   */
  private countProgress(tokens: number): void {
    const due = this.progress!.count(tokens);
    if (due) this.emit('progress', due);
  }

  private onComplete(): void {
    if (this.ended) return;
    this.commit();
    // the answer's real size: N of N at 100 %
    if (this.progress) this.emit('progress', this.progress.end(this.answer.completionTokens));
    this.emit('complete', this.answer.completeData());
    this.finish('completed');
  }

  private onError(error: unknown): void {
    if (this.ended) return;
    if (!this.committed) {
      this.ended = true;
      this.host.unregister(this);
      this.first.detach();
      this.hooks.onEarlyError(error);
      return;
    }
    const engineError = EngineException.isInstance(error);
    this.logger.warn(
      `SSE ${this.streamId} failed: ${engineError ? describeEngineError(error) : redactSecrets(error instanceof Error ? error.message : String(error))}`,
    );
    this.emit(
      'stream_error',
      engineError
        ? { ...publicEngineError(error), ...(error instanceof ObjectValidationException && { errors: error.errors }) }
        : { code: 'internal_error', message: ErrorMessages.streamFailed(), retryable: false },
    );
    this.finish('failed');
  }

  /** Sends the status, headers, `retry:` and `start` on the first connection. */
  private commit(): void {
    if (this.committed || this.ended) return;
    this.committed = true;
    this.ids.start(this.recording.open());
    this.first.commit();
    const resumeKey = this.options.resumeKey?.(this.req);
    if (resumeKey) this.host.link(this, resumeKey);
    this.emit('start', this.answer.startData(this.streamId));
    for (const [event, data] of this.held) this.emit(event, data);
    this.held = [];
    this.hooks.onCommitted();
  }

  private finish(state: SseStreamState, closeSockets = false): void {
    if (this.ended) return;
    // the protocol's last words (UI messages: `abort` when stopped, `[DONE]`), numbered and recorded
    if (this.ids.started) this.sink.end(state);
    this.ended = true;
    this.recording.close(state);
    this.audience.endAll(closeSockets);
    this.host.unregister(this);
  }

  /** A connection went away (the audience no longer writes to it). */
  private onConnectionLost(): void {
    if (this.ended) return;
    if (!this.committed) {
      // nobody ever saw this stream's id: nothing to resume
      this.abort();
      return;
    }
    this.applyPolicy();
  }

  /** Nobody may listen any more: the audience applies the disconnect policy (its `everyoneLeft` aborts). */
  private applyPolicy(): void {
    if (!this.ended) this.audience.applyPolicy();
  }

  /** The client went away for good: stop the work (the provider request is aborted). */
  abort(): void {
    if (this.ended) return;
    this.subscription?.unsubscribe();
    this.finish('aborted');
  }

  /** Server shutdown, or the interceptor's subscriber went away before commit. */
  dispose(): void {
    if (this.ended) return;
    this.subscription?.unsubscribe();
    if (this.committed) this.finish('aborted', true);
    else {
      this.ended = true;
      this.host.unregister(this);
      this.first.detach();
    }
  }
}

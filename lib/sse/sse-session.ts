import { randomBytes } from 'node:crypto';
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
import type { EngineUsage } from '../interfaces/engine-usage.interface.js';
import type { ReplayRecord } from './replay/memory-replay-buffer.js';
import type { SseStreamState } from './replay/replay-record.js';
import type { SseConnection } from './sse-connection.js';
import { encodeSseEvent } from '../protocol/sse-encoder.js';
import { formatEventId } from '../protocol/event-id.js';
import type { StreamEventData } from '../protocol/events.js';
import { UI_DONE, UiMessageTranslator } from './ui-message-protocol.js';
import { isMessageEvent, isSseEvent } from './sse-event.js';
import type { SseRequest, SseStreamOptions } from './sse-options.interface.js';
import { isSseResumeRequest, type SseResumeRequest } from './sse-resume.js';
import { estimateTokens, ProgressCounter, resolveProgress } from './sse-progress.js';
import { emitChunkParts } from './sse-tool-events.js';
import type { SseConfigurable } from './sse-features.js';

export { DEFAULT_MAX_PENDING, DEFAULT_RETRY_MS, type PlatformResponse } from './sse-connection.js';

/** Short, URL-safe, unguessable stream id (16 characters). */
export function newStreamId(): string {
  return randomBytes(12).toString('base64url');
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** Longest `content` of one event: a longer engine delta is split into several events. */
export const CONTENT_PIECE_CHARS = 16 * 1024;

/** `text` in pieces of at most `size` characters, never splitting a surrogate pair. */
export function pieces(text: string, size: number): string[] {
  const out: string[] = [];
  for (let at = 0; at < text.length;) {
    let end = Math.min(text.length, at + size);
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end--;
    out.push(text.slice(at, end));
    at = end;
  }
  return out;
}

function isEngineChunk(value: unknown): value is EngineChunk {
  return typeof value === 'object' && value !== null && 'content' in value && 'finishReason' in value && 'index' in value;
}

function progressCounter(option: SseStreamOptions['progress'], req: SseRequest): ProgressCounter | undefined {
  const settings = resolveProgress(option, req);
  return settings && new ProgressCounter(settings);
}

/** What a session needs from the stream registry (SseStreams). */
export interface SseSessionHost {
  /** Creates the stream's replay record (events kept or not). */
  openRecord(session: SseSession): ReplayRecord;
  /** An event was numbered and encoded: keep it where the replay store wants it. */
  recordEvent(session: SseSession, text: string): void;
  /** The stream ended: keep its state for the retention window. */
  closeRecord(session: SseSession, state: SseStreamState): void;
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
 * One generation: subscribes to the handler's Observable, numbers and encodes `start`,
 * `content`, `progress`, `chunk_error`, `retry`, `fallback`, `complete` / `stream_error`
 * events (ids `<streamId>-<seq>`), keeps them in the replay record, and writes them to the
 * connections attached (the first request's, then resumed ones). It is also the
 * StreamReporter the engine reports acceptance, retries and fallbacks to. The disconnect
 * policy decides what happens when the last connection goes.
 */
export class SseSession implements StreamReporter, SseConfigurable {
  readonly streamId = newStreamId();
  readonly scope: string | undefined;
  committed = false;
  private ended = false;
  private record?: ReplayRecord;
  private engine: string | null = null;
  private model: string | null = null;
  private finishReason: string | null = null;
  private usage: EngineUsage | null = null;
  /** Characters of answer text received, for an estimate of the tokens when no usage came. */
  private contentChars = 0;
  private steps?: EngineChunk['steps'];
  private held: [string, unknown][] = [];
  private subscription?: Subscription;
  /** An engine stream reports to this session (its lifecycle): its warnings come from there, not from the chunks. */
  private engineAttached = false;
  private connections: SseConnection[] = [];
  /** Followers on other instances (Redis), counted from attach/detach messages. */
  private remoteFollowers = 0;
  private graceTimer?: NodeJS.Timeout;
  private progress?: ProgressCounter;
  private plainIndex = 0;
  private objectEvents?: ObjectEvents;
  private transform?: (chunk: unknown) => unknown;
  /** Set on `protocol: 'ui-message'` routes: every event goes out as UI message chunks. */
  private readonly ui?: UiMessageTranslator;

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
    if (options.protocol === 'ui-message') this.ui = UiMessageTranslator.forRequest(req, `msg-${this.streamId}`);
    this.connections.push(first);
    first.onLost = () => this.onConnectionLost(first);
    host.register(this);
  }

  /** Tokens the answer cost: the provider's total, else an estimate from the text received (4 characters a token). */
  get tokensUsed(): number {
    return this.usage?.totalTokens ?? Math.ceil(this.contentChars / 4);
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
    this.engine = info.engine;
    this.model = info.model;
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
    if (this.ended || !this.record) return;
    if (this.ui) return this.sendUi(this.ui.translate(event, typeof data === 'string' ? safeParse(data) : data));
    const payload = typeof data === 'string' ? data : JSON.stringify(data);
    this.send(encodeSseEvent({ id: formatEventId(this.streamId, this.record.lastSeq + 1), event, data: payload }));
  }

  /** An event whose data the app chose (an object chunk sent as `content`), not typed by its name. */
  private emitAppData(event: string, data: unknown): void {
    this.emit(event, data);
  }

  /** The per-token path of streamed tool-call arguments, like `emitContent`. */
  emitRaw(event: string, json: string, fields: object): void {
    if (this.ended || !this.record) return;
    // the UI translator takes the fields as they are: the JSON just built is never parsed back
    if (this.ui) return this.sendUi(this.ui.translate(event, fields));
    this.send(`id: ${this.streamId}-${this.record.lastSeq + 1}\nevent: ${event}\ndata: ${json}\n\n`);
  }

  /**
   * The per-token path: a `content` event built as one string. Our ids and the name are safe
   * field values, and JSON text holds no raw CR or LF, so there is nothing to escape or split.
   */
  private emitContent(json: string): void {
    if (this.ended || !this.record) return;
    this.send(`id: ${this.streamId}-${this.record.lastSeq + 1}\nevent: content\ndata: ${json}\n\n`);
  }

  /** UI message chunks, one SSE message each, numbered like events (so that resuming works the same). */
  private sendUi(chunks: Record<string, unknown>[]): void {
    for (const chunk of chunks) this.send(`id: ${this.streamId}-${this.record!.lastSeq + 1}\ndata: ${JSON.stringify(chunk)}\n\n`);
  }

  private send(text: string): void {
    this.host.recordEvent(this, text);
    const connections = this.connections;
    for (let i = 0; i < connections.length; i++) connections[i].write(text);
  }

  /** Adds a resumed connection (the caller already wrote the missed events to it). */
  attach(connection: SseConnection): void {
    if (this.ended) {
      connection.end();
      return;
    }
    this.clearGrace();
    this.connections.push(connection);
    connection.onLost = () => this.onConnectionLost(connection);
  }

  /** A client on another instance follows (+1) or left (-1). */
  remoteFollow(delta: 1 | -1): void {
    this.remoteFollowers = Math.max(0, this.remoteFollowers + delta);
    if (delta > 0) this.clearGrace();
    else this.applyPolicy();
  }

  /** The replay record (after commit). */
  get replay(): ReplayRecord | undefined {
    return this.record;
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
        this.engine ??= value.engine;
        this.model ??= value.model;
        this.commit();
      }
      // the warnings of an engine that does not report to this session (its chunks came another way) ride on its chunks
      if (value.warnings && !this.engineAttached) for (const warning of value.warnings) this.emit('warning', warning);
      if (value.finishReason) {
        this.finishReason = value.finishReason;
        this.usage = value.usage ?? null;
      }
      if (typeof value.content === 'string') this.contentChars += value.content.length;
      if (value.content === '') {
        if (value.finishReason) this.steps = value.steps;
        else emitChunkParts(value, this);
        return;
      }
      if (this.transform) this.transformed(value, value.index);
      else if (this.ui) {
        const json = this.ui.textDeltaJson(value.content);
        if (json === undefined) this.sendUi(this.ui.textDelta(value.content));
        else this.send(`id: ${this.streamId}-${this.record!.lastSeq + 1}\ndata: ${json}\n\n`);
      } else if (value.content.length <= CONTENT_PIECE_CHARS) this.emitContent(`{"content":${JSON.stringify(value.content)},"index":${value.index}}`);
      // a large delta goes out as several content events (same index), each small enough to replay
      else for (const piece of pieces(value.content, CONTENT_PIECE_CHARS)) this.emitContent(`{"content":${JSON.stringify(piece)},"index":${value.index}}`);
      if (this.progress) this.countProgress(estimateTokens(value.content));
      return;
    }
    if (isObjectStreamPart(value)) {
      this.commit();
      (this.objectEvents ??= new ObjectEvents({
        emit: (event, data) => this.emit(event, data),
        objectFinished: (finishReason, usage) => {
          this.finishReason = finishReason;
          this.usage = (usage as EngineUsage | null) ?? null;
        },
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
    if (this.progress) this.emit('progress', this.progress.end(this.usage?.completionTokens));
    this.emit(
      'complete',
      this.steps
        ? { finishReason: this.finishReason ?? 'stop', usage: this.usage, steps: this.steps }
        : { finishReason: this.finishReason ?? 'stop', usage: this.usage },
    );
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
    this.record = this.host.openRecord(this);
    this.first.commit();
    const resumeKey = this.options.resumeKey?.(this.req);
    if (resumeKey) this.host.link(this, resumeKey);
    this.emit('start', { streamId: this.streamId, engine: this.engine, model: this.model });
    for (const [event, data] of this.held) this.emit(event, data);
    this.held = [];
    this.hooks.onCommitted();
  }

  private finish(state: SseStreamState, closeSockets = false): void {
    if (this.ended) return;
    if (this.ui && this.record) {
      if (state === 'stopped') this.sendUi(this.ui.aborted());
      this.send(`id: ${this.streamId}-${this.record.lastSeq + 1}\ndata: ${UI_DONE}\n\n`);
    }
    this.ended = true;
    this.clearGrace();
    if (this.record) this.host.closeRecord(this, state);
    for (const connection of this.connections) connection.end('', closeSockets);
    this.connections = [];
    this.host.unregister(this);
  }

  private onConnectionLost(connection: SseConnection): void {
    this.connections = this.connections.filter((c) => c !== connection);
    if (this.ended) return;
    if (!this.committed) {
      // nobody ever saw this stream's id: nothing to resume
      this.abort();
      return;
    }
    this.applyPolicy();
  }

  private applyPolicy(): void {
    if (this.ended || this.connections.length > 0 || this.remoteFollowers > 0) return;
    const policy = this.options.onDisconnect ?? 'abort';
    if (policy === 'abort') return this.abort();
    if (policy === 'continue' || this.graceTimer) return;
    this.graceTimer = setTimeout(
      () => {
        this.graceTimer = undefined;
        if (this.connections.length === 0 && this.remoteFollowers === 0) this.abort();
      },
      Math.max(0, policy.graceMs),
    );
  }

  private clearGrace(): void {
    if (this.graceTimer) clearTimeout(this.graceTimer);
    this.graceTimer = undefined;
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

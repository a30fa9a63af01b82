import { SseParser, type SseMessage } from '../protocol/sse-parser.js';
import type { ChatStreamOptions, StreamCloseReason, StreamOutcome, StreamStatus } from './chat-stream-options.js';
import { callHandlers, effectOf, isTerminalEvent, toStreamEvent } from './dispatch-event.js';
import { EventQueue } from './event-queue.js';
import {
  DEFAULT_RECONNECT_ATTEMPTS,
  IdleTimer,
  canResume,
  connectionRequest,
  idleTimeoutOf,
  readErrorBody,
  reconnectDelay,
  requestHeaders,
  requestMethod,
} from './reconnect.js';
import { sendStop } from './stop-stream.js';
import { StreamClientError, StreamConnectionError, StreamHttpError, StreamProtocolError, parseRetryAfter } from './stream-errors.js';
import { parseEventId, type ObjectPartialData, type StreamEvent } from './stream-events.js';

type ConnectResult = { kind: 'ended' } | { kind: 'lost'; error: unknown; retryAfterMs?: number };

/**
 * One streamed answer from an `@SseStream()` route. Use the handlers, the async iterator
 * (`for await (const event of stream)`), or both. It connects at once (in the next
 * microtask), reconnects with exponential backoff when the connection drops, resumes with
 * the last event id without delivering any event twice, and cleans up every timer and
 * reader when it ends.
 */
export class ChatStream implements AsyncIterable<StreamEvent> {
  /** Resolves when the stream ended, however it ended. Never rejects. */
  readonly done: Promise<StreamOutcome>;

  private readonly options: ChatStreamOptions;
  private readonly fetchImpl: typeof fetch;
  private readonly parser: SseParser;
  private readonly events = new EventQueue<StreamEvent>();
  private readonly idle = new IdleTimer();
  private resolveDone!: (outcome: StreamOutcome) => void;
  private currentStatus: StreamStatus = { state: 'connecting' };
  private closed = false;
  /** A terminal event is being delivered. */
  private ending = false;
  private id: string | undefined;
  private lastSeq = 0;
  private lastId: string | undefined;
  private text = '';
  /** Where the step under way starts in `text` (after the last `tool_result`): a `reset` takes the text back to here, as the engine restarts that step only. */
  private stepStart = 0;
  private serverRetryMs: number | undefined;
  private attempt = 0;
  private resuming = false;
  private opened = false;
  private connection: AbortController | undefined;
  private reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  private sleepTimer: ReturnType<typeof setTimeout> | undefined;
  private wake: (() => void) | undefined;
  private handlerError: unknown;
  private iterating = false;
  private readonly onSignalAbort = () => this.abort();

  constructor(options: ChatStreamOptions) {
    this.options = options;
    const fetchImpl = options.fetch ?? (globalThis.fetch as typeof fetch | undefined);
    if (!fetchImpl) throw new TypeError('streamChat: no fetch available; pass options.fetch');
    // called as a plain function: a browser's fetch throws "Illegal invocation" when its
    // `this` is anything but the window (or undefined)
    this.fetchImpl = (input, init) => fetchImpl(input, init);
    this.parser = new SseParser({
      onEvent: (message) => this.onMessage(message),
      onRetry: (ms) => {
        this.serverRetryMs = ms;
      },
      onComment: (text) => this.call(() => this.options.onKeepalive?.({ via: 'comment', text })),
    });
    this.done = new Promise<StreamOutcome>((resolve) => {
      this.resolveDone = resolve;
    });
    if (options.signal?.aborted) {
      this.close('aborted');
      return;
    }
    options.signal?.addEventListener('abort', this.onSignalAbort, { once: true });
    // start after the caller got the object, so handlers may refer to it
    void Promise.resolve().then(() => this.run());
  }

  /** The stream id, once `start` (or an event id) told it. */
  get streamId(): string | undefined {
    return this.id;
  }

  /** The id of the last event delivered (what a resumption sends). */
  get lastEventId(): string | undefined {
    return this.lastId;
  }

  /** The answer text so far (`content` joined, minus discarded partial answers). */
  get content(): string {
    return this.text;
  }

  /** The current connection state. */
  get status(): StreamStatus {
    return this.currentStatus;
  }

  /**
   * Stops: closes the connection, clears every timer and, with `stopUrl`, sends `DELETE` so
   * the server stops the generation. Does nothing once the stream ended.
   */
  abort(): void {
    if (this.closed || this.ending) return;
    this.closeAndStop('aborted');
  }

  /**
   * Structured output: the partial objects one by one (`object_partial`), then the validated
   * one (`object`). Uses the event iterator: iterate one or the other, once.
   */
  async *objects(): AsyncGenerator<unknown, void, undefined> {
    for await (const event of this) {
      if (event.event === 'object_partial' || event.event === 'object') yield (event.data as ObjectPartialData).object;
    }
  }

  /** Events one by one. Leaving the loop early aborts the stream. Throws when the stream failed. */
  [Symbol.asyncIterator](): AsyncIterator<StreamEvent> {
    if (this.iterating) throw new TypeError('A ChatStream can be iterated only once.');
    this.iterating = true;
    return this.events.iterator(() => this.abort());
  }

  private async run(): Promise<void> {
    try {
      for (;;) {
        if (this.closed) return;
        const result = await this.connect();
        if (this.closed || result.kind === 'ended') return;
        const max = this.options.reconnectAttempts ?? DEFAULT_RECONNECT_ATTEMPTS;
        if (!canResume(this.options, this.id)) {
          this.close('failed', {
            error: new StreamConnectionError(
              'The connection was lost and this stream cannot be resumed (a POST stream needs resumeUrl, and the start event).',
              0,
              { cause: result.error },
            ),
          });
          return;
        }
        if (this.attempt >= max) {
          this.close('failed', {
            error: new StreamConnectionError(`The connection was lost; gave up after ${this.attempt} reconnection attempt(s).`, this.attempt, {
              cause: result.error,
            }),
          });
          return;
        }
        this.attempt++;
        const delayMs = Math.max(reconnectDelay(this.options, this.attempt, this.serverRetryMs), result.retryAfterMs ?? 0);
        this.setStatus({ state: 'reconnecting', attempt: this.attempt, maxAttempts: max, delayMs, error: result.error });
        await this.sleep(delayMs);
        this.resuming = true;
      }
    } catch (error) {
      this.close('failed', { error: StreamClientError.isInstance(error) ? error : new StreamClientError(String(error), 'internal_error', { cause: error }) });
    }
  }

  /** One connection: resolves when it ended (the stream is closed) or was lost (worth resuming). */
  private async connect(): Promise<ConnectResult> {
    const controller = new AbortController();
    this.connection = controller;
    this.idle.fired = false;
    const { url, init } = connectionRequest(this.options, this.resuming ? { streamId: this.id, lastEventId: this.lastId } : undefined);
    init.signal = controller.signal;
    if (!this.resuming) this.setStatus({ state: 'connecting' });
    // a resumption that does not answer is as dead as a silent stream
    if (this.resuming) this.armIdle(controller);
    let response: Response;
    try {
      response = await this.fetchImpl(url, init);
    } catch (error) {
      this.idle.clear();
      if (this.closed) return { kind: 'ended' };
      // a GET can be tried again like EventSource does; a POST is never sent twice
      if (!this.resuming && requestMethod(this.options) !== 'GET') {
        this.close('failed', { error: new StreamConnectionError(`Could not connect to ${url}.`, 0, { cause: error, code: 'connect_failed' }) });
        return { kind: 'ended' };
      }
      return { kind: 'lost', error: this.idle.fired ? new Error('The reconnection timed out.') : error };
    }
    this.idle.clear();
    if (this.closed) {
      void response.body?.cancel().catch(() => undefined);
      return { kind: 'ended' };
    }
    if (response.status === 204) {
      this.close('finished');
      return { kind: 'ended' };
    }
    if (!response.ok) {
      const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
      const body = await readErrorBody(response);
      if (this.closed) return { kind: 'ended' };
      const error = new StreamHttpError(response.status, body, retryAfterMs);
      if (this.resuming && error.retryable) return { kind: 'lost', error, retryAfterMs };
      this.close('failed', { error });
      return { kind: 'ended' };
    }
    const type = response.headers.get('content-type') ?? '';
    if (!/^text\/event-stream\b/i.test(type) || !response.body) {
      void response.body?.cancel().catch(() => undefined);
      this.close('failed', { error: new StreamProtocolError(`Expected an event stream from ${url}, got "${type || 'no content type'}".`) });
      return { kind: 'ended' };
    }
    this.parser.reset();
    const reader = response.body.getReader();
    this.reader = reader;
    this.setStatus(this.opened ? { state: 'resumed', attempt: this.attempt, lastEventId: this.lastId } : { state: 'open' });
    this.opened = true;
    this.armIdle(controller);
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done || this.closed) break;
        if (value.byteLength === 0) continue;
        this.armIdle(controller);
        this.parser.feed(value);
        if (this.closed) break;
      }
    } catch (error) {
      if (this.closed) return { kind: 'ended' };
      return { kind: 'lost', error: this.idle.fired ? new Error(`No data for ${idleTimeoutOf(this.options)} ms.`) : error };
    } finally {
      this.idle.clear();
      if (this.reader === reader) this.reader = undefined;
    }
    if (this.closed) return { kind: 'ended' };
    this.parser.end();
    if (this.closed) return { kind: 'ended' };
    return { kind: 'lost', error: new Error('The connection ended before the answer was complete.') };
  }

  private armIdle(controller: AbortController): void {
    if (this.closed) return this.idle.clear();
    this.idle.arm(controller, idleTimeoutOf(this.options));
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      this.wake = () => {
        this.wake = undefined;
        if (this.sleepTimer !== undefined) clearTimeout(this.sleepTimer);
        this.sleepTimer = undefined;
        resolve();
      };
      this.sleepTimer = setTimeout(() => this.wake?.(), ms);
    });
  }

  private onMessage(message: SseMessage): void {
    if (this.closed) return;
    const parsed = parseEventId(message.id);
    if (parsed) {
      if (this.id !== undefined && parsed.streamId === this.id && parsed.seq <= this.lastSeq) return; // replayed: seen already
      if (this.id !== undefined && parsed.streamId !== this.id) {
        // a new generation
        this.text = '';
        this.stepStart = 0;
      }
      this.id = parsed.streamId;
      this.lastSeq = parsed.seq;
      this.attempt = 0; // progress: the connection works again
    }
    if (message.lastEventId !== '') this.lastId = message.lastEventId;
    this.deliver(toStreamEvent(message, parsed?.seq));
  }

  private deliver(event: StreamEvent): void {
    // the last event: abort() from its handler has nothing left to stop
    if (isTerminalEvent(event)) this.ending = true;
    const effect = effectOf(event);
    this.call(() => {
      if (effect.streamId !== undefined && this.id === undefined) this.id = effect.streamId;
      if (effect.append !== undefined) this.text += effect.append;
      if (effect.reset) this.text = this.text.slice(0, this.stepStart);
      if (event.event === 'tool_result' && !event.custom) this.stepStart = this.text.length;
      callHandlers(this.options, event, effect);
    });
    if (this.closed) return;
    this.events.push(event);
    if (effect.ends) this.close(effect.ends.reason, effect.ends.extra);
  }

  /** Runs a user handler; one that throws fails the stream (the bug would otherwise go unseen) and stops it on the server. */
  private call(fn: () => void): void {
    if (this.handlerError !== undefined) return;
    try {
      fn();
    } catch (error) {
      this.handlerError = error;
      this.closeAndStop('failed', {
        error: new StreamClientError(`A stream handler threw: ${error instanceof Error ? error.message : String(error)}`, 'handler_error', { cause: error }),
      });
    }
  }

  /** Closes, then, with `stopUrl` and a known stream id, asks the server to stop the generation. */
  private closeAndStop(reason: StreamCloseReason, extra?: Partial<StreamOutcome>): void {
    const stopUrl = this.id !== undefined ? this.options.stopUrl?.(this.id) : undefined;
    this.close(reason, extra);
    if (stopUrl !== undefined) sendStop(this.fetchImpl, stopUrl, requestHeaders(this.options), this.options.credentials);
  }

  private setStatus(status: StreamStatus): void {
    this.currentStatus = status;
    this.call(() => this.options.onStatus?.(status));
  }

  private close(reason: StreamCloseReason, extra: Partial<StreamOutcome> = {}): void {
    if (this.closed) return;
    this.closed = true;
    this.idle.clear();
    this.wake?.();
    this.options.signal?.removeEventListener('abort', this.onSignalAbort);
    const reader = this.reader;
    this.reader = undefined;
    if (reader) void reader.cancel().catch(() => undefined);
    this.connection?.abort();
    this.connection = undefined;
    const outcome: StreamOutcome = { reason, streamId: this.id, content: this.text, ...extra };
    this.currentStatus = { state: 'closed', reason };
    if (this.handlerError === undefined) {
      try {
        this.options.onStatus?.(this.currentStatus);
        if (outcome.error) this.options.onError?.(outcome.error);
      } catch {
        // the stream is over; nothing left to fail
      }
    }
    this.events.end(outcome.error);
    this.resolveDone(outcome);
  }
}

/**
 * Streams an answer from an `@SseStream()` route:
 *
 * ```ts
 * const stream = streamChat({
 *   url: '/chat/stream',
 *   body: { messages: [{ role: 'user', content: 'Hello' }] },
 *   resumeUrl: (id) => `/chat/streams/${id}`,
 *   stopUrl: (id) => `/chat/streams/${id}`,
 *   onContent: ({ content }) => output.append(content),
 * });
 * ```
 */
export function streamChat(options: ChatStreamOptions): ChatStream {
  return new ChatStream(options);
}

import { SseParser, type SseMessage } from '../protocol/sse-parser.js';
import { StreamClientError, StreamConnectionError, StreamHttpError, StreamProtocolError, parseRetryAfter } from './stream-errors.js';
import {
  isKnownEventName,
  parseEventId,
  type ChunkErrorData,
  type CompleteData,
  type ContentData,
  type FallbackData,
  type WarningData,
  type ProgressData,
  type ReasoningData,
  type SourceData,
  type ObjectPartialData,
  type ObjectElementData,
  type ObjectData,
  type ToolApprovalData,
  type ToolCallData,
  type ToolCallDeltaData,
  type ToolResultData,
  type RetryData,
  type StartData,
  type StreamEvent,
  type StreamErrorData,
} from './stream-events.js';

/** Why a stream ended. */
export type StreamCloseReason =
  /** `complete` arrived: the answer is whole. */
  | 'complete'
  /** `stream_error` (or `resync`) arrived: the answer failed; `retryable` says if asking again may help. */
  | 'stream_error'
  /** A reconnection got 204: the stream had already finished (or was stopped) on the server. */
  | 'finished'
  /** `abort()` (or the `signal`, or leaving a `for await` loop early). */
  | 'aborted'
  /** An HTTP error, a protocol error, a connection that could not be resumed, or a handler that threw. */
  | 'failed';

/** The connection state, for a status line. */
export type StreamStatus =
  | { state: 'connecting' }
  | { state: 'open' }
  | { state: 'reconnecting'; attempt: number; maxAttempts: number; delayMs: number; error: unknown }
  | { state: 'resumed'; attempt: number; lastEventId: string | undefined }
  | { state: 'closed'; reason: StreamCloseReason };

/** How the stream ended (`await stream.done`; it never rejects). */
export interface StreamOutcome {
  reason: StreamCloseReason;
  streamId: string | undefined;
  /** The answer text: every `content` joined, minus what a `retry`/`fallback` with `reset` discarded. */
  content: string;
  /** The `complete` data, when the answer completed. */
  complete?: CompleteData;
  /** The `stream_error` data (code `resync` when the stream could no longer be resumed). */
  streamError?: StreamErrorData;
  /** The error, when the reason is `failed`. */
  error?: StreamClientError;
}

/** What a keepalive looked like: a `keepalive` event or a comment line. */
export interface KeepaliveInfo {
  via: 'event' | 'comment';
  /** The comment text, for comments. */
  text?: string;
}

/** Typed handlers; each gets the event's data and the whole event. */
export interface ChatStreamHandlers {
  onStart?(data: StartData, event: StreamEvent): void;
  onContent?(data: ContentData, event: StreamEvent): void;
  onProgress?(data: ProgressData, event: StreamEvent): void;
  onComplete?(data: CompleteData, event: StreamEvent): void;
  onChunkError?(data: ChunkErrorData, event: StreamEvent): void;
  /** `stream_error`, and `resync` (as code `resync`, retryable): the stream ends after it. */
  onStreamError?(data: StreamErrorData, event: StreamEvent): void;
  onRetry?(data: RetryData, event: StreamEvent): void;
  onFallback?(data: FallbackData, event: StreamEvent): void;
  /** An option the provider could not honour, e.g. a penalty Claude has no setting for. */
  onWarning?(data: WarningData, event: StreamEvent): void;
  /** A `keepalive` event or a comment line (`: keepalive`). */
  onKeepalive?(info: KeepaliveInfo): void;
  /** A piece of a tool call's arguments, while they stream. */
  onToolCallDelta?(data: ToolCallDeltaData, event: StreamEvent): void;
  /** A tool call with its whole (parsed) arguments. */
  onToolCall?(data: ToolCallData, event: StreamEvent): void;
  /** A tool's result, or its error. */
  onToolResult?(data: ToolResultData, event: StreamEvent): void;
  /** A tool call waiting for approval: the answer ends after it; approve or deny in a new request. */
  onToolApproval?(data: ToolApprovalData, event: StreamEvent): void;
  /** A piece of the model's reasoning (apart from the answer text). */
  onReasoning?(data: ReasoningData, event: StreamEvent): void;
  /** A cited source. */
  onSource?(data: SourceData, event: StreamEvent): void;
  /** Structured output: the object so far (each one holds the whole partial object: replace, do not merge). */
  onObjectPartial?(data: ObjectPartialData, event: StreamEvent): void;
  /** Structured output, array output: one complete element. */
  onObjectElement?(data: ObjectElementData, event: StreamEvent): void;
  /** Structured output: the validated object (`complete` follows). */
  onObject?(data: ObjectData, event: StreamEvent): void;
  /** Every event, the library's and the app's own (after the typed handler, if any). */
  onEvent?(event: StreamEvent): void;
  /** Connection state changes: connecting, open, reconnecting, resumed, closed. */
  onStatus?(status: StreamStatus): void;
  /** The stream failed (HTTP error before the stream, connection lost for good, protocol error). */
  onError?(error: StreamClientError): void;
}

/** Options of `streamChat()`. Durations are in milliseconds. */
export interface ChatStreamOptions extends ChatStreamHandlers {
  /** The streaming route, e.g. `/chat/stream` or `/chat/stream?message=hi`. */
  url: string | URL;
  /** Default: `POST` when `body` is given, else `GET`. */
  method?: string;
  /** Sent as JSON (`Content-Type: application/json`). */
  body?: unknown;
  /** Extra request headers (a function is called for every request, e.g. for a fresh token). */
  headers?: HeadersInit | (() => HeadersInit);
  credentials?: RequestCredentials;
  /**
   * Where to resume a stream after the connection dropped, e.g.
   * `(id) => '/chat/streams/' + id`. Needed for POST streams (they are never re-posted); a
   * GET stream resumes on its own URL when this is not given.
   */
  resumeUrl?: (streamId: string) => string | URL;
  /** Where `abort()` sends `DELETE` to stop the generation on the server, e.g. `(id) => '/chat/streams/' + id`. */
  stopUrl?: (streamId: string) => string | URL;
  /** How to send the last event id when resuming: header `Last-Event-ID` (default), `?lastEventId=`, or both. */
  lastEventIdIn?: 'header' | 'query' | 'both';
  /** Reconnection attempts in a row before giving up. Default 3; 0 never reconnects. */
  reconnectAttempts?: number;
  /** First reconnection delay, doubled at each attempt. Default: the server's `retry:`, else 1000. */
  reconnectDelay?: number;
  /** Upper bound of the delay. Default 30000. */
  maxReconnectDelay?: number;
  /** The server's keepalive interval; no byte for twice as long means the connection is dead. Default 15000. */
  keepaliveInterval?: number;
  /** Reconnect when no byte (event or comment) arrived for this long. Default `2 * keepaliveInterval`; 0 turns it off. */
  idleTimeout?: number;
  /** Aborting it is the same as `abort()`. */
  signal?: AbortSignal;
  /** Another fetch (tests, a polyfill). Default: the global `fetch`. */
  fetch?: typeof fetch;
}

const DEFAULT_ATTEMPTS = 3;
const DEFAULT_DELAY = 1000;
const DEFAULT_MAX_DELAY = 30_000;
const DEFAULT_KEEPALIVE = 15_000;

type ConnectResult = { kind: 'ended' } | { kind: 'lost'; error: unknown; retryAfterMs?: number };

function parseData(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

function appendQuery(url: string, name: string, value: string): string {
  const hash = url.indexOf('#');
  const base = hash === -1 ? url : url.slice(0, hash);
  return `${base}${base.includes('?') ? '&' : '?'}${encodeURIComponent(name)}=${encodeURIComponent(value)}`;
}

async function readErrorBody(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

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
  private resolveDone!: (outcome: StreamOutcome) => void;
  private currentStatus: StreamStatus = { state: 'connecting' };
  private closed = false;
  /** A terminal event is being delivered. */
  private ending = false;
  private id: string | undefined;
  private lastSeq = 0;
  private lastId: string | undefined;
  private text = '';
  private serverRetryMs: number | undefined;
  private attempt = 0;
  private resuming = false;
  private opened = false;
  private connection: AbortController | undefined;
  private reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  private idleTimer: ReturnType<typeof setTimeout> | undefined;
  private idleFired = false;
  private sleepTimer: ReturnType<typeof setTimeout> | undefined;
  private wake: (() => void) | undefined;
  private handlerError: unknown;
  private readonly queue: StreamEvent[] = [];
  private waiter: { resolve: (result: IteratorResult<StreamEvent>) => void; reject: (error: unknown) => void } | undefined;
  private iteratorError: StreamClientError | undefined;
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
    const stopUrl = this.id !== undefined ? this.options.stopUrl?.(this.id) : undefined;
    this.close('aborted');
    if (stopUrl !== undefined) {
      this.fetchImpl(String(stopUrl), { method: 'DELETE', headers: this.headers(), credentials: this.options.credentials })
        .then((response) => response.body?.cancel())
        .catch(() => undefined);
    }
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
    return {
      next: () => {
        const value = this.queue.shift();
        if (value !== undefined) return Promise.resolve({ value, done: false });
        if (this.closed) {
          const error = this.iteratorError;
          this.iteratorError = undefined;
          return error ? Promise.reject(error) : Promise.resolve({ value: undefined, done: true });
        }
        return new Promise<IteratorResult<StreamEvent>>((resolve, reject) => {
          this.waiter = { resolve, reject };
        });
      },
      return: () => {
        this.abort();
        this.queue.length = 0;
        this.iteratorError = undefined;
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }

  private async run(): Promise<void> {
    try {
      for (;;) {
        if (this.closed) return;
        const result = await this.connect();
        if (this.closed || result.kind === 'ended') return;
        const max = this.options.reconnectAttempts ?? DEFAULT_ATTEMPTS;
        if (!this.canResume()) {
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
        const delayMs = Math.max(this.backoff(this.attempt), result.retryAfterMs ?? 0);
        this.setStatus({ state: 'reconnecting', attempt: this.attempt, maxAttempts: max, delayMs, error: result.error });
        await this.sleep(delayMs);
        this.resuming = true;
      }
    } catch (error) {
      this.close('failed', { error: StreamClientError.isInstance(error) ? error : new StreamClientError(String(error), 'internal_error', { cause: error }) });
    }
  }

  private backoff(attempt: number): number {
    const base = this.options.reconnectDelay ?? this.serverRetryMs ?? DEFAULT_DELAY;
    const max = this.options.maxReconnectDelay ?? DEFAULT_MAX_DELAY;
    return Math.min(max, base * 2 ** (attempt - 1));
  }

  /** A GET can always go back to its URL; anything else needs resumeUrl and the stream id. */
  private canResume(): boolean {
    return (this.options.resumeUrl !== undefined && this.id !== undefined) || this.method() === 'GET';
  }

  private method(): string {
    return (this.options.method ?? (this.options.body !== undefined ? 'POST' : 'GET')).toUpperCase();
  }

  private headers(): Headers {
    const given = typeof this.options.headers === 'function' ? this.options.headers() : this.options.headers;
    return new Headers(given);
  }

  private request(): { url: string; init: RequestInit } {
    const headers = this.headers();
    headers.set('Accept', 'text/event-stream');
    const init: RequestInit = { headers, credentials: this.options.credentials, cache: 'no-store' };
    if (!this.resuming) {
      init.method = this.method();
      if (this.options.body !== undefined) {
        headers.set('Content-Type', 'application/json');
        init.body = JSON.stringify(this.options.body);
      }
      return { url: String(this.options.url), init };
    }
    init.method = 'GET';
    let url = this.options.resumeUrl && this.id !== undefined ? String(this.options.resumeUrl(this.id)) : String(this.options.url);
    const where = this.options.lastEventIdIn ?? 'header';
    if (this.lastId !== undefined) {
      if (where !== 'query') headers.set('Last-Event-ID', this.lastId);
      if (where !== 'header') url = appendQuery(url, 'lastEventId', this.lastId);
    }
    return { url, init };
  }

  private idleTimeout(): number {
    return this.options.idleTimeout ?? 2 * (this.options.keepaliveInterval ?? DEFAULT_KEEPALIVE);
  }

  /** One connection: resolves when it ended (the stream is closed) or was lost (worth resuming). */
  private async connect(): Promise<ConnectResult> {
    const controller = new AbortController();
    this.connection = controller;
    this.idleFired = false;
    const { url, init } = this.request();
    init.signal = controller.signal;
    if (!this.resuming) this.setStatus({ state: 'connecting' });
    // a resumption that does not answer is as dead as a silent stream
    if (this.resuming) this.armIdle(controller);
    let response: Response;
    try {
      response = await this.fetchImpl(url, init);
    } catch (error) {
      this.clearIdle();
      if (this.closed) return { kind: 'ended' };
      // a GET can be tried again like EventSource does; a POST is never sent twice
      if (!this.resuming && this.method() !== 'GET') {
        this.close('failed', { error: new StreamConnectionError(`Could not connect to ${url}.`, 0, { cause: error, code: 'connect_failed' }) });
        return { kind: 'ended' };
      }
      return { kind: 'lost', error: this.idleFired ? new Error('The reconnection timed out.') : error };
    }
    this.clearIdle();
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
      let body: unknown;
      try {
        body = await readErrorBody(response);
      } catch {
        body = undefined;
      }
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
      return { kind: 'lost', error: this.idleFired ? new Error(`No data for ${this.idleTimeout()} ms.`) : error };
    } finally {
      this.clearIdle();
      if (this.reader === reader) this.reader = undefined;
    }
    if (this.closed) return { kind: 'ended' };
    this.parser.end();
    if (this.closed) return { kind: 'ended' };
    return { kind: 'lost', error: new Error('The connection ended before the answer was complete.') };
  }

  private armIdle(controller: AbortController): void {
    this.clearIdle();
    const ms = this.idleTimeout();
    if (!(ms > 0) || this.closed) return;
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      this.idleFired = true;
      controller.abort();
    }, ms);
  }

  private clearIdle(): void {
    if (this.idleTimer !== undefined) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
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
      if (this.id !== undefined && parsed.streamId !== this.id) this.text = ''; // a new generation
      this.id = parsed.streamId;
      this.lastSeq = parsed.seq;
      this.attempt = 0; // progress: the connection works again
    }
    if (message.lastEventId !== '') this.lastId = message.lastEventId;
    const event = {
      custom: !isKnownEventName(message.event),
      event: message.event,
      data: parseData(message.data),
      id: message.id,
      seq: parsed?.seq,
      raw: message.data,
    } as StreamEvent;
    this.deliver(event);
  }

  private deliver(event: StreamEvent): void {
    const o = this.options;
    let ends: { reason: StreamCloseReason; extra: Partial<StreamOutcome> } | undefined;
    // the last event: abort() from its handler has nothing left to stop
    if (event.event === 'complete' || event.event === 'stream_error' || event.event === 'resync') this.ending = true;
    this.call(() => {
      switch (event.event) {
        case 'start': {
          const data = event.data as StartData;
          if (typeof data?.streamId === 'string' && this.id === undefined) this.id = data.streamId;
          o.onStart?.(data, event);
          break;
        }
        case 'content': {
          const data = event.data as ContentData;
          if (typeof data?.content === 'string') this.text += data.content;
          o.onContent?.(data, event);
          break;
        }
        case 'progress':
          o.onProgress?.(event.data as ProgressData, event);
          break;
        case 'keepalive':
          o.onKeepalive?.({ via: 'event' });
          break;
        case 'chunk_error':
          o.onChunkError?.(event.data as ChunkErrorData, event);
          break;
        case 'retry': {
          const data = event.data as RetryData;
          if (data?.reset) this.text = '';
          o.onRetry?.(data, event);
          break;
        }
        case 'fallback': {
          const data = event.data as FallbackData;
          if (data?.reset) this.text = '';
          o.onFallback?.(data, event);
          break;
        }
        case 'warning':
          o.onWarning?.(event.data as WarningData, event);
          break;
        case 'tool_call_delta':
          o.onToolCallDelta?.(event.data as ToolCallDeltaData, event);
          break;
        case 'tool_call':
          o.onToolCall?.(event.data as ToolCallData, event);
          break;
        case 'tool_result':
          o.onToolResult?.(event.data as ToolResultData, event);
          break;
        case 'tool_approval':
          o.onToolApproval?.(event.data as ToolApprovalData, event);
          break;
        case 'reasoning':
          o.onReasoning?.(event.data as ReasoningData, event);
          break;
        case 'source':
          o.onSource?.(event.data as SourceData, event);
          break;
        case 'object_partial':
          o.onObjectPartial?.(event.data as ObjectPartialData, event);
          break;
        case 'object_element':
          o.onObjectElement?.(event.data as ObjectElementData, event);
          break;
        case 'object':
          o.onObject?.(event.data as ObjectData, event);
          break;
        case 'complete': {
          const data = event.data as CompleteData;
          ends = { reason: 'complete', extra: { complete: data } };
          o.onComplete?.(data, event);
          break;
        }
        case 'stream_error': {
          const data = event.data as StreamErrorData;
          ends = { reason: 'stream_error', extra: { streamError: data } };
          o.onStreamError?.(data, event);
          break;
        }
        case 'resync': {
          const given = event.data as { message?: unknown } | undefined;
          const data: StreamErrorData = {
            code: 'resync',
            message: typeof given?.message === 'string' ? given.message : 'The answer can no longer be resumed; ask again.',
            retryable: true,
          };
          ends = { reason: 'stream_error', extra: { streamError: data } };
          o.onStreamError?.(data, event);
          break;
        }
        default:
          break;
      }
      o.onEvent?.(event);
    });
    if (this.closed) return;
    this.push(event);
    if (ends) this.close(ends.reason, ends.extra);
  }

  /** Runs a user handler; one that throws fails the stream (the bug would otherwise go unseen). */
  private call(fn: () => void): void {
    if (this.handlerError !== undefined) return;
    try {
      fn();
    } catch (error) {
      this.handlerError = error;
      const stopUrl = this.id !== undefined ? this.options.stopUrl : undefined;
      this.close('failed', {
        error: new StreamClientError(`A stream handler threw: ${error instanceof Error ? error.message : String(error)}`, 'handler_error', { cause: error }),
      });
      if (stopUrl && this.id !== undefined) {
        this.fetchImpl(String(stopUrl(this.id)), { method: 'DELETE', headers: this.headers(), credentials: this.options.credentials })
          .then((response) => response.body?.cancel())
          .catch(() => undefined);
      }
    }
  }

  private push(event: StreamEvent): void {
    const waiter = this.waiter;
    if (waiter) {
      this.waiter = undefined;
      waiter.resolve({ value: event, done: false });
    } else {
      this.queue.push(event);
    }
  }

  private setStatus(status: StreamStatus): void {
    this.currentStatus = status;
    this.call(() => this.options.onStatus?.(status));
  }

  private close(reason: StreamCloseReason, extra: Partial<StreamOutcome> = {}): void {
    if (this.closed) return;
    this.closed = true;
    this.clearIdle();
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
    if (outcome.error) this.iteratorError = outcome.error;
    const waiter = this.waiter;
    if (waiter) {
      this.waiter = undefined;
      const error = this.iteratorError;
      this.iteratorError = undefined;
      if (error) waiter.reject(error);
      else waiter.resolve({ value: undefined, done: true });
    }
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

import type { StreamClientError } from './stream-errors.js';
import type {
  ChunkErrorData,
  CompleteData,
  ContentData,
  FallbackData,
  WarningData,
  ProgressData,
  ReasoningData,
  SourceData,
  ObjectPartialData,
  ObjectElementData,
  ObjectData,
  ToolApprovalData,
  ToolCallData,
  ToolCallDeltaData,
  ToolResultData,
  RetryData,
  StartData,
  StreamEvent,
  StreamErrorData,
} from './stream-events.js';

// The types of `streamChat()`: its options and handlers, the connection states, the outcome.

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
  /** A piece of a tool call's arguments, while they stream (never for a call that arrives whole, e.g. Gemini's). */
  onToolCallDelta?(data: ToolCallDeltaData, event: StreamEvent): void;
  /** A tool call with its whole (parsed) arguments: the first event of a call that arrived whole (no delta before it). */
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

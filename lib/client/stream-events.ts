/**
 * The events `@SseStream()` routes send, as the client delivers them. Every event carries
 * its name, its parsed data, its id (`<streamId>-<seq>`) and its sequence number.
 */

/** Token usage, as the server reports it in `complete`. */
export interface StreamUsage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
}

/** `start`: the engine accepted the request. */
export interface StartData {
  streamId: string;
  engine: string | null;
  model: string | null;
}

/** `content`: the next piece of the answer. */
export interface ContentData {
  content: string;
  index?: number;
}

/** `progress`: how far the answer is. */
export interface ProgressData {
  processed: number;
  total: number;
  percent: number;
}

/** `complete`: the answer is whole. */
export interface CompleteData {
  finishReason: string;
  usage: StreamUsage | null;
}

/** `chunk_error`: one chunk was skipped; the answer goes on. */
export interface ChunkErrorData {
  message: string;
  index?: number;
}

/**
 * `stream_error`: the answer failed for good (sanitised: no secrets, no stack). The client
 * also reports a `resync` event (the server no longer holds the missed events) this way,
 * with code `resync` and `retryable: true`.
 */
export interface StreamErrorData {
  code: string;
  message: string;
  retryable: boolean;
}

/** `retry`: the engine tries again. With `reset`, the partial answer shown so far is void. */
export interface RetryData {
  attempt: number;
  maxAttempts: number;
  delayMs: number;
  reset: boolean;
}

/** `fallback`: the engine switched to another one. With `reset`, the partial answer is void. */
export interface FallbackData {
  from: string;
  to: string;
  reason: string;
  reset?: boolean;
}

/** The data of each event the library itself sends, by name. */
/** `warning`: an option the provider could not honour (sent after `start`). */
export interface WarningData {
  type: 'unsupported-option' | 'other';
  option?: string;
  message: string;
}

export interface StreamEventDataMap {
  start: StartData;
  content: ContentData;
  progress: ProgressData;
  keepalive: unknown;
  complete: CompleteData;
  chunk_error: ChunkErrorData;
  stream_error: StreamErrorData;
  retry: RetryData;
  fallback: FallbackData;
  warning: WarningData;
  resync: unknown;
}

export type KnownStreamEventName = keyof StreamEventDataMap;

interface EventBase {
  /** The `id` field: `<streamId>-<seq>`, or undefined when the server sent none. */
  id: string | undefined;
  /** The sequence number from the id, when it has one. */
  seq: number | undefined;
  /** The data exactly as received. */
  raw: string;
}

/** A library event: `event` names it, `data` is typed accordingly; `custom` is false. */
export type KnownStreamEvent = {
  [K in KnownStreamEventName]: EventBase & { custom: false; event: K; data: StreamEventDataMap[K] };
}[KnownStreamEventName];

/** An event the app sent itself (`sseEvent('sources', …)`): data is parsed JSON, or the text. */
export interface CustomStreamEvent extends EventBase {
  custom: true;
  event: string;
  data: unknown;
}

/**
 * Every event the client delivers. Narrow it with `isStreamEvent(event, 'content')`, or with
 * `!event.custom && event.event === 'content'`.
 */
export type StreamEvent = KnownStreamEvent | CustomStreamEvent;

/** Narrows an event to one of the library's by name: `if (isStreamEvent(e, 'content')) e.data.content`. */
export function isStreamEvent<K extends KnownStreamEventName>(
  event: StreamEvent,
  name: K,
): event is Extract<KnownStreamEvent, { event: K }> {
  return !event.custom && event.event === name;
}

const KNOWN = new Set<string>(['start', 'content', 'progress', 'keepalive', 'complete', 'chunk_error', 'stream_error', 'retry', 'fallback', 'warning', 'resync']);

/** True for the event names the library sends itself. */
export function isKnownEventName(name: string): name is KnownStreamEventName {
  return KNOWN.has(name);
}

/** Splits `<streamId>-<seq>` (the stream id may itself hold `-`). */
export function parseEventId(id: string | undefined): { streamId: string; seq: number } | undefined {
  if (id === undefined) return undefined;
  const dash = id.lastIndexOf('-');
  if (dash <= 0) return undefined;
  const tail = id.slice(dash + 1);
  if (!/^[0-9]{1,15}$/.test(tail)) return undefined;
  return { streamId: id.slice(0, dash), seq: Number(tail) };
}

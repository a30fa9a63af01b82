/**
 * The events `@SseStream()` routes send, as the client delivers them. Every event carries
 * its name, its parsed data, its id (`<streamId>-<seq>`) and its sequence number.
 */

import type { KnownStreamEventName, StreamEventDataMap } from '../protocol/events.js';

// The event names and their data types are defined once, in lib/protocol/ (shared with the server).
export type {
  StreamUsage,
  StartData,
  ContentData,
  ProgressData,
  CompleteData,
  ChunkErrorData,
  StreamErrorData,
  RetryData,
  FallbackData,
  WarningData,
  StreamEventDataMap,
  KnownStreamEventName,
  // tool calling, reasoning and sources
  StreamStepData,
  ToolCallDeltaData,
  ToolCallData,
  ToolResultData,
  ToolApprovalData,
  ReasoningData,
  SourceData,
  // structured output
  ObjectPartialData,
  ObjectElementData,
  ObjectData,
} from '../protocol/events.js';

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
export function isStreamEvent<K extends KnownStreamEventName>(event: StreamEvent, name: K): event is Extract<KnownStreamEvent, { event: K }> {
  return !event.custom && event.event === name;
}

export { isKnownEventName } from '../protocol/events.js';
export { parseEventId } from '../protocol/event-id.js';

/** Where a stream is: running, or how it ended. */
export type SseStreamState = 'running' | 'completed' | 'failed' | 'stopped' | 'aborted';

/** What the store knows of a stream, wherever it runs. */
export interface SseStreamInfo {
  streamId: string;
  state: SseStreamState;
  /** The scope it was started with (see the `scope` option). */
  scope: string | undefined;
  /** Sequence number of the last event written so far (the final one once it ended). */
  lastSeq: number;
  /** Whether its events are kept (resumable routes), or only its state (`onDisconnect: 'abort'`). */
  storesEvents: boolean;
}

/** Result of reading the events after a sequence number. */
export type ReplaySlice =
  /** The encoded events with seq > after, in order; `nextSeq` is the seq after the last one. */
  | { kind: 'events'; events: string[]; nextSeq: number }
  /** Some of the events asked for are no longer held. */
  | { kind: 'gone' };

/** Splits an event id `<streamId>-<seq>`; undefined when it is not one (the one format, from lib/protocol/). */
export { parseEventId as parseSseEventId } from '../../protocol/event-id.js';

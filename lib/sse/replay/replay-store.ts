import type { SseStreamInfo, SseStreamState } from './replay-record.js';

/** A message on the control channel: stop a stream, or a follower came / left. */
export interface SseControlMessage {
  type: 'stop' | 'attach' | 'detach';
  streamId: string;
}

/** The events held after a sequence number. */
export type ReplayRange =
  /** In order; `end` when the stream's end came with them; `cursor` is where `follow` goes on from. */
  | { kind: 'events'; events: string[]; end?: SseStreamState; cursor: string }
  /** Some of the events asked for are no longer held (trimmed, expired, or lost while the store was away). */
  | { kind: 'gone' };

/** What a follower gets: encoded event text, and the end of the stream (`expired`: the rest is not held). */
export interface ReplayFollowHandlers {
  onText(text: string): void;
  onEnd(state: SseStreamState | 'expired'): void;
}

/**
 * Where a stream's encoded events and state are kept for resumption: in this process
 * (`MemoryReplayStore`) or in Redis for every instance (`RedisReplayStore`). `SseStreams` writes
 * every stream through it and serves every resume of a stream that does not run here from it,
 * the same way whatever the storage (see `SseStreams.attach`).
 */
export interface ReplayStore {
  /** Whether other app instances see what is stored (Redis) or only this process (memory). */
  readonly shared: boolean;
  /** Whether it answers now (the memory store always does). */
  readonly ready: boolean;
  /** A stream started. */
  start(info: SseStreamInfo): void;
  /** Event `seq` of a stream, encoded. */
  append(streamId: string, seq: number, text: string): void;
  /** The stream ended in `state` after event `lastSeq`. */
  finish(streamId: string, state: SseStreamState, lastSeq: number): void;
  /** What is known of a stream; undefined when unknown (or expired). */
  info(streamId: string): Promise<SseStreamInfo | undefined>;
  /** The events after `afterSeq`. */
  range(streamId: string, afterSeq: number): Promise<ReplayRange>;
  /** Follows a running stream live from `cursor` (from `range`); returns a cancel function. */
  follow(streamId: string, cursor: string, handlers: ReplayFollowHandlers): () => void;
  /** Sends a control message to every instance that sees this store (this one included for memory). */
  publish(message: SseControlMessage): Promise<unknown>;
  /** Remembers `streamId` as the latest stream of `key` (e.g. a chat) while it is kept. */
  link(key: string, streamId: string): Promise<void>;
  /** The latest stream linked to `key`, if any. */
  linked(key: string): Promise<string | undefined>;
  close(): Promise<void>;
}

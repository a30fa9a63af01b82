import type { ReplayRecord } from './replay/memory-replay-buffer.js';
import type { SseStreamState } from './replay/replay-record.js';

/** Where a stream's events are kept for a reconnect (SseStreams: in process, and in Redis). */
export interface ReplayRecordHost<Owner> {
  /** Creates the stream's replay record (events kept or not). */
  openRecord(owner: Owner): ReplayRecord;
  /** An event was numbered and encoded: keep it where the replay store wants it. */
  recordEvent(owner: Owner, text: string): void;
  /** The stream ended: keep its state for the retention window. */
  closeRecord(owner: Owner, state: SseStreamState): void;
}

/**
 * One stream's replay recording: opened when the response is committed, given every event
 * written (in order: the record's `lastSeq` numbers them, see EventSequence), closed once
 * with the stream's final state. Nothing is recorded before `open()` or after `close()`.
 */
export class ReplayRecording<Owner> {
  private current?: ReplayRecord;
  private closed = false;

  /** `owner` is what the host knows the stream by (the session). */
  constructor(
    private readonly host: ReplayRecordHost<Owner>,
    private readonly owner: Owner,
  ) {}

  /** The record, once opened. */
  get record(): ReplayRecord | undefined {
    return this.current;
  }

  /** Opens the record (once). */
  open(): ReplayRecord {
    return (this.current ??= this.host.openRecord(this.owner));
  }

  /** Keeps one encoded event; the record's `lastSeq` is its seq afterwards. */
  add(text: string): void {
    if (this.current && !this.closed) this.host.recordEvent(this.owner, text);
  }

  /** The stream ended in `state` (nothing happens when the record was never opened). */
  close(state: SseStreamState): void {
    if (!this.current || this.closed) return;
    this.closed = true;
    this.host.closeRecord(this.owner, state);
  }
}

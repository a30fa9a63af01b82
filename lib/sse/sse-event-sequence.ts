import { encodeSseEvent } from '../protocol/sse-encoder.js';
import { formatEventId } from '../protocol/event-id.js';

/** Where the sequence numbers come from: the replay record counts the events it was given. */
export interface SequenceSource {
  /** seq of the last event recorded (0 before the first). */
  readonly lastSeq: number;
}

/**
 * The event-id sequence of one stream: each event it frames carries the id
 * `<streamId>-<seq>` (`formatEventId`), seq 1, 2, … in the order the events are recorded. The
 * counter is the replay record's `lastSeq` (one source of truth: the store numbers what it
 * keeps), so the frame for the next event must be recorded before the one after it is built.
 *
 * Three ways to frame an event, from the general to the per-token path: `event()` encodes any
 * name and data (escaping CR/LF, splitting lines); `json()` writes a name known to be a safe
 * field value and JSON text (no raw CR or LF) as one string; `data()` writes a message
 * without a name (the UI message protocol's chunks).
 */
export class EventSequence {
  /** `id: <streamId>-`, built once: the per-token frames are one template string. */
  private readonly idPrefix: string;
  private source?: SequenceSource;

  constructor(readonly streamId: string) {
    this.idPrefix = `id: ${streamId}-`;
  }

  /** Starts numbering from `source` (the stream's replay record, opened at commit). */
  start(source: SequenceSource): void {
    this.source = source;
  }

  /** Whether the stream is committed: events can be numbered. */
  get started(): boolean {
    return this.source !== undefined;
  }

  /** Any event: `data` is sent as it is (a string: lines split, CR/LF escaped by the encoder). */
  event(event: string, data: string): string {
    return encodeSseEvent({ id: formatEventId(this.streamId, this.source!.lastSeq + 1), event, data });
  }

  /** The per-token path: `event` is a safe field value (ours), `json` JSON text (no raw CR or LF). */
  json(event: string, json: string): string {
    return `${this.idPrefix}${this.source!.lastSeq + 1}\nevent: ${event}\ndata: ${json}\n\n`;
  }

  /** A `content` event (`json` as for `json()`): the name is part of the template. */
  content(json: string): string {
    return `${this.idPrefix}${this.source!.lastSeq + 1}\nevent: content\ndata: ${json}\n\n`;
  }

  /** A message without a name (`json` as for `json()`, or `[DONE]`). */
  data(json: string): string {
    return `${this.idPrefix}${this.source!.lastSeq + 1}\ndata: ${json}\n\n`;
  }
}

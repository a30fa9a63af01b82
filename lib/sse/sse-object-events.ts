import type { ObjectStreamPart } from '../object/object-options.interface.js';

/** The shortest gap between two `object_partial` events, in ms (each carries the whole partial object). */
export const OBJECT_PARTIAL_INTERVAL_MS = 50;

/** What the object events need from the session. */
export interface ObjectEventSink {
  emit(event: string, data: unknown): void;
  /** The final part's finish, for `complete`. */
  objectFinished(finishReason: string, usage: unknown): void;
}

/**
 * Maps streamObject() parts to SSE events: `object_partial` `{ object }` (at most one per
 * model delta, and one per OBJECT_PARTIAL_INTERVAL_MS), `object_element` `{ index, element }`,
 * `warning`, and `object` `{ object }` once validated. A `reset` needs no event: the `retry` /
 * `fallback` event says so, and the next `object_partial` holds the whole object again.
 */
export class ObjectEvents {
  private lastPartialAt = 0;

  constructor(private readonly sink: ObjectEventSink) {}

  handle(part: ObjectStreamPart<unknown>): void {
    switch (part.type) {
      case 'partial': {
        const now = Date.now();
        if (now - this.lastPartialAt < OBJECT_PARTIAL_INTERVAL_MS) return;
        this.lastPartialAt = now;
        this.sink.emit('object_partial', { object: part.object });
        return;
      }
      case 'element':
        this.sink.emit('object_element', { index: part.index, element: part.element });
        return;
      case 'warning':
        this.sink.emit('warning', part.warning);
        return;
      case 'reset':
        this.lastPartialAt = 0;
        return;
      case 'object':
        this.sink.objectFinished(part.finishReason, part.usage);
        this.sink.emit('object', { object: part.object });
        return;
    }
  }
}

const SSE_EVENT = Symbol.for('bupple.nestjs-ai-engine.sse-event');

/** A named event a handler emits through `@SseStream()` besides its chunks. */
export interface SseEvent<T = unknown> {
  readonly [SSE_EVENT]: true;
  /** Event name (`event:` field). */
  event: string;
  /** Sent as JSON, or as it is for a string. */
  data: T;
}

/** Makes a named event to emit from a handler's Observable, e.g. `sseEvent('sources', [...])`. */
export function sseEvent<T>(event: string, data: T): SseEvent<T> {
  return { [SSE_EVENT]: true, event, data };
}

export function isSseEvent(value: unknown): value is SseEvent {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[SSE_EVENT] === true;
}

/** NestJS's own `MessageEvent` shape `{ data, type?, id?, retry? }` and nothing else. */
export function isMessageEvent(value: unknown): value is { data: unknown; type?: string } {
  if (typeof value !== 'object' || value === null || !('data' in value)) return false;
  for (const key of Object.keys(value)) if (key !== 'data' && key !== 'type' && key !== 'id' && key !== 'retry') return false;
  return true;
}

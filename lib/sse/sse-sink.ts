import type { SseStreamState } from './replay/replay-record.js';
import type { EventSequence } from './sse-event-sequence.js';
import type { SsePartSink } from './sse-tool-events.js';
import { UI_DONE, UiMessageTranslator } from './ui-message-protocol.js';

/** Longest `content` of one event: a longer engine delta is split into several events. */
export const CONTENT_PIECE_CHARS = 16 * 1024;

/** `text` in pieces of at most `size` characters, never splitting a surrogate pair. */
export function pieces(text: string, size: number): string[] {
  const out: string[] = [];
  for (let at = 0; at < text.length;) {
    let end = Math.min(text.length, at + size);
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end--;
    out.push(text.slice(at, end));
    at = end;
  }
  return out;
}

/** Where framed events go: recorded for replay, then written to the connections (the session). */
export interface SseFrameOutput {
  send(text: string): void;
}

/**
 * The wire protocol of one stream, chosen once per route (`protocol`): the library's events
 * (`EventSink`) or the AI SDK's UI message stream (`UiMessageSink`). The session hands it each
 * event as the library names it; the sink frames it (numbered by the EventSequence) and sends
 * it. The session calls it only once committed and while not ended.
 */
export interface SseSink extends SsePartSink {
  /** Any event: a string `data` is sent as it is (already JSON, or text), anything else as JSON. */
  emit(event: string, data: unknown): void;
  /** One piece of the answer's text (the per-token path), of choice `index`. */
  text(content: string, index: number): void;
  /** The stream ends in `state`: what the protocol sends last (nothing for events). */
  end(state: SseStreamState): void;
}

/** The library's SSE events: `id`, `event` and one `data` line of JSON per event. */
export class EventSink implements SseSink {
  constructor(
    private readonly ids: EventSequence,
    private readonly out: SseFrameOutput,
  ) {}

  emit(event: string, data: unknown): void {
    this.out.send(this.ids.event(event, typeof data === 'string' ? data : JSON.stringify(data)));
  }

  /** `json` is written as it is; `fields` (the same data) is for sinks that do not write JSON. */
  emitRaw(event: string, json: string, _fields: object): void {
    this.out.send(this.ids.json(event, json));
  }

  /** A `content` event built as one string; a delta longer than CONTENT_PIECE_CHARS goes out as several (same index), each small enough to replay. */
  text(content: string, index: number): void {
    if (content.length <= CONTENT_PIECE_CHARS) this.out.send(this.ids.content(`{"content":${JSON.stringify(content)},"index":${index}}`));
    else for (const piece of pieces(content, CONTENT_PIECE_CHARS)) this.out.send(this.ids.content(`{"content":${JSON.stringify(piece)},"index":${index}}`));
  }

  end(): void {}
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/**
 * The UI message stream protocol (`protocol: 'ui-message'`): each event becomes the chunks
 * the translator gives, one SSE message each, numbered like events (so that resuming works
 * the same); the stream ends with `abort` (when stopped) and `[DONE]`.
 */
export class UiMessageSink implements SseSink {
  constructor(
    private readonly ids: EventSequence,
    private readonly out: SseFrameOutput,
    private readonly ui: UiMessageTranslator,
  ) {}

  emit(event: string, data: unknown): void {
    this.sendChunks(this.ui.translate(event, typeof data === 'string' ? safeParse(data) : data));
  }

  /** The translator takes the fields as they are: the JSON just built is never parsed back. */
  emitRaw(event: string, _json: string, fields: object): void {
    this.sendChunks(this.ui.translate(event, fields));
  }

  text(content: string): void {
    const json = this.ui.textDeltaJson(content);
    if (json === undefined) this.sendChunks(this.ui.textDelta(content));
    else this.out.send(this.ids.data(json));
  }

  end(state: SseStreamState): void {
    if (state === 'stopped') this.sendChunks(this.ui.aborted());
    this.out.send(this.ids.data(UI_DONE));
  }

  private sendChunks(chunks: Record<string, unknown>[]): void {
    for (const chunk of chunks) this.out.send(this.ids.data(JSON.stringify(chunk)));
  }
}

/** The sink of a route's `protocol` (`ui-message`: the request's UI translator is made here, so that `uiTranslatorOf(request)` finds it). */
export function createSseSink(protocol: 'events' | 'ui-message' | undefined, request: object, ids: EventSequence, out: SseFrameOutput): SseSink {
  return protocol === 'ui-message' ? new UiMessageSink(ids, out, UiMessageTranslator.forRequest(request, `msg-${ids.streamId}`)) : new EventSink(ids, out);
}

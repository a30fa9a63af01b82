/**
 * A small Server-Sent Events parser that follows the WHATWG HTML "event stream" rules
 * (section 9.2.6): UTF-8 with an optional leading BOM; lines end with CRLF, LF or CR; `data`
 * lines join with LF; `id` values holding NUL are ignored; `retry` takes ASCII digits only;
 * lines starting with a colon are comments; a field without a colon has an empty value; an
 * unfinished event at the end of the stream is dropped.
 *
 * Bytes may be fed split anywhere, also inside a CRLF pair or a multi-byte UTF-8 character.
 * No dependency, no Node API: it runs in browsers and Node alike.
 */

/** One dispatched event. */
export interface SseMessage {
  /** The `id` field of this event, if it had one (`undefined` otherwise). */
  id: string | undefined;
  /** The last event ID as the spec keeps it: the latest `id` seen in the stream so far. */
  lastEventId: string;
  /** The event name; `message` when the event had no (or an empty) `event` field. */
  event: string;
  /** The data lines joined with LF. */
  data: string;
}

/** What the parser reports besides events. */
export interface SseParserCallbacks {
  onEvent(message: SseMessage): void;
  /** A `retry:` field with a valid value (ms). */
  onRetry?(ms: number): void;
  /** A comment line (`: text`), without the colon and one leading space. */
  onComment?(text: string): void;
}

const LF = 10;
const CR = 13;

export class SseParser {
  private decoder: TextDecoder | undefined;
  private pending = '';
  /** The previous chunk ended with CR: a LF at the start of the next one belongs to it. */
  private skipLf = false;
  private first = true;
  private data = '';
  private hasData = false;
  private eventType = '';
  private id: string | undefined;
  private lastId = '';

  constructor(private readonly callbacks: SseParserCallbacks) {}

  /** The last event ID buffer (what a reconnecting client sends as `Last-Event-ID`). */
  get lastEventId(): string {
    return this.lastId;
  }

  /** Feeds bytes (decoded as a UTF-8 stream) or text. */
  feed(chunk: Uint8Array | string): void {
    let text: string;
    if (typeof chunk === 'string') {
      text = chunk;
      if (this.first && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      if (text !== '') this.first = false;
    } else {
      // TextDecoder strips one leading BOM and keeps a split character for the next call
      this.decoder ??= new TextDecoder('utf-8');
      text = this.decoder.decode(chunk, { stream: true });
      if (chunk.byteLength > 0) this.first = false;
    }
    if (text === '') return;
    this.process(text);
  }

  /**
   * The stream ended: flushes the decoder. An event without its closing blank line is
   * dropped, as the spec says.
   */
  end(): void {
    if (this.decoder) {
      const rest = this.decoder.decode();
      if (rest !== '') this.process(rest);
    }
    this.reset();
  }

  /** Forgets everything but the last event ID (a new connection starts). */
  reset(): void {
    this.decoder = undefined;
    this.pending = '';
    this.skipLf = false;
    this.first = true;
    this.data = '';
    this.hasData = false;
    this.eventType = '';
    this.id = undefined;
  }

  private process(text: string): void {
    let start = 0;
    if (this.skipLf) {
      this.skipLf = false;
      if (text.charCodeAt(0) === LF) start = 1;
    }
    const length = text.length;
    let i = start;
    let buffered = this.pending;
    this.pending = '';
    while (i < length) {
      const code = text.charCodeAt(i);
      if (code !== LF && code !== CR) {
        i++;
        continue;
      }
      const line = buffered === '' ? text.slice(start, i) : buffered + text.slice(start, i);
      buffered = '';
      if (code === CR) {
        if (i + 1 < length) {
          if (text.charCodeAt(i + 1) === LF) i++;
        } else {
          this.skipLf = true;
        }
      }
      i++;
      start = i;
      this.line(line);
    }
    this.pending = buffered + text.slice(start);
  }

  private line(line: string): void {
    if (line === '') {
      this.dispatch();
      return;
    }
    const colon = line.indexOf(':');
    if (colon === 0) {
      this.callbacks.onComment?.(line.charCodeAt(1) === 32 ? line.slice(2) : line.slice(1));
      return;
    }
    let field: string;
    let value: string;
    if (colon === -1) {
      field = line;
      value = '';
    } else {
      field = line.slice(0, colon);
      value = line.slice(line.charCodeAt(colon + 1) === 32 ? colon + 2 : colon + 1);
    }
    switch (field) {
      case 'data':
        this.data = this.hasData ? `${this.data}\n${value}` : value;
        this.hasData = true;
        break;
      case 'event':
        this.eventType = value;
        break;
      case 'id':
        if (value.indexOf('\0') === -1) {
          this.id = value;
          this.lastId = value;
        }
        break;
      case 'retry':
        if (/^[0-9]+$/.test(value)) this.callbacks.onRetry?.(Number.parseInt(value, 10));
        break;
      default:
        // unknown fields are ignored
        break;
    }
  }

  private dispatch(): void {
    const hasData = this.hasData;
    const message: SseMessage = { id: this.id, lastEventId: this.lastId, event: this.eventType || 'message', data: this.data };
    this.data = '';
    this.hasData = false;
    this.eventType = '';
    this.id = undefined;
    if (hasData) this.callbacks.onEvent(message);
  }
}

/** Parses a whole SSE body (text, bytes, or chunks of either) into its events. */
export function parseSse(input: string | Uint8Array | readonly (string | Uint8Array)[]): SseMessage[] {
  const events: SseMessage[] = [];
  const parser = new SseParser({ onEvent: (message) => events.push(message) });
  const chunks = typeof input === 'string' || input instanceof Uint8Array ? [input] : input;
  for (const chunk of chunks) parser.feed(chunk);
  parser.end();
  return events;
}

/**
 * A small Server-Sent Events parser that follows the WHATWG HTML "event stream" rules
 * (section 9.2.6): UTF-8 with an optional leading BOM (only the stream's first, however the
 * text is chunked); lines end with CRLF, LF or CR; `data` lines join with LF; `id` values
 * holding NUL are ignored; the last event ID changes when an event is dispatched, not when
 * its `id:` line is read; `retry` takes ASCII digits only; lines starting with a colon are
 * comments; a field without a colon has an empty value; an unfinished event at the end of
 * the stream is dropped.
 *
 * Bytes may be fed split anywhere, also inside a CRLF pair or a multi-byte UTF-8 character.
 * A line, or the data of one event, longer than `maxLength` characters fails the stream with
 * an `SseLimitError` (so a peer that never sends a line break cannot exhaust memory).
 * No dependency, no Node API: it runs in browsers and Node alike (the browser client uses it;
 * the provider transport reads every provider body with it; see bench/sse-parser.mjs for its speed).
 */

/** One dispatched event. */
export interface SseMessage {
  /** The `id` field of this event, if it had one (`undefined` otherwise). */
  id: string | undefined;
  /** The last event ID as the spec keeps it, once this event is dispatched. */
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

/** Options of either parser. */
export interface SseParserOptions {
  /**
   * Longest line, and longest data of one event, in characters (UTF-16 code units).
   * Default `DEFAULT_SSE_MAX_LENGTH` (8 Mi). Above it `feed()` throws an `SseLimitError`.
   */
  maxLength?: number;
  /**
   * Makes the UTF-8 stream decoder `feed()` uses for bytes (one per stream). Default: the
   * WHATWG `TextDecoder`, which runs everywhere. On Node, `nodeUtf8Decoder` (node:string_decoder)
   * decodes the same bytes to the same text about four times faster.
   */
  decoder?: () => Utf8StreamDecoder;
}

/** A UTF-8 decoder that keeps a character split between chunks for the next call; no BOM handling (the parser strips the first). */
export interface Utf8StreamDecoder {
  decode(bytes: Uint8Array): string;
  /** The stream ended: what is left (a cut-off character becomes U+FFFD). */
  end(): string;
}

/** The WHATWG decoder, as a `Utf8StreamDecoder` (fatal: false; the BOM left to the parser). */
export function textUtf8Decoder(): Utf8StreamDecoder {
  const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  return { decode: (bytes) => decoder.decode(bytes, { stream: true }), end: () => decoder.decode() };
}

/** The default cap on a line and on one event's data: 8 Mi characters (16 MiB of UTF-16 at most). */
export const DEFAULT_SSE_MAX_LENGTH = 8 * 1024 * 1024;

/** A line or an event went over the parser's `maxLength`: the stream cannot be read on. */
export class SseLimitError extends Error {
  readonly code = 'sse_limit';
  constructor(
    readonly what: 'line' | 'event',
    readonly limit: number,
  ) {
    super(`An event stream ${what} is longer than ${limit} characters.`);
    this.name = 'SseLimitError';
  }

  /** Duck-typed: also true for an error from another copy of this file (the browser bundle). */
  static isInstance(error: unknown): error is SseLimitError {
    return (
      typeof error === 'object' &&
      error !== null &&
      (error as { name?: unknown }).name === 'SseLimitError' &&
      (error as { code?: unknown }).code === 'sse_limit'
    );
  }
}

/** The interface both parsers share. */
export interface SseStreamParser {
  /** The last event ID string (what a reconnecting client sends as `Last-Event-ID`). */
  readonly lastEventId: string;
  /** Feeds bytes (decoded as a UTF-8 stream) or text. May throw an `SseLimitError`. */
  feed(chunk: Uint8Array | string): void;
  /** The stream ended: flushes the decoder; an event without its closing blank line is dropped. */
  end(): void;
  /** Forgets everything but the last event ID (a new connection starts). */
  reset(): void;
}

const LF = 10;
const BOM = 0xfeff;

export class SseParser implements SseStreamParser {
  private decoder: Utf8StreamDecoder | undefined;
  private readonly makeDecoder: () => Utf8StreamDecoder;
  private pending = '';
  /** The previous chunk ended with CR: a LF at the start of the next one belongs to it. */
  private skipLf = false;
  /** No character of this stream seen yet (a BOM may still come). */
  private first = true;
  private data = '';
  private hasData = false;
  private eventType = '';
  /** This block's own `id` field. */
  private id: string | undefined;
  /** The spec's "last event ID buffer": set by `id:` lines, kept across events. */
  private idBuffer = '';
  /** The spec's "last event ID string": set from the buffer when an event is dispatched. */
  private lastId = '';
  private readonly maxLength: number;

  constructor(
    private readonly callbacks: SseParserCallbacks,
    options: SseParserOptions = {},
  ) {
    this.maxLength = options.maxLength ?? DEFAULT_SSE_MAX_LENGTH;
    this.makeDecoder = options.decoder ?? textUtf8Decoder;
  }

  get lastEventId(): string {
    return this.lastId;
  }

  feed(chunk: Uint8Array | string): void {
    let text: string;
    if (typeof chunk === 'string') {
      text = chunk;
    } else {
      // fatal: false; the decoder keeps a split character for the next call
      this.decoder ??= this.makeDecoder();
      text = this.decoder.decode(chunk);
    }
    if (text === '') return;
    if (this.first) {
      this.first = false;
      if (text.charCodeAt(0) === BOM) {
        text = text.slice(1);
        if (text === '') return;
      }
    }
    this.process(text);
  }

  end(): void {
    if (this.decoder) {
      const rest = this.decoder.end();
      if (rest !== '') this.feed(rest);
    }
    this.reset();
  }

  reset(): void {
    this.decoder = undefined;
    this.pending = '';
    this.skipLf = false;
    this.first = true;
    this.data = '';
    this.hasData = false;
    this.eventType = '';
    this.id = undefined;
    this.idBuffer = this.lastId;
  }

  private fail(what: 'line' | 'event'): never {
    const limit = this.maxLength;
    this.reset();
    throw new SseLimitError(what, limit);
  }

  private process(text: string): void {
    let start = 0;
    if (this.skipLf) {
      this.skipLf = false;
      if (text.charCodeAt(0) === LF) start = 1;
    }
    const length = text.length;
    let buffered = this.pending;
    this.pending = '';
    // Line ends are found with indexOf (native and fast); the lines are read in place.
    let cr = text.indexOf('\r', start);
    let lf = text.indexOf('\n', start);
    while (cr !== -1 || lf !== -1) {
      const end = cr === -1 ? lf : lf === -1 ? cr : cr < lf ? cr : lf;
      if (buffered === '') {
        if (end - start > this.maxLength) this.fail('line');
        this.line(text, start, end);
      } else {
        const line = buffered + text.slice(start, end);
        buffered = '';
        if (line.length > this.maxLength) this.fail('line');
        this.line(line, 0, line.length);
      }
      start = end + 1;
      if (end === cr) {
        if (start < length) {
          if (text.charCodeAt(start) === LF) start++;
        } else {
          this.skipLf = true;
        }
        if (cr !== -1 && cr < start) cr = text.indexOf('\r', start);
      }
      if (lf !== -1 && lf < start) lf = text.indexOf('\n', start);
      if (cr !== -1 && cr < start) cr = text.indexOf('\r', start);
    }
    const rest = buffered.length + (length - start);
    if (rest > this.maxLength) this.fail('line');
    this.pending = rest === 0 ? '' : buffered === '' ? text.slice(start) : buffered + text.slice(start);
  }

  /** One line: `text` from `start` to `end` (no line break in it). */
  private line(text: string, start: number, end: number): void {
    if (start === end) {
      this.dispatch();
      return;
    }
    const c0 = text.charCodeAt(start);
    // the per-token path: `data:` read without slicing the field name
    if (
      c0 === 100 &&
      text.charCodeAt(start + 1) === 97 &&
      text.charCodeAt(start + 2) === 116 &&
      text.charCodeAt(start + 3) === 97 &&
      text.charCodeAt(start + 4) === 58
    ) {
      this.appendData(text.slice(text.charCodeAt(start + 5) === 32 ? start + 6 : start + 5, end));
      return;
    }
    if (c0 === 58) {
      this.callbacks.onComment?.(text.slice(text.charCodeAt(start + 1) === 32 ? start + 2 : start + 1, end));
      return;
    }
    const colon = text.indexOf(':', start);
    let field: string;
    let value: string;
    if (colon === -1 || colon >= end) {
      field = text.slice(start, end);
      value = '';
    } else {
      field = text.slice(start, colon);
      value = text.slice(text.charCodeAt(colon + 1) === 32 && colon + 1 < end ? colon + 2 : colon + 1, end);
    }
    switch (field) {
      case 'data':
        this.appendData(value);
        break;
      case 'event':
        this.eventType = value;
        break;
      case 'id':
        if (value.indexOf('\0') === -1) {
          this.id = value;
          this.idBuffer = value;
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

  private appendData(value: string): void {
    if (this.hasData) {
      if (this.data.length + 1 + value.length > this.maxLength) this.fail('event');
      this.data = `${this.data}\n${value}`;
    } else {
      this.data = value;
      this.hasData = true;
    }
  }

  private dispatch(): void {
    this.lastId = this.idBuffer;
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
export function parseSse(input: string | Uint8Array | readonly (string | Uint8Array)[], options?: SseParserOptions): SseMessage[] {
  const events: SseMessage[] = [];
  const parser = new SseParser({ onEvent: (message) => events.push(message) }, options);
  const chunks = typeof input === 'string' || input instanceof Uint8Array ? [input] : input;
  for (const chunk of chunks) parser.feed(chunk);
  parser.end();
  return events;
}

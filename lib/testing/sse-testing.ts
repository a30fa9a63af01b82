import { parseSse, SseParser, type SseMessage } from '../protocol/sse-parser.js';

/** One event read from raw SSE bytes. */
export interface ParsedSseEvent {
  /** The event's own `id` field, if it had one. */
  id: string | undefined;
  /** The event name (`message` when none). */
  event: string;
  /** The data lines joined with LF. */
  data: string;
  /** The data parsed as JSON; `undefined` when it is not JSON. */
  json?: unknown;
}

/** Raw SSE input: text, bytes, or a list of chunks (split anywhere). */
export type SseInput = string | Uint8Array | readonly (string | Uint8Array)[];

function toParsed(message: SseMessage): ParsedSseEvent {
  const event: ParsedSseEvent = { id: message.id, event: message.event, data: message.data };
  try {
    event.json = JSON.parse(message.data);
  } catch {
    // not JSON: leave json undefined
  }
  return event;
}

/**
 * Parses raw SSE bytes the way a browser does (the spec's rules, through the client's own
 * parser): `parseSseBytes(await response.text())`.
 */
export function parseSseBytes(input: SseInput): ParsedSseEvent[] {
  return parseSse(input).map(toParsed);
}

/** What `readSseResponse()` read. */
export interface SseResponseResult {
  status: number;
  headers: Headers;
  /** Everything received, as text. */
  raw: string;
  events: ParsedSseEvent[];
  /** The `retry:` value, if the server sent one. */
  retry?: number;
  /** The comment lines (e.g. keepalives), without the colon. */
  comments: string[];
  /** True when the reading stopped at `stopAfter` (the connection was cut by the client). */
  cut: boolean;
}

export interface ReadSseOptions extends RequestInit {
  /** Cut the connection once this many events arrived (a client that goes away). */
  stopAfter?: number;
  /** Give up after this long (the request is aborted and the promise rejects). Default 10000. */
  timeoutMs?: number;
  /** Another fetch. Default: the global one. */
  fetch?: typeof fetch;
}

/**
 * Requests `url` (or reads a `Response` you already have) and collects its events. With
 * `stopAfter: n` it cuts the connection after event n, as a client that leaves would; the
 * server sees the connection close.
 */
export async function readSseResponse(target: string | URL | Response, options: ReadSseOptions = {}): Promise<SseResponseResult> {
  const { stopAfter, timeoutMs = 10_000, fetch: fetchImpl = globalThis.fetch, ...init } = options;
  const controller = new AbortController();
  const outer = init.signal;
  const onOuterAbort = () => controller.abort(outer?.reason);
  outer?.addEventListener('abort', onOuterAbort, { once: true });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  const events: ParsedSseEvent[] = [];
  const comments: string[] = [];
  let retry: number | undefined;
  let raw = '';
  let cut = false;
  const parser = new SseParser({
    onEvent: (message) => events.push(toParsed(message)),
    onRetry: (ms) => {
      retry = ms;
    },
    onComment: (text) => comments.push(text),
  });
  const textDecoder = new TextDecoder();
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  try {
    const response = target instanceof Response ? target : await fetchImpl(String(target), { ...init, signal: controller.signal });
    if (response.body) {
      reader = response.body.getReader();
      const onAbort = () => void reader?.cancel().catch(() => undefined);
      controller.signal.addEventListener('abort', onAbort, { once: true });
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          raw += textDecoder.decode(value, { stream: true });
          parser.feed(value);
          if (stopAfter !== undefined && events.length >= stopAfter) {
            cut = true;
            events.length = stopAfter;
            await reader.cancel();
            controller.abort();
            break;
          }
        }
      } finally {
        controller.signal.removeEventListener('abort', onAbort);
      }
      if (!cut) {
        raw += textDecoder.decode();
        parser.end();
      }
    }
    if (timedOut) throw new Error(`readSseResponse: no end after ${timeoutMs} ms`);
    return { status: response.status, headers: response.headers, raw, events, retry, comments, cut };
  } catch (error) {
    if (timedOut) throw new Error(`readSseResponse: no end after ${timeoutMs} ms`, { cause: error });
    throw error;
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener('abort', onOuterAbort);
  }
}

/**
 * A `fetch` that cuts event streams after `n` events, as a network that drops would: the
 * response body delivers those events, then fails; the request is aborted, so the server
 * sees the connection close. Only the first `times` event streams are cut (default 1), so
 * a client that reconnects gets through. Give it to the client as `fetch: cutAfter(20)`.
 */
export function cutAfter(n: number, options: { times?: number; fetch?: typeof fetch } = {}): typeof fetch {
  const inner = options.fetch ?? globalThis.fetch;
  let left = options.times ?? 1;
  const cutting: typeof fetch = async (input, init) => {
    if (left <= 0) return inner(input, init);
    const controller = new AbortController();
    const outer = init?.signal;
    if (outer?.aborted) controller.abort(outer.reason);
    const onOuterAbort = () => controller.abort(outer?.reason);
    outer?.addEventListener('abort', onOuterAbort, { once: true });
    let response: Response;
    try {
      response = await inner(input, { ...init, signal: controller.signal });
    } catch (error) {
      outer?.removeEventListener('abort', onOuterAbort);
      throw error;
    }
    if (!response.body || !/^text\/event-stream\b/i.test(response.headers.get('content-type') ?? '')) {
      return response;
    }
    left--;
    const reader = response.body.getReader();
    let count = 0;
    const parser = new SseParser({ onEvent: () => count++ });
    const encoder = new TextEncoder();
    const decoder = new TextDecoder();
    let severed = false;
    // the upstream request is aborted at once (the server sees the close); the reader gets
    // the bytes up to event n, then a network error on its next read
    const sever = () => {
      severed = true;
      controller.abort();
      outer?.removeEventListener('abort', onOuterAbort);
      void reader.cancel().catch(() => undefined);
    };
    // count events on the decoded text, and forward exactly the bytes up to the n-th event's end
    const body = new ReadableStream<Uint8Array>(
      {
        async pull(stream) {
          if (n <= 0 && !severed) sever();
          if (severed) {
            stream.error(new TypeError(`terminated: connection cut after event ${n} (cutAfter)`));
            return;
          }
          try {
            const { done, value } = await reader.read();
            if (done) {
              outer?.removeEventListener('abort', onOuterAbort);
              stream.close();
              return;
            }
            const text = decoder.decode(value, { stream: true });
            // feed character by character only up to the cut, so nothing after event n leaks
            let forwarded = '';
            for (const char of text) {
              const before = count;
              parser.feed(char);
              forwarded += char;
              if (count >= n && before < n) {
                stream.enqueue(encoder.encode(forwarded));
                sever();
                return;
              }
            }
            stream.enqueue(encoder.encode(forwarded));
          } catch (error) {
            outer?.removeEventListener('abort', onOuterAbort);
            stream.error(error);
          }
        },
        cancel(reason) {
          outer?.removeEventListener('abort', onOuterAbort);
          controller.abort();
          return reader.cancel(reason).catch(() => undefined);
        },
      },
      { highWaterMark: 0 },
    );
    return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  };
  return cutting;
}

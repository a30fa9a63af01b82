import { createParser, type EventSourceMessage } from 'eventsource-parser';

/** What a test read from an SSE response. */
export interface SseReadResult {
  status: number;
  headers: Headers;
  /** Raw bytes as text. */
  raw: string;
  /** Events as eventsource-parser delivers them; `event` defaults to `message`. */
  events: { id?: string; event: string; data: string }[];
}

/**
 * Requests `url` and reads the whole SSE response through eventsource-parser. With `stopAfter`,
 * aborts the request once that many events arrived (a client that leaves).
 */
export async function readSse(url: string, init: RequestInit & { stopAfter?: number; timeoutMs?: number } = {}): Promise<SseReadResult> {
  const controller = new AbortController();
  const timeout = setTimeout(() => controller.abort(new Error(`readSse timed out: ${url}`)), init.timeoutMs ?? 10_000);
  const events: SseReadResult['events'] = [];
  let raw = '';
  const parser = createParser({
    onEvent: (message: EventSourceMessage) => events.push({ id: message.id, event: message.event ?? 'message', data: message.data }),
  });
  try {
    const response = await fetch(url, { ...init, signal: controller.signal });
    const decoder = new TextDecoder();
    if (response.body) {
      const reader = response.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        const text = decoder.decode(value, { stream: true });
        raw += text;
        parser.feed(text);
        if (init.stopAfter !== undefined && events.length >= init.stopAfter) {
          controller.abort();
          break;
        }
      }
    }
    return { status: response.status, headers: response.headers, raw, events };
  } finally {
    clearTimeout(timeout);
  }
}

/** Posts JSON and reads the SSE answer. */
export function postSse(url: string, body: unknown, init: RequestInit & { stopAfter?: number } = {}): Promise<SseReadResult> {
  return readSse(url, { ...init, method: 'POST', headers: { 'content-type': 'application/json', ...(init.headers ?? {}) }, body: JSON.stringify(body) });
}

/** The JSON data of every event with this name. */
export function dataOf<T = any>(result: SseReadResult, event: string): T[] {
  return result.events.filter((e) => e.event === event).map((e) => JSON.parse(e.data) as T);
}

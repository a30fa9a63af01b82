import type { ChatStreamOptions } from './chat-stream-options.js';

/** Reconnection attempts in a row, by default. */
export const DEFAULT_RECONNECT_ATTEMPTS = 3;
const DEFAULT_DELAY = 1000;
const DEFAULT_MAX_DELAY = 30_000;
const DEFAULT_KEEPALIVE = 15_000;

/** The delay before reconnection `attempt` (1, 2, …): doubled each time from the option, else the server's `retry:`, else 1 s; capped. */
export function reconnectDelay(options: ChatStreamOptions, attempt: number, serverRetryMs: number | undefined): number {
  const base = options.reconnectDelay ?? serverRetryMs ?? DEFAULT_DELAY;
  const max = options.maxReconnectDelay ?? DEFAULT_MAX_DELAY;
  return Math.min(max, base * 2 ** (attempt - 1));
}

/** How long without a byte means the connection is dead: `idleTimeout`, else twice the keepalive interval. */
export function idleTimeoutOf(options: ChatStreamOptions): number {
  return options.idleTimeout ?? 2 * (options.keepaliveInterval ?? DEFAULT_KEEPALIVE);
}

/** The method of the first request: `method`, else POST with a body and GET without. */
export function requestMethod(options: ChatStreamOptions): string {
  return (options.method ?? (options.body !== undefined ? 'POST' : 'GET')).toUpperCase();
}

/** A GET can always go back to its URL; anything else needs `resumeUrl` and the stream id. */
export function canResume(options: ChatStreamOptions, streamId: string | undefined): boolean {
  return (options.resumeUrl !== undefined && streamId !== undefined) || requestMethod(options) === 'GET';
}

/** The app's headers for one request (a function is called every time). */
export function requestHeaders(options: ChatStreamOptions): Headers {
  const given = typeof options.headers === 'function' ? options.headers() : options.headers;
  return new Headers(given);
}

/**
 * The request of one connection: the first one as the app described it (method, JSON body);
 * a resumption as a GET on `resumeUrl` (or the stream's own URL) with the last event id, in
 * the header and/or the query as `lastEventIdIn` says. A POST is never sent twice.
 */
export function connectionRequest(
  options: ChatStreamOptions,
  resume: { streamId: string | undefined; lastEventId: string | undefined } | undefined,
): { url: string; init: RequestInit } {
  const headers = requestHeaders(options);
  headers.set('Accept', 'text/event-stream');
  const init: RequestInit = { headers, credentials: options.credentials, cache: 'no-store' };
  if (!resume) {
    init.method = requestMethod(options);
    if (options.body !== undefined) {
      headers.set('Content-Type', 'application/json');
      init.body = JSON.stringify(options.body);
    }
    return { url: String(options.url), init };
  }
  init.method = 'GET';
  let url = options.resumeUrl && resume.streamId !== undefined ? String(options.resumeUrl(resume.streamId)) : String(options.url);
  const where = options.lastEventIdIn ?? 'header';
  if (resume.lastEventId !== undefined) {
    if (where !== 'query') headers.set('Last-Event-ID', resume.lastEventId);
    if (where !== 'header') url = appendQuery(url, 'lastEventId', resume.lastEventId);
  }
  return { url, init };
}

function appendQuery(url: string, name: string, value: string): string {
  const hash = url.indexOf('#');
  const base = hash === -1 ? url : url.slice(0, hash);
  return `${base}${base.includes('?') ? '&' : '?'}${encodeURIComponent(name)}=${encodeURIComponent(value)}`;
}

/** An error answer's body: parsed JSON, else the text; undefined when empty or unreadable. */
export async function readErrorBody(response: Response): Promise<unknown> {
  let text: string;
  try {
    text = await response.text();
  } catch {
    return undefined;
  }
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * A timer that aborts a connection when no byte arrived for a while; `fired` tells a
 * timeout apart from other aborts.
 */
export class IdleTimer {
  fired = false;
  private timer: ReturnType<typeof setTimeout> | undefined;

  /** (Re)starts the countdown; `ms` ≤ 0 disables it. */
  arm(controller: AbortController, ms: number): void {
    this.clear();
    if (!(ms > 0)) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.fired = true;
      controller.abort();
    }, ms);
  }

  clear(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

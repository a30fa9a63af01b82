import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { encodeSseEvent } from '../../lib/sse/sse-encoder.js';
import {
  StreamConnectionError,
  StreamHttpError,
  StreamProtocolError,
  isStreamEvent,
  streamChat,
  type StreamEvent,
  type StreamStatus,
} from '@bupple/nestjs-ai-engine/client';

/**
 * The client against a raw node:http server whose every byte the test controls: cuts,
 * replays, silences, HTTP errors, 204s. (The NestJS side is in client.e2e-spec.ts.)
 */

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
  /** Set when the connection closed before the server ended the response (the client left). */
  clientClosed: boolean;
}

type Handler = (req: IncomingMessage, res: ServerResponse, seen: Seen) => void | Promise<void>;

let server: Server;
let base: string;
let handler: Handler;
let seen: Seen[] = [];

const SID = 'Ab-cD_9xYz01-QwE'; // base64url ids may hold "-"

function sse(res: ServerResponse, retry = 50): void {
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
  res.write(`retry: ${retry}\n\n`);
}

function ev(res: ServerResponse, seq: number, event: string, data: unknown): void {
  res.write(encodeSseEvent({ id: `${SID}-${seq}`, event, data: typeof data === 'string' ? data : JSON.stringify(data) }));
}

/** The answer "a b c d e" as events 1..7: start, 5 contents, complete. */
function script(): [string, unknown][] {
  return [
    ['start', { streamId: SID, engine: 'scripted', model: 'm-1' }],
    ...['a', ' b', ' c', ' d', ' e'].map((content, index): [string, unknown] => ['content', { content, index }]),
    ['complete', { finishReason: 'stop', usage: { promptTokens: 1, completionTokens: 5, totalTokens: 6 } }],
  ];
}

/** Writes events `from..to` (1-based, inclusive) of the script. */
function serve(res: ServerResponse, from: number, to: number): void {
  const events = script();
  for (let seq = from; seq <= Math.min(to, events.length); seq++) ev(res, seq, events[seq - 1][0], events[seq - 1][1]);
}

const lastEventSeq = (s: Seen) =>
  Number(
    String(s.headers['last-event-id'] ?? '')
      .split('-')
      .pop() || 0,
  );
const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const record: Seen = { method: req.method!, url: req.url!, headers: req.headers, body, clientClosed: false };
      seen.push(record);
      res.on('close', () => {
        if (!res.writableFinished) record.clientClosed = true;
      });
      void handler(req, res, record);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(() => {
  seen = [];
});

afterAll(() => {
  server.closeAllConnections();
  return new Promise<void>((resolve) => server.close(() => resolve()));
});

/** Waits (at most 2 s) until `check` holds: the server learns of a closed connection a moment later. */
async function eventually(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 2000;
  while (!check() && Date.now() < deadline) await tick(10);
}

describe('streamChat: events and handlers', () => {
  it('calls the typed handlers in order with parsed data, and reports the status', async () => {
    handler = async (_req, res) => {
      sse(res);
      ev(res, 1, 'start', { streamId: SID, engine: 'scripted', model: 'm-1' });
      // a multi-byte character cut between two writes
      const bytes = Buffer.from(encodeSseEvent({ id: `${SID}-2`, event: 'content', data: JSON.stringify({ content: 'wörld 🙂', index: 0 }) }));
      res.write(bytes.subarray(0, bytes.indexOf(0xf0) + 2));
      await tick(20);
      res.write(bytes.subarray(bytes.indexOf(0xf0) + 2));
      ev(res, 3, 'progress', { processed: 1, total: 2, percent: 50 });
      ev(res, 4, 'chunk_error', { message: 'bad chunk', index: 1 });
      res.write(': keepalive\n\n');
      ev(res, 5, 'keepalive', {});
      ev(res, 6, 'sources', [{ url: 'https://example.test' }]);
      ev(res, 7, 'retry', { attempt: 1, maxAttempts: 3, delayMs: 10, reset: false });
      ev(res, 8, 'fallback', { from: 'a', to: 'b', reason: 'rate_limit', reset: false });
      ev(res, 9, 'content', { content: '!', index: 1 });
      ev(res, 10, 'complete', { finishReason: 'stop', usage: null });
      res.end();
    };
    const log: string[] = [];
    const stream = streamChat({
      url: `${base}/chat`,
      onStatus: (s) => log.push(`status:${s.state}`),
      onStart: (d) => log.push(`start:${d.streamId}:${d.engine}:${d.model}`),
      onContent: (d) => log.push(`content:${d.content}`),
      onProgress: (d) => log.push(`progress:${d.processed}/${d.total}:${d.percent}`),
      onChunkError: (d) => log.push(`chunk_error:${d.message}:${d.index}`),
      onKeepalive: (k) => log.push(`keepalive:${k.via}`),
      onRetry: (d) => log.push(`retry:${d.attempt}/${d.maxAttempts}`),
      onFallback: (d) => log.push(`fallback:${d.from}>${d.to}`),
      onComplete: (d) => log.push(`complete:${d.finishReason}`),
      onStreamError: () => log.push('stream_error'),
      onEvent: (e) => log.push(`event:${e.event}`),
    });
    const outcome = await stream.done;
    expect(log).toEqual([
      'status:connecting',
      'status:open',
      `start:${SID}:scripted:m-1`,
      'event:start',
      'content:wörld 🙂',
      'event:content',
      'progress:1/2:50',
      'event:progress',
      'chunk_error:bad chunk:1',
      'event:chunk_error',
      'keepalive:comment',
      'keepalive:event',
      'event:keepalive',
      'event:sources',
      'retry:1/3',
      'event:retry',
      'fallback:a>b',
      'event:fallback',
      'content:!',
      'event:content',
      'complete:stop',
      'event:complete',
      'status:closed',
    ]);
    expect(outcome).toEqual({ reason: 'complete', streamId: SID, content: 'wörld 🙂!', complete: { finishReason: 'stop', usage: null } });
    expect(stream.status).toEqual({ state: 'closed', reason: 'complete' });
    expect(stream.lastEventId).toBe(`${SID}-10`);
    expect(seen).toHaveLength(1);
    expect(seen[0].headers.accept).toBe('text/event-stream');
  });

  it('yields every event through the async iterator, typed, and ends after complete', async () => {
    handler = (_req, res) => {
      sse(res);
      serve(res, 1, 7);
      res.end();
    };
    const events: StreamEvent[] = [];
    let text = '';
    for await (const event of streamChat({ url: `${base}/chat` })) {
      events.push(event);
      if (isStreamEvent(event, 'content')) text += event.data.content;
    }
    expect(events.map((e) => e.event)).toEqual(['start', 'content', 'content', 'content', 'content', 'content', 'complete']);
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(events[0]).toMatchObject({ custom: false, id: `${SID}-1`, data: { streamId: SID } });
    expect(text).toBe('a b c d e');
  });

  it('delivers app events as custom, with JSON or plain text data', async () => {
    handler = (_req, res) => {
      sse(res);
      ev(res, 1, 'sources', { urls: ['u'] });
      ev(res, 2, 'note', 'not json: plain text');
      ev(res, 3, 'complete', { finishReason: 'stop', usage: null });
      res.end();
    };
    const events: StreamEvent[] = [];
    for await (const event of streamChat({ url: `${base}/chat` })) events.push(event);
    expect(events.slice(0, 2)).toEqual([
      { custom: true, event: 'sources', data: { urls: ['u'] }, id: `${SID}-1`, seq: 1, raw: '{"urls":["u"]}' },
      { custom: true, event: 'note', data: 'not json: plain text', id: `${SID}-2`, seq: 2, raw: 'not json: plain text' },
    ]);
  });

  it('POSTs the body as JSON with the given headers', async () => {
    handler = (_req, res) => {
      sse(res);
      serve(res, 1, 7);
      res.end();
    };
    const outcome = await streamChat({
      url: `${base}/chat/stream`,
      body: { messages: [{ role: 'user', content: 'héllo' }] },
      headers: () => ({ authorization: 'Bearer t' }),
    }).done;
    expect(outcome.reason).toBe('complete');
    expect(seen).toHaveLength(1);
    expect(seen[0].method).toBe('POST');
    expect(seen[0].headers['content-type']).toBe('application/json');
    expect(seen[0].headers.authorization).toBe('Bearer t');
    expect(JSON.parse(seen[0].body)).toEqual({ messages: [{ role: 'user', content: 'héllo' }] });
  });

  it('ends with stream_error and reports it to onStreamError', async () => {
    handler = (_req, res) => {
      sse(res);
      serve(res, 1, 3);
      ev(res, 4, 'stream_error', { code: 'provider_error', message: 'offline failed', retryable: true });
      res.end();
    };
    const errors: unknown[] = [];
    const stream = streamChat({ url: `${base}/chat`, onStreamError: (d) => errors.push(d) });
    const outcome = await stream.done;
    expect(errors).toEqual([{ code: 'provider_error', message: 'offline failed', retryable: true }]);
    expect(outcome).toMatchObject({ reason: 'stream_error', content: 'a b', streamError: { code: 'provider_error' } });
    expect(seen).toHaveLength(1); // a stream error is not a lost connection: no reconnect
  });

  it('discards the partial answer on retry or fallback with reset', async () => {
    handler = (_req, res) => {
      sse(res);
      serve(res, 1, 3);
      ev(res, 4, 'retry', { attempt: 1, maxAttempts: 2, delayMs: 5, reset: true });
      ev(res, 5, 'content', { content: 'again', index: 0 });
      ev(res, 6, 'fallback', { from: 'x', to: 'y', reason: 'overloaded', reset: true });
      ev(res, 7, 'content', { content: 'other', index: 0 });
      ev(res, 8, 'complete', { finishReason: 'stop', usage: null });
      res.end();
    };
    expect((await streamChat({ url: `${base}/chat` }).done).content).toBe('other');
  });

  it('a reset after a tool step takes back only the step under way: the text before the last tool_result stays', async () => {
    const seen: string[] = [];
    handler = (_req, res) => {
      sse(res);
      ev(res, 1, 'start', { engine: 'e', model: 'm', streamId: 'st1' });
      ev(res, 2, 'content', { content: 'Let me add. ', index: 0 });
      ev(res, 3, 'tool_call', { id: 'c1', name: 'add', args: { a: 2, b: 3 } });
      ev(res, 4, 'tool_result', { id: 'c1', name: 'add', result: { sum: 5 } });
      ev(res, 5, 'content', { content: 'lost', index: 3 });
      ev(res, 6, 'retry', { attempt: 1, maxAttempts: 2, delayMs: 5, reset: true });
      ev(res, 7, 'content', { content: 'Also ', index: 3 });
      ev(res, 8, 'tool_call', { id: 'c2', name: 'now', args: {} });
      ev(res, 9, 'tool_result', { id: 'c2', name: 'now', result: { iso: '2026-12-02T10:00:00.000Z' } });
      ev(res, 10, 'content', { content: 'gone', index: 7 });
      ev(res, 11, 'fallback', { from: 'e', to: 'f', reason: 'overloaded', reset: true });
      ev(res, 12, 'content', { content: '5, at ten.', index: 7 });
      ev(res, 13, 'complete', { finishReason: 'stop', usage: null });
      res.end();
    };
    const stream = streamChat({
      url: `${base}/chat`,
      onRetry: () => seen.push(stream.content),
      onFallback: () => seen.push(stream.content),
    });
    expect((await stream.done).content).toBe('Let me add. Also 5, at ten.');
    // what a handler reads at the reset: the text the restarted step builds on
    expect(seen).toEqual(['Let me add. ', 'Let me add. Also ']);
  });

  it('abort() from onComplete keeps the outcome complete and sends no DELETE', async () => {
    handler = (req, res) => {
      if (req.method === 'DELETE') {
        res.writeHead(204);
        res.end();
        return;
      }
      sse(res);
      serve(res, 1, 7);
      res.end();
    };
    const stream = streamChat({ url: `${base}/chat`, stopUrl: (id) => `${base}/chat/streams/${id}`, onComplete: () => stream.abort() });
    expect((await stream.done).reason).toBe('complete');
    await tick(50);
    expect(seen.map((s) => s.method)).toEqual(['GET']);
  });

  it('calls fetch as a plain function, as a browser requires (no "Illegal invocation")', async () => {
    handler = (req, res) => {
      if (req.method === 'DELETE') {
        res.writeHead(204);
        res.end();
        return;
      }
      sse(res);
      serve(res, 1, 3);
    };
    const receivers: unknown[] = [];
    // like window.fetch: only the global object (or no receiver) is allowed as `this`
    const browserLikeFetch = function (this: unknown, input: RequestInfo | URL, init?: RequestInit) {
      receivers.push(this);
      if (this !== undefined && this !== globalThis) return Promise.reject(new TypeError('Illegal invocation'));
      return fetch(input, init);
    } as typeof fetch;
    const stream = streamChat({
      url: `${base}/chat`,
      fetch: browserLikeFetch,
      stopUrl: (id) => `${base}/chat/streams/${id}`,
      onContent: () => stream.content === 'a b' && stream.abort(),
    });
    expect((await stream.done).reason).toBe('aborted');
    await eventually(() => seen.length === 2);
    expect(seen.map((s) => s.method)).toEqual(['GET', 'DELETE']);
    expect(receivers).toEqual([undefined, undefined]);
  });

  it('a handler that throws fails the stream instead of vanishing', async () => {
    handler = (_req, res) => {
      sse(res);
      serve(res, 1, 7);
      res.end();
    };
    const outcome = await streamChat({
      url: `${base}/chat`,
      onContent: () => {
        throw new Error('boom');
      },
    }).done;
    expect(outcome.reason).toBe('failed');
    expect(outcome.error).toMatchObject({ code: 'handler_error', message: expect.stringContaining('boom') });
  });
});

describe('streamChat: HTTP errors before the stream', () => {
  it('turns a 400 with field messages into a StreamHttpError', async () => {
    handler = (_req, res) => {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ statusCode: 400, error: 'Bad Request', message: ['message must be a string', 'engine must be one of: offline'] }));
    };
    const errors: unknown[] = [];
    const statuses: StreamStatus[] = [];
    const stream = streamChat({ url: `${base}/chat`, body: {}, onError: (e) => errors.push(e), onStatus: (s) => statuses.push(s) });
    const outcome = await stream.done;
    expect(outcome.reason).toBe('failed');
    const error = outcome.error as StreamHttpError;
    expect(error).toBeInstanceOf(StreamHttpError);
    expect(error).toMatchObject({
      name: 'StreamHttpError',
      status: 400,
      code: 'http_400',
      retryable: false,
      fieldMessages: ['message must be a string', 'engine must be one of: offline'],
      message: 'message must be a string; engine must be one of: offline',
    });
    expect(errors).toEqual([error]);
    expect(statuses.map((s) => s.state)).toEqual(['connecting', 'closed']);
    expect(seen).toHaveLength(1);
  });

  it('turns a 429 into a StreamHttpError with the code and Retry-After, and the iterator throws it', async () => {
    handler = (_req, res) => {
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '7' });
      res.end(JSON.stringify({ statusCode: 429, code: 'rate_limit', message: 'offline is rate limiting requests.', retryable: true }));
    };
    const iterate = async () => {
      for await (const _ of streamChat({ url: `${base}/chat` })) void _;
    };
    const error = await iterate().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(StreamHttpError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ status: 429, code: 'rate_limit', retryAfterMs: 7000, retryable: true, message: 'offline is rate limiting requests.' });
    expect(seen).toHaveLength(1); // the first request is never repeated on its own
  });

  it('rejects a 200 that is not an event stream', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html></html>');
    };
    const outcome = await streamChat({ url: `${base}/chat` }).done;
    expect(outcome.error).toBeInstanceOf(StreamProtocolError);
  });

  it('gives up on an unreachable server: a POST at once, a GET after its reconnection attempts', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const post = await streamChat({ url: `http://127.0.0.1:${port}/chat`, body: {}, reconnectDelay: 5 }).done;
    expect(post.error).toBeInstanceOf(StreamConnectionError);
    expect(post.error).toMatchObject({ code: 'connect_failed', attempts: 0 });
    const statuses: string[] = [];
    const get = await streamChat({ url: `http://127.0.0.1:${port}/chat`, reconnectDelay: 5, reconnectAttempts: 2, onStatus: (s) => statuses.push(s.state) })
      .done;
    expect(get.error).toMatchObject({ code: 'connection_lost', attempts: 2 });
    expect(statuses).toEqual(['connecting', 'reconnecting', 'reconnecting', 'closed']);
  });
});

describe('streamChat: reconnection and resumption', () => {
  it('reconnects a GET stream with Last-Event-ID and never delivers a replayed event twice', async () => {
    handler = (_req, res, s) => {
      sse(res);
      const after = lastEventSeq(s);
      if (after === 0) {
        serve(res, 1, 3);
        setTimeout(() => res.destroy(), 20); // the connection drops mid-answer
        return;
      }
      serve(res, after - 1, 7); // replays one event too many: the client must drop it
      res.end();
    };
    const statuses: StreamStatus[] = [];
    const contents: string[] = [];
    const seqs: number[] = [];
    const stream = streamChat({
      url: `${base}/chat/stream?message=hi`,
      reconnectDelay: 10,
      onStatus: (s) => statuses.push(s),
      onContent: (d) => contents.push(d.content),
      onEvent: (e) => seqs.push(e.seq!),
    });
    const outcome = await stream.done;
    expect(outcome).toMatchObject({ reason: 'complete', content: 'a b c d e' });
    expect(contents).toEqual(['a', ' b', ' c', ' d', ' e']);
    expect(seqs).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(seen.map((s) => [s.method, s.url, s.headers['last-event-id']])).toEqual([
      ['GET', '/chat/stream?message=hi', undefined],
      ['GET', '/chat/stream?message=hi', `${SID}-3`],
    ]);
    expect(statuses).toEqual([
      { state: 'connecting' },
      { state: 'open' },
      { state: 'reconnecting', attempt: 1, maxAttempts: 3, delayMs: 10, error: expect.anything() },
      { state: 'resumed', attempt: 1, lastEventId: `${SID}-3` },
      { state: 'closed', reason: 'complete' },
    ]);
  });

  it('resumes a POST stream on resumeUrl with GET, never re-posting', async () => {
    handler = (req, res, s) => {
      if (req.method === 'POST') {
        sse(res);
        serve(res, 1, 4);
        setTimeout(() => res.destroy(), 20);
        return;
      }
      sse(res);
      serve(res, lastEventSeq(s) + 1, 7);
      res.end();
    };
    const outcome = await streamChat({
      url: `${base}/chat/stream`,
      body: { messages: [{ role: 'user', content: 'hi' }] },
      resumeUrl: (id) => `${base}/chat/streams/${encodeURIComponent(id)}`,
      reconnectDelay: 10,
    }).done;
    expect(outcome).toMatchObject({ reason: 'complete', content: 'a b c d e', streamId: SID });
    expect(seen.map((s) => [s.method, s.url, s.headers['last-event-id'], s.body])).toEqual([
      ['POST', '/chat/stream', undefined, '{"messages":[{"role":"user","content":"hi"}]}'],
      ['GET', `/chat/streams/${SID}`, `${SID}-4`, ''],
    ]);
  });

  it('a GET stream cut before its first event goes back to its own URL, even with resumeUrl', async () => {
    handler = (_req, res) => {
      sse(res);
      if (seen.length === 1) {
        setTimeout(() => res.destroy(), 10);
        return;
      }
      serve(res, 1, 7);
      res.end();
    };
    const outcome = await streamChat({ url: `${base}/chat?q=1`, resumeUrl: (id) => `${base}/streams/${id}`, reconnectDelay: 5 }).done;
    expect(outcome).toMatchObject({ reason: 'complete', content: 'a b c d e' });
    expect(seen.map((s) => [s.url, s.headers['last-event-id']])).toEqual([
      ['/chat?q=1', undefined],
      ['/chat?q=1', undefined],
    ]);
  });

  it('can send the last event id as ?lastEventId= for servers that read the query', async () => {
    handler = (_req, res, s) => {
      sse(res);
      const match = /lastEventId=([^&]+)/.exec(s.url);
      if (!match) {
        serve(res, 1, 2);
        setTimeout(() => res.destroy(), 20);
        return;
      }
      serve(res, Number(decodeURIComponent(match[1]).split('-').pop()) + 1, 7);
      res.end();
    };
    const outcome = await streamChat({ url: `${base}/chat/stream?message=hi`, lastEventIdIn: 'query', reconnectDelay: 10 }).done;
    expect(outcome.content).toBe('a b c d e');
    expect(seen[1].url).toBe(`/chat/stream?message=hi&lastEventId=${encodeURIComponent(`${SID}-2`)}`);
    expect(seen[1].headers['last-event-id']).toBeUndefined();
  });

  it('does not re-POST when no resumeUrl is given: the stream fails instead', async () => {
    handler = (_req, res) => {
      sse(res);
      serve(res, 1, 3);
      setTimeout(() => res.destroy(), 20);
    };
    const outcome = await streamChat({ url: `${base}/chat/stream`, body: { q: 1 }, reconnectDelay: 10 }).done;
    expect(outcome.reason).toBe('failed');
    expect(outcome.error).toBeInstanceOf(StreamConnectionError);
    expect(outcome.content).toBe('a b');
    expect(seen.map((s) => s.method)).toEqual(['POST']);
  });

  it('backs off exponentially, retries 5xx on resumption, and gives up after reconnectAttempts', async () => {
    handler = (_req, res, s) => {
      if (s.headers['last-event-id'] === undefined) {
        sse(res);
        serve(res, 1, 2);
        setTimeout(() => res.destroy(), 20);
        return;
      }
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ statusCode: 503, message: 'busy' }));
    };
    const reconnecting: number[][] = [];
    const started = Date.now();
    const outcome = await streamChat({
      url: `${base}/chat`,
      reconnectAttempts: 4,
      reconnectDelay: 20,
      maxReconnectDelay: 100,
      onStatus: (s) => {
        if (s.state === 'reconnecting') reconnecting.push([s.attempt, s.maxAttempts, s.delayMs]);
      },
    }).done;
    expect(reconnecting).toEqual([
      [1, 4, 20],
      [2, 4, 40],
      [3, 4, 80],
      [4, 4, 100],
    ]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
    expect(outcome.reason).toBe('failed');
    expect(outcome.error).toBeInstanceOf(StreamConnectionError);
    expect(outcome.error).toMatchObject({ attempts: 4, code: 'connection_lost' });
    expect((outcome.error as Error).cause).toBeInstanceOf(StreamHttpError);
    expect(seen).toHaveLength(5);
    expect(seen.slice(1).every((s) => s.headers['last-event-id'] === `${SID}-2`)).toBe(true);
  });

  it('waits at least what a 429 Retry-After asks for before the next attempt', async () => {
    handler = (_req, res, s) => {
      if (s.headers['last-event-id'] === undefined) {
        sse(res);
        serve(res, 1, 2);
        setTimeout(() => res.destroy(), 10);
        return;
      }
      if (seen.length === 2) {
        res.writeHead(429, { 'retry-after': '1' });
        res.end();
        return;
      }
      sse(res);
      serve(res, 3, 7);
      res.end();
    };
    const delays: number[] = [];
    const outcome = await streamChat({
      url: `${base}/chat`,
      reconnectDelay: 10,
      onStatus: (s) => s.state === 'reconnecting' && delays.push(s.delayMs),
    }).done;
    expect(outcome.reason).toBe('complete');
    expect(delays).toEqual([10, 1000]);
  });

  it('resets the attempt count once a resumed connection delivers new events', async () => {
    handler = (_req, res, s) => {
      sse(res);
      const after = lastEventSeq(s);
      if (after >= 6) {
        serve(res, 7, 7);
        res.end();
        return;
      }
      serve(res, after + 1, after + 2); // two new events per connection, then a drop
      setTimeout(() => res.destroy(), 10);
    };
    const attempts: number[] = [];
    const outcome = await streamChat({
      url: `${base}/chat`,
      reconnectAttempts: 1,
      reconnectDelay: 5,
      onStatus: (s) => s.state === 'reconnecting' && attempts.push(s.attempt),
    }).done;
    expect(outcome).toMatchObject({ reason: 'complete', content: 'a b c d e' });
    expect(attempts).toEqual([1, 1, 1]);
  });

  it('ends as finished when the resumption answers 204', async () => {
    handler = (_req, res, s) => {
      if (s.headers['last-event-id']) {
        res.writeHead(204);
        res.end();
        return;
      }
      sse(res);
      serve(res, 1, 3);
      setTimeout(() => res.destroy(), 10);
    };
    const outcome = await streamChat({ url: `${base}/chat`, reconnectDelay: 5 }).done;
    expect(outcome).toMatchObject({ reason: 'finished', content: 'a b' });
    expect(seen).toHaveLength(2);
  });

  it('ends with a retryable stream error when the server answers resync', async () => {
    handler = (_req, res, s) => {
      sse(res);
      if (s.headers['last-event-id']) {
        res.write(encodeSseEvent({ event: 'resync', data: JSON.stringify({ message: 'Events after that id are gone.' }) }));
        res.end();
        return;
      }
      serve(res, 1, 3);
      setTimeout(() => res.destroy(), 10);
    };
    const errors: unknown[] = [];
    const outcome = await streamChat({ url: `${base}/chat`, reconnectDelay: 5, onStreamError: (d) => errors.push(d) }).done;
    expect(errors).toEqual([{ code: 'resync', message: 'Events after that id are gone.', retryable: true }]);
    expect(outcome).toMatchObject({ reason: 'stream_error', streamError: { code: 'resync', retryable: true } });
  });

  it('stops on a resumption answered 404 (the stream is unknown)', async () => {
    handler = (_req, res, s) => {
      if (s.headers['last-event-id']) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ statusCode: 404, message: 'No such stream' }));
        return;
      }
      sse(res);
      serve(res, 1, 2);
      setTimeout(() => res.destroy(), 10);
    };
    const outcome = await streamChat({ url: `${base}/chat`, reconnectDelay: 5, reconnectAttempts: 5 }).done;
    expect(outcome.error).toBeInstanceOf(StreamHttpError);
    expect(outcome.error).toMatchObject({ status: 404, message: 'No such stream' });
    expect(seen).toHaveLength(2);
  });
});

describe('streamChat: idle timeout', () => {
  it('reconnects when no byte arrives for the idle timeout', async () => {
    handler = (_req, res, s) => {
      sse(res);
      if (!s.headers['last-event-id']) {
        serve(res, 1, 2); // then silence, with the connection open
        return;
      }
      serve(res, 3, 7);
      res.end();
    };
    const statuses: string[] = [];
    const outcome = await streamChat({ url: `${base}/chat`, idleTimeout: 150, reconnectDelay: 5, onStatus: (s) => statuses.push(s.state) }).done;
    expect(outcome).toMatchObject({ reason: 'complete', content: 'a b c d e' });
    expect(statuses).toEqual(['connecting', 'open', 'reconnecting', 'resumed', 'closed']);
    await eventually(() => seen[0].clientClosed);
    expect(seen[0].clientClosed).toBe(true); // the silent connection was closed, not left open
  });

  it('counts keepalive comments as life: no reconnect while they arrive', async () => {
    handler = async (_req, res) => {
      sse(res);
      serve(res, 1, 2);
      // 12 comments 50 ms apart: 600 ms without an event, never 300 ms without a byte
      for (let i = 0; i < 12; i++) {
        await tick(50);
        res.write(': keepalive\n\n');
      }
      serve(res, 3, 7);
      res.end();
    };
    const keepalives: string[] = [];
    const outcome = await streamChat({ url: `${base}/chat`, keepaliveInterval: 150, reconnectDelay: 5, onKeepalive: (k) => keepalives.push(k.via) }).done;
    expect(outcome.reason).toBe('complete');
    expect(keepalives).toHaveLength(12);
    expect(seen).toHaveLength(1);
  });

  it('times out a resumption that never answers and counts it as an attempt', async () => {
    handler = (_req, res, s) => {
      if (s.headers['last-event-id']) return; // never answers
      sse(res);
      serve(res, 1, 2);
      setTimeout(() => res.destroy(), 10);
    };
    const outcome = await streamChat({ url: `${base}/chat`, idleTimeout: 100, reconnectDelay: 5, reconnectAttempts: 2 }).done;
    expect(outcome.error).toBeInstanceOf(StreamConnectionError);
    expect(seen).toHaveLength(3);
    await eventually(() => seen.every((s) => s.clientClosed));
    expect(seen.map((s) => s.clientClosed)).toEqual([true, true, true]);
  });
});

describe('streamChat: abort and cleanup', () => {
  /** Records the timers the client code starts, and which of them fired or were cleared. */
  function trackClientTimers() {
    const realSet = globalThis.setTimeout;
    const realClear = globalThis.clearTimeout;
    const live = new Set<unknown>();
    let started = 0;
    globalThis.setTimeout = ((fn: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => {
      const fromClient = /lib[\\/]client[\\/]/.test(new Error().stack ?? '');
      const id: unknown = realSet(
        (...a: unknown[]) => {
          live.delete(id);
          fn(...a);
        },
        ms,
        ...args,
      );
      if (fromClient) {
        started++;
        live.add(id);
      }
      return id;
    }) as typeof setTimeout;
    globalThis.clearTimeout = ((id: Parameters<typeof clearTimeout>[0]) => {
      live.delete(id);
      realClear(id);
    }) as typeof clearTimeout;
    return {
      get started() {
        return started;
      },
      get pending() {
        return live.size;
      },
      restore() {
        globalThis.setTimeout = realSet;
        globalThis.clearTimeout = realClear;
      },
    };
  }

  it('abort() closes the connection, sends DELETE to stopUrl and ends as aborted', async () => {
    let deletes = 0;
    handler = (req, res) => {
      if (req.method === 'DELETE') {
        deletes++;
        res.writeHead(204);
        res.end();
        return;
      }
      sse(res);
      serve(res, 1, 3); // and then nothing: still generating
    };
    const statuses: string[] = [];
    const stream = streamChat({
      url: `${base}/chat/stream?message=hi`,
      stopUrl: (id) => `${base}/chat/streams/${id}`,
      onStatus: (s) => statuses.push(s.state),
      onContent: () => {
        if (stream.content === 'a b') stream.abort();
      },
    });
    const outcome = await stream.done;
    expect(outcome).toMatchObject({ reason: 'aborted', content: 'a b', streamId: SID });
    await eventually(() => deletes === 1 && seen[0].clientClosed);
    expect(seen[0].clientClosed).toBe(true);
    expect(seen[1]).toMatchObject({ method: 'DELETE', url: `/chat/streams/${SID}` });
    expect(statuses).toEqual(['connecting', 'open', 'closed']);
    stream.abort(); // a second call does nothing
    await tick(30);
    expect(seen).toHaveLength(2);
  });

  it('the signal option aborts too, and leaving a for-await loop early aborts the stream', async () => {
    handler = (_req, res) => {
      sse(res);
      serve(res, 1, 3);
    };
    const controller = new AbortController();
    const stream = streamChat({ url: `${base}/chat`, signal: controller.signal, onContent: () => controller.abort() });
    expect((await stream.done).reason).toBe('aborted');

    const second = streamChat({ url: `${base}/chat` });
    for await (const event of second) if (event.event === 'content') break;
    expect((await second.done).reason).toBe('aborted');
    await eventually(() => seen.every((s) => s.clientClosed));
    expect(seen.map((s) => s.clientClosed)).toEqual([true, true]);
  });

  it('aborting during the backoff delay clears its timer at once', async () => {
    handler = (_req, res) => {
      sse(res);
      serve(res, 1, 2);
      setTimeout(() => res.destroy(), 10);
    };
    const timers = trackClientTimers();
    try {
      const stream = streamChat({
        url: `${base}/chat`,
        reconnectDelay: 60_000,
        onStatus: (s) => {
          if (s.state === 'reconnecting') void tick(20).then(() => stream.abort());
        },
      });
      const started = Date.now();
      expect((await stream.done).reason).toBe('aborted');
      expect(Date.now() - started).toBeLessThan(5000);
      expect(timers.started).toBeGreaterThanOrEqual(2); // idle timers and the 60 s backoff
      expect(timers.pending).toBe(0);
    } finally {
      timers.restore();
    }
  });

  it('leaves no idle timer behind after a stream completes', async () => {
    handler = (_req, res) => {
      sse(res);
      serve(res, 1, 7);
      res.end();
    };
    const timers = trackClientTimers();
    try {
      await streamChat({ url: `${base}/chat`, idleTimeout: 60_000 }).done;
      expect(timers.started).toBeGreaterThanOrEqual(1);
      expect(timers.pending).toBe(0);
    } finally {
      timers.restore();
    }
  });

  it('an already aborted signal never connects', async () => {
    const controller = new AbortController();
    controller.abort();
    const outcome = await streamChat({ url: `${base}/chat`, signal: controller.signal }).done;
    expect(outcome.reason).toBe('aborted');
    await tick(20);
    expect(seen).toHaveLength(0);
  });
});

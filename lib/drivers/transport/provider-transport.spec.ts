import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import {
  AuthenticationException,
  ConnectionException,
  EngineException,
  ProviderOverloadedException,
  ProviderServerException,
  ProviderStreamLimitException,
  RateLimitException,
  ValidationException,
} from '../../errors/engine.exception.js';
import { SseLimitError } from '../../protocol/sse-parser.js';
import { readResponseBody } from './node-http-fetch.js';
import { exceptionFromFacts, networkException } from './provider-errors.js';
import {
  MAX_ERROR_BODY_BYTES,
  ProviderResponseError,
  createProviderTransport,
  mapProviderFailure,
  readEventStream,
  type ProviderTransport,
} from './provider-transport.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** A local server whose handler each test sets; it counts closed connections. */
let server: Server;
let url: string;
let handler: Handler;
const sockets = new Set<Socket>();
let closed = 0;
let transport: ProviderTransport;
const uncaught: unknown[] = [];
const onUncaught = (error: unknown) => uncaught.push(error);

beforeAll(async () => {
  process.on('uncaughtException', onUncaught);
  server = createServer((req, res) => handler(req, res));
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => {
      sockets.delete(socket);
      closed++;
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  process.off('uncaughtException', onUncaught);
  for (const socket of sockets) socket.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  transport = createProviderTransport();
  uncaught.length = 0;
  closed = 0;
});

afterEach(() => transport.close());

const SSE = { 'content-type': 'text/event-stream' };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Writes `body` in pieces of `size` bytes, one per tick, so each arrives as its own chunk; keeps the connection open with `hold`. */
async function writeSlowly(res: ServerResponse, body: string, size: number, hold = false): Promise<void> {
  const bytes = Buffer.from(body);
  for (let i = 0; i < bytes.length; i += size) {
    if (res.destroyed) return;
    res.write(bytes.subarray(i, i + size));
    await sleep(1);
  }
  if (!hold) res.end();
}

async function waitFor(condition: () => boolean, what: string, ms = 3000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > ms) throw new Error(`${what} did not happen within ${ms} ms`);
    await sleep(5);
  }
}

const events = (n: number) => Array.from({ length: n }, (_, i) => `data: {"n":${i},"text":"wörld 🙂 ${i}"}\n\n`).join('');

describe('readEventStream()', () => {
  it('gives the same events however the bytes are split (1–7 byte pieces and whole)', async () => {
    const body = `: hello\r\n${events(20)}event: done\r\ndata: [DONE]\r\n\r\n`;
    const seen: string[][] = [];
    for (const size of [1, 2, 3, 5, 7, body.length]) {
      handler = (_req, res) => {
        res.writeHead(200, SSE);
        void writeSlowly(res, body, size);
      };
      const response = await transport.request(`${url}/v1`, { method: 'POST', body: '{}' });
      const got: string[] = [];
      await readEventStream(response, ({ event, data }) => {
        got.push(`${event}:${data}`);
      });
      seen.push(got);
    }
    expect(seen[0].length).toBe(21);
    for (const got of seen) expect(got).toEqual(seen[0]);
  });

  it('request() answers carry no WHATWG body (none is made): the events are read from the Node stream, fetch() answers keep theirs', async () => {
    handler = (_req, res) => {
      res.writeHead(200, SSE);
      void writeSlowly(res, events(3), 7);
    };
    const response = await transport.request(url, { method: 'POST', body: '{}' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(response.body).toBeNull();
    const got: string[] = [];
    await readEventStream(response, ({ data }) => {
      got.push(data);
    });
    expect(got).toHaveLength(3);
    const viaFetch = await transport.eventStreamFetch(url, { method: 'POST', body: '{}' });
    expect(viaFetch.body).not.toBeNull();
    expect(await viaFetch.text()).toContain('data:');
  });

  it('stops when onEvent returns false and says so; the connection is closed while the body goes on', async () => {
    handler = (_req, res) => {
      res.writeHead(200, SSE);
      void writeSlowly(res, events(50), 40, true);
    };
    const response = await transport.request(url, { method: 'POST', body: '{}' });
    let count = 0;
    expect(await readEventStream(response, () => ++count < 3)).toBe(true);
    expect(count).toBe(3);
    await waitFor(() => closed === 1, 'the connection closing');
  });
});

describe('fault injection: no throw escapes a socket or body callback', () => {
  const faults: [string, (index: number) => void][] = [
    [
      'a throwing onEvent on the first event',
      (i) => {
        if (i === 0) throw new RangeError('injected');
      },
    ],
    [
      'a throwing onEvent mid-stream',
      (i) => {
        if (i === 7) throw new RangeError('injected');
      },
    ],
    [
      'a throwing onEvent on the last event, in the packet that ends the body',
      (i) => {
        if (i === 19) throw new RangeError('injected');
      },
    ],
  ];

  for (const [name, fault] of faults) {
    it(`${name}: rejects with that error, closes the connection, and the next request works`, async () => {
      handler = (_req, res) => {
        res.writeHead(200, SSE);
        void writeSlowly(res, events(20), 64);
      };
      const response = await transport.request(url, { method: 'POST', body: '{}' });
      let index = 0;
      const error = await readEventStream(response, () => fault(index++)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RangeError);
      await sleep(30);
      expect(uncaught).toEqual([]);
      // the pool is fine afterwards
      handler = (_req, res) => {
        res.writeHead(200, SSE);
        res.end('data: ok\n\n');
      };
      const next: string[] = [];
      await readEventStream(await transport.request(url, { method: 'POST', body: '{}' }), ({ data }) => {
        next.push(data);
      });
      expect(next).toEqual(['ok']);
    });
  }

  it('a line over the cap (a peer that never sends a line break): SseLimitError, the connection closed, the process alive', async () => {
    handler = (_req, res) => {
      res.writeHead(200, SSE);
      res.write('data: ');
      const piece = 'x'.repeat(16 * 1024);
      const timer = setInterval(() => {
        if (res.destroyed) clearInterval(timer);
        else res.write(piece);
      }, 1);
    };
    const response = await transport.request(url, { method: 'POST', body: '{}' });
    const error = await readEventStream(response, () => undefined, { maxEventLength: 256 * 1024 }).catch((e: unknown) => e);
    expect(SseLimitError.isInstance(error)).toBe(true);
    await waitFor(() => closed === 1, 'the connection closing');
    expect(uncaught).toEqual([]);
    const mapped = mapProviderFailure(error, { provider: 'openai', engine: 'openai', secrets: [] }, () => ({}));
    expect(mapped).toBeInstanceOf(ProviderStreamLimitException);
    expect(mapped?.code).toBe('stream_limit');
    expect(mapped?.retryable).toBe(false);
  });

  it('one event whose data lines add up over the cap fails the same way', async () => {
    handler = (_req, res) => {
      res.writeHead(200, SSE);
      void writeSlowly(res, `data: ${'y'.repeat(1000)}\n`.repeat(300), 4096, true);
    };
    const error = await readEventStream(await transport.request(url, { method: 'POST', body: '{}' }), () => undefined, { maxEventLength: 100_000 }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SseLimitError);
    expect((error as SseLimitError).what).toBe('event');
    await waitFor(() => closed === 1, 'the connection closing');
  });

  it('a throwing onChunk in readResponseBody, on a body read as a WHATWG stream (not from this transport)', async () => {
    handler = (_req, res) => {
      res.writeHead(200, SSE);
      void writeSlowly(res, events(20), 64, true);
    };
    const response = await fetch(url, { method: 'POST', body: '{}' });
    let n = 0;
    const error = await readResponseBody(response, () => {
      if (++n === 3) throw new RangeError('injected');
      return true;
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RangeError);
    await waitFor(() => closed === 1, 'the connection closing');
    expect(uncaught).toEqual([]);
  });

  it('response.body cancelled while the socket still delivers data, ends and closes: nothing thrown into the socket callbacks', async () => {
    handler = (_req, res) => {
      res.writeHead(200, SSE);
      void writeSlowly(res, events(40), 16);
    };
    const response = await transport.fetch(url, { method: 'POST', body: '{}' });
    const reader = response.body!.getReader();
    await reader.read();
    await reader.cancel();
    await sleep(60);
    expect(uncaught).toEqual([]);
  });

  it('a body cut off mid-event rejects with TypeError "terminated", mapped to a ConnectionException', async () => {
    handler = (req, res) => {
      res.writeHead(200, SSE);
      res.write('data: {"n":1}\n\ndata: {"n"');
      setTimeout(() => req.socket.destroy(), 20);
    };
    const error = await readEventStream(await transport.request(url, { method: 'POST', body: '{}' }), () => undefined).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect(mapProviderFailure(error, { provider: 'openai', engine: 'openai', secrets: [] }, () => ({}))).toBeInstanceOf(ConnectionException);
  });
});

describe('kept-alive connections', () => {
  it('a reused connection reset before any answer (the server closed it while idle) is retried once on a new one', async () => {
    const seen = new Map<Socket, number>();
    handler = (req, res) => {
      const count = (seen.get(req.socket) ?? 0) + 1;
      seen.set(req.socket, count);
      if (count === 2) {
        req.socket.destroy(); // the second request on a kept-alive connection: reset, no answer
        return;
      }
      res.writeHead(200, SSE);
      res.end('data: ok\n\n');
    };
    const read = async () => {
      const got: string[] = [];
      await readEventStream(await transport.request(url, { method: 'POST', body: '{}' }), ({ data }) => {
        got.push(data);
      });
      return got;
    };
    expect(await read()).toEqual(['ok']);
    expect(await read()).toEqual(['ok']);
    expect(seen.size).toBe(2); // the retry came on a new connection
  });

  it('a fresh connection reset before any answer is not retried', async () => {
    let requests = 0;
    handler = (req) => {
      requests++;
      req.socket.destroy();
    };
    const error = await transport.request(url, { method: 'POST', body: '{}' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toBe('fetch failed');
    expect(requests).toBe(1);
  });
});

describe('eventStreamFetch / request()', () => {
  const context = { provider: 'openai', engine: 'openai', secrets: ['sk-secret-key-123456'] };

  it('rejects a 2xx that is an HTML page with a ProviderResponseError, before anyone reads a stream', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<!doctype html><title>Sign in</title>');
    };
    const error = await transport.request(url, { method: 'POST', body: '{}' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderResponseError);
    expect(error).toMatchObject({ problem: 'not-event-stream', status: 200, bodyText: '<!doctype html><title>Sign in</title>' });
    const mapped = mapProviderFailure(error, context, () => ({}));
    expect(mapped).toBeInstanceOf(ProviderServerException);
    expect(mapped?.message).toBe('openai answered HTTP 200 with content type "text/html; charset=utf-8" instead of an event stream.');
  });

  it('a 2xx JSON error body is mapped by the provider body reader', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"error":{"message":"slow down","type":"rate_limit_exceeded"}}');
    };
    const error = await transport.request(url, { method: 'POST', body: '{}' }).catch((e: unknown) => e);
    const mapped = mapProviderFailure(error, context, () => ({ kind: 429, detail: 'slow down' }));
    expect(mapped).toBeInstanceOf(RateLimitException);
  });

  it('keeps at most MAX_ERROR_BODY_BYTES of an error body, and closes the connection', async () => {
    handler = (_req, res) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      void writeSlowly(res, 'e'.repeat(MAX_ERROR_BODY_BYTES * 4), 32 * 1024, true);
    };
    const error = (await transport.request(url, { method: 'POST', body: '{}' }).catch((e: unknown) => e)) as ProviderResponseError;
    expect(error.problem).toBe('status');
    expect(error.status).toBe(500);
    expect(error.bodyText.length).toBe(MAX_ERROR_BODY_BYTES);
    await waitFor(() => closed === 1, 'the connection closing');
  });

  it('sends the transport-wide headers, a request header winning', async () => {
    const seen: IncomingMessage['headers'][] = [];
    handler = (req, res) => {
      seen.push(req.headers);
      res.writeHead(200, SSE);
      res.end('data: x\n\n');
    };
    const withHeaders = createProviderTransport({ headers: { 'x-team': 'core', 'x-both': 'transport' } });
    try {
      const response = await withHeaders.request(url, { method: 'POST', body: '{}', headers: { 'x-both': 'request' } });
      await readEventStream(response, () => undefined);
    } finally {
      withHeaders.close();
    }
    expect(seen[0]['x-team']).toBe('core');
    expect(seen[0]['x-both']).toBe('request');
  });
});

describe('the shared status → exception table', () => {
  const context = { provider: 'p', engine: 'e', secrets: ['sk-secret-key-123456'] };
  const table: [number, new (...args: never[]) => EngineException, boolean][] = [
    [400, ValidationException, false],
    [401, AuthenticationException, false],
    [402, AuthenticationException, false],
    [403, AuthenticationException, false],
    [404, ValidationException, false],
    [408, ConnectionException, true],
    [409, ProviderServerException, true],
    [413, ValidationException, false],
    [422, ValidationException, false],
    [429, RateLimitException, true],
    [500, ProviderServerException, true],
    [502, ProviderServerException, true],
    [503, ProviderOverloadedException, true],
    [529, ProviderOverloadedException, true],
  ];
  it.each(table)('HTTP %i → %p (retryable %p)', (status, type, retryable) => {
    const error = exceptionFromFacts({ status, detail: 'because sk-secret-key-123456', headers: new Headers({ 'retry-after': '2' }) }, context);
    expect(error).toBeInstanceOf(type);
    expect(error.retryable).toBe(retryable);
    expect(error.status).toBe(status);
    expect(error.message).not.toContain('sk-secret-key-123456');
  });

  it('a quota 429 is not worth retrying; the body kind decides when there is no status', () => {
    expect(exceptionFromFacts({ status: 429, billing: true, detail: 'quota' }, context).retryable).toBe(false);
    const midStream = exceptionFromFacts({ kind: 529, detail: 'Overloaded' }, context);
    expect(midStream).toBeInstanceOf(ProviderOverloadedException);
    expect(midStream.status).toBeUndefined();
    expect((exceptionFromFacts({ status: 429, headers: new Headers({ 'retry-after': '3' }) }, context) as RateLimitException).retryAfter).toBe(3000);
    expect((exceptionFromFacts({ status: 429, retryAfter: 1500 }, context) as RateLimitException).retryAfter).toBe(1500);
  });

  it('classifies network failures through the cause chain, and nothing else', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    expect(networkException(new TypeError('fetch failed', { cause: refused }), context)?.message).toBe('Could not reach e: connection refused (ECONNREFUSED).');
    expect(networkException(new AggregateError([refused]), context)).toBeInstanceOf(ConnectionException);
    expect(networkException(new TypeError('terminated'), context)?.message).toBe('Could not reach e: the connection closed mid-response.');
    expect(networkException(new RangeError('nope'), context)).toBeUndefined();
  });
});

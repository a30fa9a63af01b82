import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo, Socket } from 'node:net';
import { getEventListeners } from 'node:events';
import { freePort } from '../../../test/utils/tcp-proxy.js';
import { createNodeHttpFetch, readResponseBody, type NodeHttpFetch } from './node-http-fetch.js';

interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
  remotePort: number;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** A local HTTP server whose handler each test sets; it records requests and closed connections. */
class TestServer {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  handler: Handler = (_req, res) => res.end('ok');
  readonly requests: SeenRequest[] = [];
  /** Remote ports of connections the server saw close. */
  readonly closedPorts: number[] = [];

  /** How many of the connections this test's requests came on have closed. */
  closedOfRequests(): number {
    const ports = new Set(this.requests.map((r) => r.remotePort));
    return this.closedPorts.filter((port) => ports.has(port)).length;
  }
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        this.requests.push({
          method: req.method ?? '',
          url: req.url ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          remotePort: req.socket.remotePort ?? 0,
        });
        this.handler(req, res);
      });
    });
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      const port = socket.remotePort ?? 0;
      socket.on('close', () => {
        this.sockets.delete(socket);
        this.closedPorts.push(port);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}

function waitFor(condition: () => boolean, what: string, ms = 2000): Promise<void> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const poll = () => {
      if (condition()) resolve();
      else if (Date.now() - started > ms) reject(new Error(`${what} did not happen within ${ms} ms`));
      else setTimeout(poll, 5);
    };
    poll();
  });
}

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', '__fixtures__');

const tick = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('createNodeHttpFetch()', () => {
  const server = new TestServer();
  let transport: NodeHttpFetch;

  beforeAll(() => server.start());
  afterAll(() => server.stop());
  beforeEach(() => {
    transport = createNodeHttpFetch();
    server.requests.length = 0;
    server.closedPorts.length = 0;
    server.handler = (_req, res) => res.end('ok');
  });
  afterEach(() => transport.close());

  describe('as fetch', () => {
    it('sends the method, headers and body, with its length', async () => {
      const response = await transport.fetch(`${server.url}/v1/chat?x=1`, {
        method: 'post',
        headers: new Headers({ authorization: 'Bearer k', 'content-type': 'application/json' }),
        body: '{"text":"héllo"}',
      });
      expect(await response.text()).toBe('ok');
      const [seen] = server.requests;
      expect(seen).toMatchObject({ method: 'POST', url: '/v1/chat?x=1', body: '{"text":"héllo"}' });
      expect(seen.headers).toMatchObject({
        authorization: 'Bearer k',
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength('{"text":"héllo"}')),
      });
      expect(seen.headers['accept-encoding']).toBeUndefined();
    });

    it('takes headers as a record or as pairs, and a Uint8Array body', async () => {
      await (await transport.fetch(server.url, { method: 'PUT', headers: { 'x-a': '1' }, body: new TextEncoder().encode('bytes') })).text();
      await (await transport.fetch(new URL(server.url), { headers: [['x-b', '2']] })).text();
      expect(server.requests.map((r) => [r.method, r.headers['x-a'] ?? r.headers['x-b'], r.body])).toEqual([
        ['PUT', '1', 'bytes'],
        ['GET', '2', ''],
      ]);
    });

    it('returns the status, status text and headers, repeated headers included', async () => {
      server.handler = (_req, res) => {
        res.writeHead(429, 'Slow Down', [
          ['retry-after', '3'],
          ['x-ratelimit', 'a'],
          ['x-ratelimit', 'b'],
          ['content-type', 'application/json'],
        ]);
        res.end('{"error":{"message":"rate limited"}}');
      };
      const response = await transport.fetch(server.url);
      expect(response.status).toBe(429);
      expect(response.ok).toBe(false);
      expect(response.statusText).toBe('Slow Down');
      expect(response.headers.get('retry-after')).toBe('3');
      expect(response.headers.get('x-ratelimit')).toBe('a, b');
      expect(await response.json()).toEqual({ error: { message: 'rate limited' } });
    });

    it('gives a 204 and a HEAD response no body', async () => {
      server.handler = (req, res) => {
        res.writeHead(req.method === 'HEAD' ? 200 : 204, { 'content-length': req.method === 'HEAD' ? '5' : '0' });
        res.end();
      };
      const noContent = await transport.fetch(server.url, { method: 'DELETE' });
      expect([noContent.status, noContent.body]).toEqual([204, null]);
      const head = await transport.fetch(server.url, { method: 'HEAD' });
      expect([head.status, head.body]).toEqual([200, null]);
    });

    it('reuses one kept-alive connection for requests in turn', async () => {
      for (let i = 0; i < 3; i++) await (await transport.fetch(server.url)).text();
      expect(new Set(server.requests.map((r) => r.remotePort)).size).toBe(1);
    });

    it('rejects like fetch when the connection is refused: TypeError "fetch failed" with the cause', async () => {
      const port = await freePort();
      const error = await transport.fetch(`http://127.0.0.1:${port}/`).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TypeError);
      expect((error as TypeError).message).toBe('fetch failed');
      expect(((error as TypeError).cause as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
    });

    it('rejects with the reason of a signal aborted before the response, closes the connection and leaves no listener', async () => {
      server.handler = () => undefined; // never answers
      const controller = new AbortController();
      const pending = transport.fetch(server.url, { signal: controller.signal });
      await waitFor(() => server.requests.length === 1, 'the request');
      controller.abort();
      await expect(pending).rejects.toBe(controller.signal.reason);
      await waitFor(() => server.closedOfRequests() === 1, 'the connection closing');
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    });

    it('rejects at once with a signal that is already aborted, sending nothing', async () => {
      const controller = new AbortController();
      controller.abort(new Error('gone'));
      await expect(transport.fetch(server.url, { signal: controller.signal })).rejects.toThrow('gone');
      await tick();
      expect(server.requests).toHaveLength(0);
    });

    it('removes its abort listener once the body is read', async () => {
      const controller = new AbortController();
      const response = await transport.fetch(server.url, { signal: controller.signal });
      await response.text();
      await waitFor(() => getEventListeners(controller.signal, 'abort').length === 0, 'the listener going');
    });

    it('errors response.body with TypeError "terminated" when the body is cut off', async () => {
      server.handler = (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('part');
        setTimeout(() => res.socket?.destroy(), 20);
      };
      const response = await transport.fetch(server.url);
      await expect(response.text()).rejects.toThrow('terminated');
    });

    it('closes the connection when response.body is cancelled', async () => {
      server.handler = (_req, res) => {
        res.writeHead(200);
        res.write('first');
      };
      const response = await transport.fetch(server.url);
      const reader = response.body!.getReader();
      await reader.read();
      await reader.cancel();
      await waitFor(() => server.closedOfRequests() === 1, 'the connection closing');
    });

    it('hands what it does not handle to the global fetch (a Request object)', async () => {
      const response = await transport.fetch(new Request(`${server.url}/via-global`, { method: 'POST', body: 'x' }));
      expect(await response.text()).toBe('ok');
      expect(server.requests[0]).toMatchObject({ url: '/via-global', body: 'x' });
      expect(server.requests[0].headers['accept-encoding']).toBeDefined(); // undici sends one
    });

    it('speaks HTTPS, checking the certificate, and streams the body from the TLS socket', async () => {
      const cert = readFileSync(join(FIXTURES, 'localhost-cert.pem'));
      const tlsServer = createHttpsServer({ cert, key: readFileSync(join(FIXTURES, 'localhost-key.pem')) }, (req, res) => {
        let body = '';
        req.on('data', (chunk: Buffer) => (body += chunk));
        req.on('end', () => {
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          res.write(`data: ${body}\n\n`);
          setTimeout(() => res.end('data: [DONE]\n\n'), 10);
        });
      });
      await new Promise<void>((resolve) => tlsServer.listen(0, '127.0.0.1', resolve));
      const url = `https://127.0.0.1:${(tlsServer.address() as AddressInfo).port}/v1`;
      const trusting = createNodeHttpFetch({ tls: { ca: cert } });
      try {
        const response = await trusting.fetch(url, { method: 'POST', body: '{"a":1}' });
        let text = '';
        await readResponseBody(response, (bytes) => {
          text += Buffer.from(bytes).toString();
          return true;
        });
        expect(text).toBe('data: {"a":1}\n\ndata: [DONE]\n\n');
        // without the certificate trusted, the request fails like fetch's would
        const error = await transport.fetch(url).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(TypeError);
        expect(((error as TypeError).cause as NodeJS.ErrnoException).code).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
      } finally {
        trusting.close();
        tlsServer.closeAllConnections();
        await new Promise<void>((resolve) => tlsServer.close(() => resolve()));
      }
    });

    it('close() closes the kept-alive connections', async () => {
      await (await transport.fetch(server.url)).text();
      expect(server.closedOfRequests()).toBe(0);
      transport.close();
      await waitFor(() => server.closedOfRequests() === 1, 'the connection closing');
    });
  });

  describe('readResponseBody()', () => {
    /** A body written in pieces, `ms` apart. */
    const pieces =
      (parts: string[], ms = 5): Handler =>
      (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        let i = 0;
        const next = () => {
          if (i === parts.length) return void res.end();
          res.write(parts[i++]);
          setTimeout(next, ms);
        };
        next();
      };

    it('feeds every chunk of the Node stream, leaving response.body unread', async () => {
      server.handler = pieces(['a', 'b', 'c']);
      const response = await transport.fetch(server.url);
      const chunks: string[] = [];
      await readResponseBody(response, (bytes) => {
        chunks.push(Buffer.from(bytes).toString());
        return true;
      });
      expect(chunks.join('')).toBe('abc');
      expect(response.bodyUsed).toBe(false);
      await expect(response.text()).rejects.toThrow('read as a Node stream');
    });

    it('keeps the connection for the next request when it stops in the last packet', async () => {
      server.handler = (_req, res) => {
        res.writeHead(200);
        res.end('data: [DONE]\n\n');
      };
      for (let i = 0; i < 2; i++) {
        const response = await transport.fetch(server.url);
        await readResponseBody(response, () => false);
        await tick();
      }
      const ports = new Set(server.requests.map((r) => r.remotePort));
      expect(ports.size).toBe(1);
      expect(server.closedPorts.filter((port) => ports.has(port))).toHaveLength(0);
    });

    it('closes the connection when it stops while the body goes on', async () => {
      server.handler = pieces(['one', 'two', 'three', 'four'], 30);
      const response = await transport.fetch(server.url);
      const chunks: string[] = [];
      await readResponseBody(response, (bytes) => {
        chunks.push(Buffer.from(bytes).toString());
        return false;
      });
      expect(chunks).toEqual(['one']);
      await waitFor(() => server.closedOfRequests() === 1, 'the connection closing');
    });

    it('rejects with TypeError "terminated" when the connection drops mid-body', async () => {
      server.handler = (_req, res) => {
        res.writeHead(200);
        res.write('data: 1\n\n');
        setTimeout(() => res.socket?.destroy(), 20);
      };
      const response = await transport.fetch(server.url);
      const chunks: string[] = [];
      const error = await readResponseBody(response, (bytes) => {
        chunks.push(Buffer.from(bytes).toString());
        return true;
      }).catch((e: unknown) => e);
      expect(chunks).toEqual(['data: 1\n\n']);
      expect(error).toBeInstanceOf(TypeError);
      expect((error as Error).message).toBe('terminated');
    });

    it('rejects, and the server sees the connection close, when the signal aborts mid-body', async () => {
      server.handler = pieces(
        Array.from({ length: 50 }, (_, i) => `${i},`),
        20,
      );
      const controller = new AbortController();
      const response = await transport.fetch(server.url, { signal: controller.signal });
      let seen = 0;
      const reading = readResponseBody(response, () => {
        if (++seen === 2) controller.abort();
        return true;
      });
      await expect(reading).rejects.toThrow('terminated');
      await waitFor(() => server.closedOfRequests() === 1, 'the connection closing');
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    });

    it('reads response.body when the response came from elsewhere, and cancels it when stopped', async () => {
      server.handler = pieces(['x', 'y', 'z'], 30);
      const response = await fetch(server.url);
      const chunks: string[] = [];
      await readResponseBody(response, (bytes) => {
        chunks.push(Buffer.from(bytes).toString());
        return chunks.length < 2;
      });
      expect(chunks).toEqual(['x', 'y']);
      await waitFor(() => server.closedOfRequests() === 1, 'the connection closing');
    });

    it('reads response.body when it was already touched', async () => {
      server.handler = pieces(['p', 'q']);
      const response = await transport.fetch(server.url);
      const clone = response.clone(); // tees response.body
      const chunks: string[] = [];
      await readResponseBody(clone, (bytes) => {
        chunks.push(Buffer.from(bytes).toString());
        return true;
      });
      expect(chunks.join('')).toBe('pq');
      expect(await response.text()).toBe('pq');
    });
  });
});

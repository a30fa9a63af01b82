import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cutAfter, parseSseBytes, readSseResponse } from '@bupple/nestjs-ai-engine/testing';

/** The testing helpers against a raw server: exact cuts, timeouts, comments and retry. */

let server: Server;
let base: string;
let closedEarly = 0;
const BODY =
  'retry: 250\n\n: hello\n\nid: s-1\nevent: a\ndata: {"n":1}\n\nid: s-2\nevent: b\ndata: wörld 🙂\r\ndata: two\r\n\r\nid: s-3\nevent: c\ndata: {"n":3}\n\n';

beforeAll(async () => {
  server = createServer((req, res: ServerResponse) => {
    res.on('close', () => {
      if (!res.writableFinished) closedEarly++;
    });
    if (req.url === '/json') {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end('{"statusCode":400}');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    // one byte at a time: cuts have to be found inside the stream, not at write boundaries
    const bytes = Buffer.from(BODY);
    let i = 0;
    const next = () => {
      if (res.destroyed) return;
      if (i >= bytes.length) {
        if (req.url !== '/hang') res.end();
        return;
      }
      res.write(bytes.subarray(i, ++i));
      setImmediate(next);
    };
    next();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => {
  server.closeAllConnections();
  return new Promise<void>((resolve) => server.close(() => resolve()));
});

async function readAll(response: Response): Promise<{ text: string; error?: unknown }> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return { text };
      text += decoder.decode(value, { stream: true });
    }
  } catch (error) {
    return { text, error };
  }
}

describe('testing helpers', () => {
  it('readSseResponse reads events, comments and retry, from a URL or a Response', async () => {
    const result = await readSseResponse(`${base}/sse`);
    expect(result).toMatchObject({ status: 200, retry: 250, comments: ['hello'], cut: false, raw: BODY });
    expect(result.events).toEqual([
      { id: 's-1', event: 'a', data: '{"n":1}', json: { n: 1 } },
      { id: 's-2', event: 'b', data: 'wörld 🙂\ntwo' },
      { id: 's-3', event: 'c', data: '{"n":3}', json: { n: 3 } },
    ]);
    const again = await readSseResponse(await fetch(`${base}/sse`));
    expect(again.events).toEqual(result.events);
    expect(parseSseBytes(new TextEncoder().encode(BODY))).toEqual(result.events);
  });

  it('readSseResponse stopAfter cuts the connection, and times out with a clear message', async () => {
    const before = closedEarly;
    const cut = await readSseResponse(`${base}/hang`, { stopAfter: 2 });
    expect(cut.cut).toBe(true);
    expect(cut.events.map((e) => e.id)).toEqual(['s-1', 's-2']);
    await expect(readSseResponse(`${base}/hang`, { timeoutMs: 300 })).rejects.toThrow('readSseResponse: no end after 300 ms');
    const deadline = Date.now() + 2000;
    while (closedEarly < before + 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(closedEarly).toBe(before + 2);
  });

  it('cutAfter(n) forwards exactly the bytes of n events, then fails like a network; later streams pass', async () => {
    const before = closedEarly;
    const cutting = cutAfter(2, { times: 1 });
    const first = await readAll(await cutting(`${base}/hang`));
    // event 2 is dispatched by the CR of its closing CRLF: the cut comes right after it
    const end = BODY.indexOf('data: two\r\n\r') + 'data: two\r\n\r'.length;
    expect(first.text).toBe(BODY.slice(0, end));
    expect(parseSseBytes(first.text).map((e) => e.id)).toEqual(['s-1', 's-2']);
    expect(first.error).toBeInstanceOf(TypeError);
    const second = await readAll(await cutting(`${base}/sse`));
    expect(second).toEqual({ text: BODY });
    const notSse = await cutting(`${base}/json`);
    expect(notSse.status).toBe(400);
    expect(await notSse.json()).toEqual({ statusCode: 400 });
    const deadline = Date.now() + 2000;
    while (closedEarly < before + 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(closedEarly).toBe(before + 1);
  });
});

import { createServer, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { applyRequestTimeouts } from '@bupple/nestjs-ai-engine';

/**
 * applyRequestTimeouts() and an event-loop stall: a client that sent its next request on a
 * kept-alive connection just before the server's loop stalled for longer than the idle timeout
 * gets its answer, where closing at the timer (which runs before the reads of the iteration)
 * would reset it (ECONNRESET); an idle connection is still closed on time.
 */
const request = (path: string) => `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`;

/** A plain HTTP server answering `ok`, with the timeouts applied. */
async function serve(configure: (server: Server) => void): Promise<{ server: Server; port: number; remove: () => void }> {
  const server = createServer((_req, res) => res.end('ok'));
  configure(server);
  const remove = applyRequestTimeouts(server, { headersTimeoutMs: 300, bodyTimeoutMs: 5000 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return { server, port: (server.address() as { port: number }).port, remove };
}

/** A raw client connection: what came back, and how it ended. */
function client(port: number): Promise<{ socket: Socket; received: () => string; ended: Promise<string> }> {
  return new Promise((resolve, reject) => {
    let data = '';
    const socket = connect({ host: '127.0.0.1', port });
    const ended = new Promise<string>((done) => {
      socket.on('error', (error: NodeJS.ErrnoException) => done(error.code ?? 'error'));
      socket.on('close', () => done('closed'));
    });
    socket.setEncoding('utf8').on('data', (chunk: string) => (data += chunk));
    socket.once('connect', () => resolve({ socket, received: () => data, ended }));
    socket.once('error', reject);
  });
}

const answers = (text: string) => text.split('HTTP/1.1 200 OK').length - 1;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(check: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!check() && Date.now() < deadline) await sleep(10);
  return check();
}

/** Blocks this process's event loop (a long GC, a starved CPU): the server's too. */
function stall(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    // busy
  }
}

describe.each([
  ["Node's keep-alive timeout (server.keepAliveTimeout 300 ms)", (server: Server) => (server.keepAliveTimeout = 300)],
  ['the headers timeout after an answer (headersTimeoutMs 300 ms, no keep-alive timeout)', (server: Server) => (server.keepAliveTimeout = 0)],
])('applyRequestTimeouts: %s', (_name, configure) => {
  let server: Server;
  let port: number;
  let remove: () => void;

  beforeEach(async () => {
    ({ server, port, remove } = await serve(configure));
  });
  afterEach(async () => {
    remove();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('answers a request sent on the kept-alive connection just before a stall longer than the idle timeout', async () => {
    const c = await client(port);
    c.socket.write(request('/first'));
    expect(await until(() => answers(c.received()) === 1, 2000)).toBe(true);
    await sleep(100);
    // the next request is on the wire, then the loop stalls past the idle timeout (its timer runs before the read)
    c.socket.write(request('/second'));
    stall(600);
    expect(await until(() => answers(c.received()) === 2, 3000)).toBe(true);
    c.socket.destroy();
  });

  it('still closes an idle connection on time', async () => {
    const c = await client(port);
    c.socket.write(request('/only'));
    expect(await until(() => answers(c.received()) === 1, 2000)).toBe(true);
    const started = Date.now();
    let timer: NodeJS.Timeout | undefined;
    const stillOpen = new Promise<string>((resolve) => (timer = setTimeout(() => resolve('still open'), 3000)));
    expect(await Promise.race([c.ended, stillOpen])).toBe('closed');
    clearTimeout(timer);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

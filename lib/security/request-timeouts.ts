import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** How long a client may take to send a request. */
export interface RequestTimeoutOptions {
  /** From the connection (or the end of the previous response) to the end of the headers, in ms. Default 10 000. */
  headersTimeoutMs?: number;
  /** From the end of the headers to the end of the body, in ms. Default 10 000. */
  bodyTimeoutMs?: number;
}

/**
 * Cuts clients that are slow to send their request: headers not complete within
 * `headersTimeoutMs`, or a body (announced by `Content-Length` or chunked) not complete within
 * `bodyTimeoutMs` after them (408, then the connection is closed). Responses are not limited:
 * an SSE answer may last as long as it needs. Works on the server under Express or Fastify
 * (`app.getHttpServer()`), before or after `listen()`.
 *
 * Node's own `headersTimeout` / `requestTimeout` (also set here) are only checked every 30 s
 * (`connectionsCheckingInterval`, fixed when the server is created, which Nest does for you),
 * so on their own a client that promises a body and never sends it is held for up to 30 s;
 * these timers cut it on time. Returns a function that removes them.
 *
 * An idle kept-alive connection is closed when `server.keepAliveTimeout` (Node's, 5 s by
 * default) or these timers run out, but never before the request already waiting on it is
 * read: after an event-loop stall (a long GC, a starved CPU) the timers of a loop iteration run
 * before its reads, and closing then would reset (ECONNRESET) every client that had sent its
 * next request on a connection idle for longer than the stall. The close waits for the reads
 * of that iteration (setImmediate) and is dropped when a request came in.
 */
export function applyRequestTimeouts(server: Server, options: RequestTimeoutOptions = {}): () => void {
  const headersMs = options.headersTimeoutMs ?? 10_000;
  const bodyMs = options.bodyTimeoutMs ?? 10_000;
  server.headersTimeout = headersMs;
  server.requestTimeout = headersMs + bodyMs;
  const waiting = new WeakMap<Socket, NodeJS.Timeout>();
  /** Sockets with a request under way (from its 'request' event to the end of its answer). */
  const busy = new WeakSet<Socket>();
  const answering = new WeakMap<Socket, ServerResponse>();
  const waitForHeaders = (socket: Socket) => {
    clearTimeout(waiting.get(socket));
    if (socket.destroyed) return;
    const timer: NodeJS.Timeout = setTimeout(() => afterReads(() => waiting.get(socket) === timer && !busy.has(socket) && socket.destroy()), headersMs);
    timer.unref();
    waiting.set(socket, timer);
  };
  // Node's keep-alive timeout: with a listener here Node leaves the socket to it (socketOnTimeout)
  const onTimeout = (socket: Socket) => {
    if (server.listenerCount('timeout') > 1) return; // the app handles timeouts itself
    if (busy.has(socket)) {
      // a request under way that timed out (server.timeout): what Node does without listeners, unless the request or answer has its own
      const res = answering.get(socket);
      const req = res?.req;
      if (!(res && res.listenerCount('timeout') > 0) && !(req && !req.complete && req.listenerCount('timeout') > 0)) socket.destroy();
      return;
    }
    afterReads(() => !busy.has(socket) && socket.destroy());
  };
  const onConnection = (socket: Socket) => {
    waitForHeaders(socket);
    socket.once('close', () => clearTimeout(waiting.get(socket)));
  };
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    const socket = req.socket;
    clearTimeout(waiting.get(socket));
    waiting.delete(socket);
    busy.add(socket);
    answering.set(socket, res);
    const idle = () => {
      if (answering.get(socket) !== res) return;
      busy.delete(socket);
      answering.delete(socket);
    };
    // the next request on a kept-alive connection gets the same bound on its headers
    res.once('finish', () => {
      idle();
      if (!socket.destroyed) waitForHeaders(socket);
    });
    res.once('close', idle);
    if (req.complete) return;
    const timer = setTimeout(
      () =>
        afterReads(() => {
          if (req.complete || socket.destroyed) return;
          if (!res.headersSent) {
            res.statusCode = 408;
            res.setHeader('connection', 'close');
            res.setHeader('content-type', 'application/json; charset=utf-8');
            res.end(JSON.stringify({ statusCode: 408, error: 'Request Timeout', message: `The request body did not arrive within ${bodyMs} ms.` }));
          }
          socket.destroy();
        }),
      bodyMs,
    );
    timer.unref();
    const done = () => clearTimeout(timer);
    req.once('end', done);
    res.once('close', done);
  };
  server.prependListener('connection', onConnection);
  server.prependListener('request', onRequest);
  server.on('timeout', onTimeout);
  return () => {
    server.off('connection', onConnection);
    server.off('request', onRequest);
    server.off('timeout', onTimeout);
  };
}

/** Runs `close` after the reads of this loop iteration: a request already on the wire is seen first. */
function afterReads(close: () => unknown): void {
  setImmediate(close);
}

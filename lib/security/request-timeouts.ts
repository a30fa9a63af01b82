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
 */
export function applyRequestTimeouts(server: Server, options: RequestTimeoutOptions = {}): () => void {
  const headersMs = options.headersTimeoutMs ?? 10_000;
  const bodyMs = options.bodyTimeoutMs ?? 10_000;
  server.headersTimeout = headersMs;
  server.requestTimeout = headersMs + bodyMs;
  const waiting = new WeakMap<Socket, NodeJS.Timeout>();
  const waitForHeaders = (socket: Socket) => {
    clearTimeout(waiting.get(socket));
    if (socket.destroyed) return;
    const timer = setTimeout(() => socket.destroy(), headersMs);
    timer.unref();
    waiting.set(socket, timer);
  };
  const onConnection = (socket: Socket) => {
    waitForHeaders(socket);
    socket.once('close', () => clearTimeout(waiting.get(socket)));
  };
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    const socket = req.socket;
    clearTimeout(waiting.get(socket));
    waiting.delete(socket);
    // the next request on a kept-alive connection gets the same bound on its headers
    res.once('finish', () => {
      if (!socket.destroyed) waitForHeaders(socket);
    });
    if (req.complete) return;
    const timer = setTimeout(() => {
      if (req.complete) return;
      if (!res.headersSent) {
        res.statusCode = 408;
        res.setHeader('connection', 'close');
        res.setHeader('content-type', 'application/json; charset=utf-8');
        res.end(JSON.stringify({ statusCode: 408, error: 'Request Timeout', message: `The request body did not arrive within ${bodyMs} ms.` }));
      }
      socket.destroy();
    }, bodyMs);
    timer.unref();
    const done = () => clearTimeout(timer);
    req.once('end', done);
    res.once('close', done);
  };
  server.prependListener('connection', onConnection);
  server.prependListener('request', onRequest);
  return () => {
    server.off('connection', onConnection);
    server.off('request', onRequest);
  };
}

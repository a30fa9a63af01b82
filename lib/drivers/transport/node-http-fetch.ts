import http, { type ClientRequest, type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import { TunnelAgent, createProxyPlan, transportError, type ProxyEndpoint, type ProxySetting } from './proxy.js';

/** A `fetch` over node:http / node:https, with the keep-alive agents it owns. */
export interface NodeHttpFetch {
  readonly fetch: typeof fetch;
  /**
   * `fetch` whose responses carry no WHATWG body (`response.body` is null): the body is read
   * with `readResponseBody()` / `readEventStream()` only, straight from the Node stream. It
   * saves a `ReadableStream` per request, for drivers that read their bodies themselves.
   */
  readonly fetchNodeBody: typeof fetch;
  /** Closes the kept-alive connections (and any request still open). */
  close(): void;
}

/** A response body still held as the Node stream it arrived on. */
interface NodeBody {
  readonly request: ClientRequest;
  readonly message: IncomingMessage;
  /** Who reads it: the driver through `readResponseBody`, or whoever pulls `response.body`. */
  reader?: 'node' | 'web';
}

/** The Node stream under each response this transport made. Weak: nothing outlives its response. */
const nodeBodies = new WeakMap<Response, NodeBody>();

/** Statuses whose Response may not carry a body (the Response constructor rejects one). */
export const NULL_BODY_STATUSES: ReadonlySet<number> = new Set([101, 103, 204, 205, 304]);

/** The error fetch raises when the network fails before a response: `TypeError: fetch failed`. */
function fetchFailed(cause: unknown): TypeError {
  return new TypeError('fetch failed', { cause });
}

/** The error fetch raises when a body is cut off: `TypeError: terminated`. */
function terminated(cause?: unknown): TypeError {
  return new TypeError('terminated', cause === undefined ? undefined : { cause });
}

function parseUrl(input: string): URL | null {
  try {
    return new URL(input);
  } catch {
    return null;
  }
}

/**
 * The request's headers as a plain record with lower-case names. A plain object of strings
 * (what the drivers pass) is copied as it is; anything else goes through `Headers`, which
 * validates and joins. node:http validates names and values again when it sends them.
 */
function headerRecord(init: RequestInit['headers']): Record<string, string> {
  if (init !== undefined && init !== null && Object.getPrototypeOf(init) === Object.prototype) {
    const plain = plainHeaderRecord(init as Record<string, unknown>);
    if (plain) return plain;
  }
  const headers: Record<string, string> = {};
  new Headers(init).forEach((value, name) => {
    headers[name] = value;
  });
  return headers;
}

/** A record of string values with lower-case names (a name given twice: the values joined), or undefined if a value is no string. */
function plainHeaderRecord(init: Record<string, unknown>): Record<string, string> | undefined {
  const headers: Record<string, string> = {};
  for (const name in init) {
    const value = init[name];
    if (typeof value !== 'string') return undefined;
    const lower = name.toLowerCase();
    headers[lower] = lower in headers ? `${headers[lower]}, ${value}` : value;
  }
  return headers;
}

function responseHeaders(rawHeaders: readonly string[]): Headers {
  const headers = new Headers();
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    try {
      headers.append(rawHeaders[i], rawHeaders[i + 1]);
    } catch {
      // a header the WHATWG Headers class refuses (e.g. a value with a control character) is left out
    }
  }
  return headers;
}

/**
 * The body as a WHATWG stream for whoever reads `response.body` (the SDK reads error bodies
 * this way). It starts reading the Node stream only when first pulled, so a driver that takes
 * the Node stream instead pays nothing for it.
 */
function webBody(body: NodeBody): ReadableStream<Uint8Array> {
  const { message } = body;
  let attached = false;
  return new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (!attached) {
          attached = true;
          if (body.reader === 'node') {
            controller.error(new TypeError('Body is unusable: it is read as a Node stream'));
            return;
          }
          body.reader = 'web';
          let closed = false;
          // No throw may leave a socket callback (it would be uncaught): a controller that was
          // cancelled or errored meanwhile refuses enqueue/close, and the request is then closed.
          message.on('data', (chunk: Buffer) => {
            try {
              controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
              if ((controller.desiredSize ?? 1) <= 0) message.pause();
            } catch {
              closed = true;
              body.request.destroy();
            }
          });
          message.once('end', () => {
            if (closed) return;
            closed = true;
            try {
              controller.close();
            } catch {
              // already cancelled by the reader
            }
          });
          message.once('close', () => {
            if (closed) return;
            closed = true;
            try {
              controller.error(terminated());
            } catch {
              // already cancelled by the reader
            }
          });
        }
        message.resume();
      },
      cancel() {
        body.request.destroy();
      },
    },
    { highWaterMark: 0 },
  ); // no read ahead: nothing is pulled until someone reads
}

/** Per-attempt transport timeouts, in ms (see `ProviderTransportTimeout`). */
export interface NodeHttpTimeout {
  /** Until the connection is up: TCP, TLS, and the proxy's tunnel. */
  connectMs?: number;
  /** From sending the request until the response headers (connecting included). */
  responseMs?: number;
}

/** Options of `createNodeHttpFetch()`. */
export interface NodeHttpFetchOptions extends ProxySetting {
  /** Extra trusted certificates (tests; in production `NODE_EXTRA_CA_CERTS` does it). */
  tls?: Pick<https.AgentOptions, 'ca'>;
  /** The caller's own agent for every request (its protocol must match the URLs'); no proxy then. */
  agent?: http.Agent;
  timeout?: NodeHttpTimeout;
}

/**
 * Creates a `fetch` for a provider SDK that makes its requests with node:http / node:https
 * over keep-alive agents of its own. It returns standard `Response`s and fails like fetch
 * (`TypeError: fetch failed` before a response, `terminated` when a body is cut off, the
 * signal's reason on abort), so the SDK handles statuses, headers and error bodies as usual.
 * A streaming driver reads the body with `readResponseBody()`, straight from the Node stream:
 * under many concurrent streams that costs a third less CPU per token than fetch's WHATWG
 * streams (see bench/). Redirects are not followed, and nothing is decompressed (no
 * `accept-encoding` is sent). `tls.ca` adds trusted certificates (tests; in production
 * `NODE_EXTRA_CA_CERTS` does it). A request it does not handle (a `Request` object, a streamed
 * or form body, a URL that is not http or https) goes to the global `fetch`.
 *
 * `proxy` sends requests through an HTTP proxy (a `CONNECT` tunnel for https URLs, an
 * absolute-form request for http ones), `'env'` takes it from `HTTPS_PROXY` / `HTTP_PROXY` /
 * `NO_PROXY` (read once, here); `agent` replaces the pools with the caller's agent;
 * `timeout.connectMs` / `responseMs` fail an attempt that connects or answers too slowly
 * (`ERR_CONNECT_TIMEOUT` / `ERR_RESPONSE_TIMEOUT`, a `ConnectionException` for the drivers).
 */
export function createNodeHttpFetch(options: NodeHttpFetchOptions = {}): NodeHttpFetch {
  const plan = options.agent ? undefined : createProxyPlan(options);
  const connectMs = options.timeout?.connectMs;
  const responseMs = options.timeout?.responseMs;
  const agents = {
    'http:': new http.Agent({ keepAlive: true }),
    'https:': new https.Agent({ ...options.tls, keepAlive: true }),
  };
  /** Per proxy: a keep-alive agent to it (absolute-form http requests) and a tunnelling one (https). */
  const proxyAgents = new Map<ProxyEndpoint, { plain: http.Agent; tunnel: TunnelAgent }>();
  const agentsOf = (proxy: ProxyEndpoint) => {
    let found = proxyAgents.get(proxy);
    if (!found) {
      found = { plain: new http.Agent({ keepAlive: true }), tunnel: new TunnelAgent(proxy, { ...options.tls, keepAlive: true, connectMs }) };
      proxyAgents.set(proxy, found);
    }
    return found;
  };

  const nodeFetch = (input: string | URL | Request, init: RequestInit = {}, webBodies = true): Promise<Response> => {
    const url = typeof input === 'string' ? parseUrl(input) : input instanceof URL ? input : null;
    const body = init.body;
    const bytes = body === undefined || body === null ? undefined : typeof body === 'string' ? Buffer.from(body) : body instanceof Uint8Array ? body : null;
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || bytes === null) return globalThis.fetch(input, init);
    const signal = init.signal ?? undefined;
    if (signal?.aborted) return Promise.reject(signal.reason);

    const headers = headerRecord(init.headers);
    if (bytes) headers['content-length'] = String(bytes.byteLength);
    const method = (init.method ?? 'GET').toUpperCase();
    const proxy = plan?.forUrl(url);
    // through a proxy, an http URL goes to the proxy in absolute form; an https one through a tunnel
    const absoluteForm = proxy !== undefined && url.protocol === 'http:';
    const agent = options.agent ?? (proxy ? (absoluteForm ? agentsOf(proxy).plain : agentsOf(proxy).tunnel) : agents[url.protocol as keyof typeof agents]);
    const target: http.RequestOptions = absoluteForm
      ? {
          host: proxy.hostname,
          port: proxy.port,
          path: url.href,
          method,
          headers: { ...headers, host: url.host, ...(proxy.authorization ? { 'proxy-authorization': proxy.authorization } : {}) },
          agent,
        }
      : { method, headers, agent };

    const attempt = (resolve: (response: Response) => void, reject: (error: unknown) => void, retried: boolean) => {
      const request = absoluteForm ? http.request(target) : (url.protocol === 'https:' ? https : http).request(url, target);

      const onAbort = () => {
        reject(signal?.reason);
        request.destroy(signal?.reason);
      };
      let connectTimer: NodeJS.Timeout | undefined;
      let responseTimer: NodeJS.Timeout | undefined;
      const stopTimers = () => {
        clearTimeout(connectTimer);
        clearTimeout(responseTimer);
      };
      if (responseMs !== undefined) {
        responseTimer = setTimeout(() => request.destroy(transportError('ERR_RESPONSE_TIMEOUT', `no response headers within ${responseMs} ms`)), responseMs);
      }
      if (connectMs !== undefined) {
        connectTimer = setTimeout(() => request.destroy(transportError('ERR_CONNECT_TIMEOUT', `no connection within ${connectMs} ms`)), connectMs);
        request.once('socket', (socket: Socket) => {
          // a kept-alive socket (or a tunnel, handed over ready) is up; a new one is still connecting
          if (!socket.connecting) clearTimeout(connectTimer);
          else socket.once((socket as { encrypted?: boolean }).encrypted ? 'secureConnect' : 'connect', () => clearTimeout(connectTimer));
        });
      }
      const cleanUp = () => {
        stopTimers();
        signal?.removeEventListener('abort', onAbort);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      request.once('close', cleanUp);
      let answered = false;
      request.on('error', (error) => {
        cleanUp();
        // A kept-alive connection the server closed while idle (its keep-alive timeout) fails
        // as ECONNRESET / EPIPE before any byte of an answer: the request never reached it, so
        // it is sent once more, on a new connection (what Node's docs advise for reusedSocket).
        const code = (error as { code?: unknown }).code;
        if (!answered && !retried && request.reusedSocket && !signal?.aborted && (code === 'ECONNRESET' || code === 'EPIPE')) {
          attempt(resolve, reject, true);
          return;
        }
        reject(fetchFailed(error)); // ignored once the response is out: its body reports the failure
      });
      request.once('response', (message) => {
        answered = true;
        stopTimers();
        message.once('close', cleanUp);
        if (absoluteForm && message.statusCode === 407) {
          // the proxy, not the provider, refused: never passed off as the provider's answer
          message.resume();
          request.destroy();
          reject(fetchFailed(transportError('ERR_PROXY_AUTH', `the proxy ${proxy.label} refused the credentials (HTTP 407)`)));
          return;
        }
        message.on('error', () => undefined); // a cut-off body is reported by its reader, through 'close'
        const status = message.statusCode ?? 0;
        const entry: NodeBody = { request, message };
        const hasBody = method !== 'HEAD' && !NULL_BODY_STATUSES.has(status);
        let response: Response;
        try {
          response = new Response(hasBody && webBodies ? webBody(entry) : null, {
            status,
            statusText: message.statusMessage,
            headers: responseHeaders(message.rawHeaders),
          });
        } catch (error) {
          // e.g. a status outside 200–599
          request.destroy();
          reject(fetchFailed(error));
          return;
        }
        if (!hasBody) message.resume();
        nodeBodies.set(response, entry);
        resolve(response);
      });
      request.end(bytes);
    };
    return new Promise<Response>((resolve, reject) => attempt(resolve, reject, false));
  };

  return {
    fetch: ((input: string | URL | Request, init?: RequestInit) => nodeFetch(input, init)) as typeof fetch,
    fetchNodeBody: ((input: string | URL | Request, init?: RequestInit) => nodeFetch(input, init, false)) as typeof fetch,
    close() {
      agents['http:'].destroy();
      agents['https:'].destroy();
      for (const { plain, tunnel } of proxyAgents.values()) {
        plain.destroy();
        tunnel.destroy();
      }
      // the caller's own agent is the caller's to close
    },
  };
}

/**
 * Feeds a response's body to `onChunk` until it ends or `onChunk` returns false (the rest is
 * then not read, and the connection is closed unless the body ends at once). A body cut off
 * rejects with `TypeError: terminated`, as fetch's would; so does an aborted request. When
 * `onChunk` throws (a parser over its size cap, a malformed event), the promise rejects with
 * that error and the connection is closed: no throw ever escapes into a socket callback.
 * Reads the Node stream when the response came from `createNodeHttpFetch()`, `response.body` otherwise.
 */
export function readResponseBody(response: Response, onChunk: (chunk: Uint8Array) => boolean): Promise<void> {
  const body = nodeBodies.get(response);
  if (body && body.reader === undefined && !response.bodyUsed) {
    body.reader = 'node';
    return readNodeBody(body, onChunk);
  }
  return readWebBody(response, onChunk);
}

function discard(): void {}

function readNodeBody({ request, message }: NodeBody, onChunk: (chunk: Uint8Array) => boolean): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let settled = false;
    const settle = (error?: unknown) => {
      if (settled) return;
      settled = true;
      message.off('data', onData);
      message.off('end', onEnd);
      message.off('close', onClose);
      if (error === undefined) resolve();
      else reject(error);
    };
    const onData = (chunk: Buffer) => {
      if (settled) return;
      let more: boolean;
      try {
        more = onChunk(chunk);
      } catch (error) {
        settle(error);
        message.on('data', discard);
        request.destroy();
        return;
      }
      if (more) return;
      settle();
      // Stopped early (e.g. at [DONE]): drain what is left of this packet, then keep the
      // connection for the next request if the body ended with it, or close it.
      message.on('data', discard);
      setImmediate(() => {
        if (!message.complete) request.destroy();
      });
    };
    const onEnd = () => settle();
    const onClose = () => settle(terminated(message.errored ?? undefined));
    message.on('data', onData);
    message.once('end', onEnd);
    message.once('close', onClose);
    if (message.readableEnded) settle();
    else if (message.destroyed) settle(terminated());
  });
}

async function readWebBody(response: Response, onChunk: (chunk: Uint8Array) => boolean): Promise<void> {
  if (!response.body) return;
  const reader = response.body.getReader();
  let ended = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) {
        ended = true;
        return;
      }
      if (!onChunk(value)) return; // a throw rejects, and the finally below frees the connection
    }
  } finally {
    // stop reading what is left and free the connection
    if (!ended) reader.cancel().catch(() => undefined);
  }
}

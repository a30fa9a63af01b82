/**
 * The one provider transport: keep-alive requests over node:http / node:https, every body
 * read by the one SSE parser (lib/protocol/), and one error table (./provider-errors.ts).
 *
 * Usage in a driver (the SDK may keep building and authenticating the request):
 *
 *   const transport = createProviderTransport(transportOptionsOf(config)); // headers, proxy, agent, timeout
 *   // a) through an SDK: give it `transport.eventStreamFetch` as its fetch (and maxRetries: 0).
 *   //    An error status, or a 2xx that is not `text/event-stream`, never reaches the SDK: the
 *   //    fetch rejects with a `ProviderResponseError` (status, headers, body text, bounded),
 *   //    which the SDK wraps; `mapProviderFailure()` finds it in the cause chain.
 *   // b) without an SDK: const response = await transport.request(url, { method: 'POST', headers, body, signal });
 *   const stopped = await readEventStream(response, (message) => {
 *     // message: { event, data, id, lastEventId }; throw to fail the stream, return false to stop reading
 *   }, { maxEventLength });
 *   ...
 *   } catch (error) {
 *     if (signal.aborted) return;
 *     throw mapProviderFailure(error, context, readMyErrorBody) ?? myFallback(error);
 *   }
 *   transport.close(); // on shutdown
 *
 * `readMyErrorBody(body, status)` is the only provider-specific part of error mapping: it
 * reads the provider's body format into `{ kind?, detail?, retryAfter?, billing? }`.
 * The same bytes give the same result however the network splits them (the parser is fed
 * bytes and decodes UTF-8 as a stream); a line or an event over `maxEventLength` fails the
 * stream with a `ProviderStreamLimitException`, never the process; no throw ever escapes
 * into a socket callback.
 */
import type http from 'node:http';
import type https from 'node:https';
import { EngineException, ProviderServerException } from '../../errors/engine.exception.js';
import { ErrorMessages } from '../../errors/error-messages.js';
import { DEFAULT_SSE_MAX_LENGTH, SseLimitError, SseParser, type SseMessage } from '../../protocol/sse-parser.js';
import { NULL_BODY_STATUSES, createNodeHttpFetch, readResponseBody, type NodeHttpTimeout } from './node-http-fetch.js';
import { nodeUtf8Decoder } from './node-utf8-decoder.js';
import {
  exceptionFromFacts,
  networkException,
  parseErrorBody,
  streamLimitException,
  type ProviderErrorContext,
  type ProviderErrorFacts,
} from './provider-errors.js';

/** Most bytes of an error body (or of a 2xx that is not an event stream) that are read and kept. */
export const MAX_ERROR_BODY_BYTES = 64 * 1024;

/** Why a provider's answer is no event stream to read. */
export type ProviderResponseProblem = 'status' | 'not-event-stream';

/**
 * The provider answered, but not with an event stream: an error status (`problem: 'status'`),
 * or a 2xx of another content type, e.g. an HTML page from a proxy or a JSON body
 * (`'not-event-stream'`). Carries the status, the headers and the body text (at most
 * `MAX_ERROR_BODY_BYTES`). Its message names only the status: an SDK that wraps it judges
 * nothing from the body.
 */
export class ProviderResponseError extends Error {
  constructor(
    readonly problem: ProviderResponseProblem,
    readonly status: number,
    readonly headers: Headers,
    readonly bodyText: string,
  ) {
    super(problem === 'status' ? `The provider answered HTTP ${status}.` : `The provider answered HTTP ${status} with no event stream.`);
    this.name = 'ProviderResponseError';
  }

  /** The `content-type` of the answer, if any. */
  get contentType(): string | null {
    return this.headers.get('content-type');
  }
}

/** The `ProviderResponseError` in an error's cause chain (an SDK wraps what its fetch threw). */
export function findProviderResponseError(error: unknown): ProviderResponseError | undefined {
  let current = error;
  for (let depth = 0; depth < 8 && typeof current === 'object' && current !== null; depth++) {
    if (current instanceof ProviderResponseError) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Options of `createProviderTransport()`. */
export interface ProviderTransportOptions {
  /** Extra trusted certificates (tests; in production `NODE_EXTRA_CA_CERTS` does it). */
  tls?: Pick<https.AgentOptions, 'ca'>;
  /** Headers added to every request (a request's own headers win). */
  headers?: Record<string, string>;
  /** An HTTP proxy URL, `'env'` (`HTTPS_PROXY` / `HTTP_PROXY` / `NO_PROXY`), or false: direct. */
  proxy?: string | false;
  /** Hosts reached without the proxy (`NO_PROXY` syntax). */
  noProxy?: string;
  /** The caller's own agent for every request, instead of the transport's pools. */
  agent?: http.Agent;
  /** Per-attempt connect and response-headers timeouts. */
  timeout?: NodeHttpTimeout;
}

/** The transport settings of a provider engine's config (`headers`, `proxy`, `noProxy`, `agent`, `timeout`). */
export function transportOptionsOf(config: Pick<ProviderTransportOptions, 'headers' | 'proxy' | 'noProxy' | 'agent' | 'timeout'>): ProviderTransportOptions {
  const { headers, proxy, noProxy, agent, timeout } = config;
  return { headers, proxy, noProxy, agent, timeout };
}

/** What `createProviderTransport()` returns. */
export interface ProviderTransport {
  /** A plain `fetch` over the transport's keep-alive pool (for SDK calls that read JSON answers). */
  readonly fetch: typeof fetch;
  /** A `fetch` that resolves only with a 2xx event stream; anything else rejects with a `ProviderResponseError`. */
  readonly eventStreamFetch: typeof fetch;
  /**
   * `eventStreamFetch`, for drivers that build requests themselves. The answer's body is read
   * with `readEventStream()` (or `readResponseBody()`) only: `response.body` is null, which
   * spares a WHATWG stream per request.
   */
  request(url: string | URL, init: RequestInit): Promise<Response>;
  /** Closes the kept-alive connections (and any request still open). */
  close(): void;
}

/** Reads at most `MAX_ERROR_BODY_BYTES` of a body as text, then closes it. */
export async function readBoundedText(response: Response, maxBytes: number = MAX_ERROR_BODY_BYTES): Promise<string> {
  const decoder = new TextDecoder();
  let text = '';
  let bytes = 0;
  try {
    await readResponseBody(response, (chunk) => {
      const room = maxBytes - bytes;
      const piece = chunk.byteLength > room ? chunk.subarray(0, room) : chunk;
      bytes += piece.byteLength;
      text += decoder.decode(piece, { stream: true });
      return bytes < maxBytes;
    });
  } catch {
    // a body cut off: keep what came
  }
  return text + decoder.decode();
}

/** True for `text/event-stream` (any parameters, any case). */
export function isEventStream(contentType: string | null): boolean {
  return contentType !== null && /^\s*text\/event-stream\s*(;|$)/i.test(contentType);
}

/**
 * Checks an answer before anyone reads it: a 2xx `text/event-stream` passes; an error status
 * or a 2xx of another type is read (bounded) and rejected as a `ProviderResponseError`.
 */
export async function expectEventStream(response: Response): Promise<Response> {
  if (response.ok && isEventStream(response.headers.get('content-type'))) return response;
  const problem: ProviderResponseProblem = response.ok ? 'not-event-stream' : 'status';
  const text = NULL_BODY_STATUSES.has(response.status) ? '' : await readBoundedText(response);
  throw new ProviderResponseError(problem, response.status, response.headers, text);
}

export function createProviderTransport(options: ProviderTransportOptions = {}): ProviderTransport {
  const node = createNodeHttpFetch({ tls: options.tls, proxy: options.proxy, noProxy: options.noProxy, agent: options.agent, timeout: options.timeout });
  const extra = options.headers;
  const withExtra = (init: RequestInit): RequestInit => {
    if (!extra) return init;
    const headers = new Headers(extra);
    new Headers(init.headers).forEach((value, name) => headers.set(name, value));
    return { ...init, headers };
  };
  const plain = ((input: string | URL | Request, init: RequestInit = {}) => node.fetch(input, withExtra(init))) as typeof fetch;
  const eventStreamFetch = (async (input: string | URL | Request, init?: RequestInit) => expectEventStream(await plain(input, init))) as typeof fetch;
  return {
    fetch: plain,
    eventStreamFetch,
    request: async (url, init) => expectEventStream(await node.fetchNodeBody(url, withExtra(init))),
    close: () => node.close(),
  };
}

/** Options of `readEventStream()`. */
export interface ReadEventStreamOptions {
  /** Longest line, and longest event, in characters. Default 8 Mi (`DEFAULT_SSE_MAX_LENGTH`). */
  maxEventLength?: number;
}

/**
 * Reads an event-stream body with the one SSE parser, handing each event to `onEvent` as it
 * is dispatched. `onEvent` returning false stops the reading (the rest is not read; resolves
 * true). A throw from `onEvent`, a line or an event over the cap (`SseLimitError`), or a body
 * cut off (`TypeError: terminated`) rejects, and the connection is closed. An event without
 * its closing blank line at the end of the body is dropped, as the spec says.
 */
export async function readEventStream(
  response: Response,
  onEvent: (message: SseMessage) => boolean | void,
  options: ReadEventStreamOptions = {},
): Promise<boolean> {
  let stopped = false;
  const parser = new SseParser(
    {
      onEvent(message) {
        if (!stopped && onEvent(message) === false) stopped = true;
      },
    },
    { maxLength: options.maxEventLength ?? DEFAULT_SSE_MAX_LENGTH, decoder: nodeUtf8Decoder },
  );
  await readResponseBody(response, (chunk) => {
    parser.feed(chunk);
    return !stopped;
  });
  if (!stopped) parser.end();
  return stopped;
}

/** The provider-specific part of error mapping: its error body format, in neutral terms. */
export type ProviderErrorBodyReader = (body: unknown, status: number | undefined) => Omit<ProviderErrorFacts, 'status' | 'headers' | 'body'>;

/**
 * The shared mapping of a transport failure: an `EngineException` as it is, the parser's
 * cap, an answer that was no event stream (through the provider's body reader and the
 * status table), a network failure, a malformed event (`SyntaxError`). Undefined for what
 * it does not know (the provider decides).
 */
export function mapProviderFailure(error: unknown, context: ProviderErrorContext, readBody: ProviderErrorBodyReader): EngineException | undefined {
  if (EngineException.isInstance(error)) {
    error.engine ??= context.engine;
    return error;
  }
  if (SseLimitError.isInstance(error)) return streamLimitException(error, context);
  const answer = findProviderResponseError(error);
  if (answer) {
    const body = parseErrorBody(answer.bodyText);
    if (answer.problem === 'status')
      return exceptionFromFacts({ ...readBody(body, answer.status), status: answer.status, headers: answer.headers, body }, context);
    // a 2xx that is no event stream: an error body the provider sent that way, or a page from a proxy
    const facts = body === undefined ? {} : readBody(body, undefined);
    if (facts.kind !== undefined) return exceptionFromFacts({ ...facts, headers: answer.headers, body }, context);
    return new ProviderServerException(ErrorMessages.notEventStream(context.label ?? context.engine, answer.status, answer.contentType), {
      provider: context.provider,
      engine: context.engine,
      status: answer.status,
      body,
      retryable: false,
    });
  }
  const network = networkException(error, context);
  if (network) return network;
  if (error instanceof SyntaxError) {
    return new ProviderServerException(ErrorMessages.malformedStream(context.label ?? context.engine), { provider: context.provider, engine: context.engine });
  }
  return undefined;
}

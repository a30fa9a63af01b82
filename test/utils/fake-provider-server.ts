import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request the fake provider received, with its JSON body parsed. */
export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: any;
  /** Resolves when the client closed the connection before the response ended (an abort). */
  aborted: Promise<void>;
  /** True once the client closed the connection before the response ended. */
  wasAborted: () => boolean;
}

export type FakeHandler = (req: RecordedRequest, res: ServerResponse) => void | Promise<void>;

/**
 * A local HTTP server that plays a provider: each test gives the handler that answers, and
 * reads back what the driver sent. Listens on 127.0.0.1, port 0.
 */
export class FakeProviderServer {
  readonly requests: RecordedRequest[] = [];
  private server?: Server;
  private handler: FakeHandler = (_req, res) => {
    res.writeHead(500).end('no handler');
  };

  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.accept(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** Sets how the next requests are answered. */
  respond(handler: FakeHandler): this {
    this.handler = handler;
    return this;
  }

  get lastRequest(): RecordedRequest {
    const last = this.requests[this.requests.length - 1];
    if (!last) throw new Error('the fake provider received no request');
    return last;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }

  private async accept(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      /* keep the text */
    }
    let aborted = false;
    let markAborted!: () => void;
    const abortedPromise = new Promise<void>((resolve) => (markAborted = resolve));
    res.on('close', () => {
      if (!res.writableFinished) {
        aborted = true;
        markAborted();
      }
    });
    const recorded: RecordedRequest = {
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      headers: req.headers,
      body,
      aborted: abortedPromise,
      wasAborted: () => aborted,
    };
    this.requests.push(recorded);
    try {
      await this.handler(recorded, res);
    } catch (error) {
      if (!res.headersSent) res.writeHead(500);
      res.end(String(error));
    }
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Writes `payload` in pieces of `pieceSize` bytes, so lines, JSON values and multi-byte
 * UTF-8 characters arrive split, with a pause between pieces. Stops early if the client left.
 */
export async function writeSplit(res: ServerResponse, payload: string | Buffer, pieceSize = 7, pauseMs = 1): Promise<void> {
  const bytes = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  for (let i = 0; i < bytes.length; i += pieceSize) {
    if (res.destroyed) return;
    res.write(bytes.subarray(i, i + pieceSize));
    if (pauseMs > 0) await sleep(pauseMs);
  }
}

/** Starts an SSE response with the headers providers send. */
export function startEventStream(res: ServerResponse, extraHeaders: Record<string, string> = {}): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    ...extraHeaders,
  });
}

/** Answers with a JSON error body and status, as providers do. */
export function sendJsonError(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/** Reads a fixture of one JSON value per line (blank lines and `#` comments skipped). */
export function parseJsonLines(text: string): unknown[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => JSON.parse(line));
}

/** One Server-Sent Event as providers frame it: an optional `event:` line, one `data:` line, a blank line. */
export function sseFrame(data: unknown, event?: string): string {
  return `${event ? `event: ${event}\n` : ''}data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;
}

/**
 * Byte offsets `at` bytes into every occurrence of each needle in `payload`: cut there to split
 * a multi-byte character (an emoji's 4 bytes, `ü`'s 2) or a line at a chosen place.
 */
export function cutsInside(payload: string, needles: string[], at = 1): number[] {
  const bytes = Buffer.from(payload, 'utf8');
  const cuts: number[] = [];
  for (const needle of needles) {
    const wanted = Buffer.from(needle, 'utf8');
    for (let i = bytes.indexOf(wanted); i !== -1; i = bytes.indexOf(wanted, i + 1)) cuts.push(i + Math.min(at, wanted.length - 1));
  }
  return cuts;
}

/** Writes `payload` cut at the given byte offsets, pausing between pieces. Stops early if the client left. */
export async function writeCuts(res: ServerResponse, payload: string | Buffer, offsets: number[], pauseMs = 1): Promise<void> {
  const bytes = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  const cuts = [...new Set(offsets.filter((o) => o > 0 && o < bytes.length))].sort((a, b) => a - b);
  let start = 0;
  for (const end of [...cuts, bytes.length]) {
    if (res.destroyed) return;
    res.write(bytes.subarray(start, end));
    start = end;
    if (pauseMs > 0 && end < bytes.length) await sleep(pauseMs);
  }
}

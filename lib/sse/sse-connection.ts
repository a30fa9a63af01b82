import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '@nestjs/common';
import { encodeSseComment, encodeSseEvent, encodeSseRetry } from './sse-encoder.js';
import { UI_KEEPALIVE, UI_MESSAGE_STREAM_HEADER } from './ui-message-protocol.js';
import type { SseStreamOptions } from './sse-options.interface.js';
import { SseWriter } from './sse-writer.js';
import { KeepaliveTimer } from './sse-keepalive.js';

export const DEFAULT_RETRY_MS = 3000;
export const DEFAULT_MAX_PENDING = 4 * 1024 * 1024;
export const DEFAULT_KEEPALIVE_MS = 15_000;

/** The platform's response as the interceptor gets it: Express's, or Fastify's reply. */
export interface PlatformResponse {
  /** Fastify: the Node response. */
  raw?: ServerResponse;
  /** Fastify: headers set on the reply. */
  getHeaders?: () => Record<string, unknown>;
  /** Fastify: take the response over. */
  hijack?: () => void;
}

const KEEPALIVE_EVENT = encodeSseEvent({ event: 'keepalive', data: '{"type":"keepalive"}' });
const KEEPALIVE_COMMENT = encodeSseComment('keepalive');

/**
 * One HTTP response carrying a stream: sends the status and headers, writes event text
 * through a coalescing writer (SseWriter), keeps an idle connection alive (KeepaliveTimer:
 * one timer that re-arms itself from the writer's last write time, no timer per event), and
 * reports when the client left.
 */
export class SseConnection {
  committed = false;
  private ended = false;
  private readonly writer: SseWriter;
  private readonly keepalive: KeepaliveTimer;
  readonly raw: ServerResponse;
  /** Called once when the client went away before the stream ended. */
  onLost?: () => void;
  private readonly onClose = () => {
    if (this.ended) return;
    this.ended = true;
    this.cleanup();
    this.writer.close();
    this.onLost?.();
  };

  constructor(
    private readonly req: IncomingMessage,
    private readonly response: PlatformResponse & ServerResponse,
    private readonly options: SseStreamOptions,
    logger: Logger,
    label: () => string,
  ) {
    this.raw = response.raw ?? response;
    this.writer = new SseWriter(this.raw, options.maxPendingLength ?? DEFAULT_MAX_PENDING, () => {
      logger.warn(`SSE ${label()}: client too slow, closing the stream`);
      this.raw.destroy();
    });
    this.keepalive = new KeepaliveTimer(this.writer);
    this.raw.once('close', this.onClose);
  }

  /** The route's wire protocol. */
  get protocol(): 'events' | 'ui-message' {
    return this.options.protocol ?? 'events';
  }

  get isEnded(): boolean {
    return this.ended;
  }

  /** Sends the status, headers and `retry:`. */
  commit(): void {
    if (this.committed || this.ended) return;
    this.committed = true;
    const raw = this.prepare();
    raw.statusCode = 200;
    raw.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    raw.setHeader('Cache-Control', 'no-cache, no-transform');
    raw.setHeader('X-Accel-Buffering', 'no');
    if (this.options.protocol === 'ui-message') raw.setHeader(UI_MESSAGE_STREAM_HEADER, 'v1');
    if (this.req.httpVersionMajor === 1) raw.setHeader('Connection', 'keep-alive');
    raw.removeHeader('Content-Length');
    this.req.socket?.setNoDelay(true);
    // no flushHeaders(): the headers go out with the `retry:` line, in the writer's write at the
    // end of this turn (one write per stream instead of two)
    this.writer.write(encodeSseRetry(this.options.retryMs ?? DEFAULT_RETRY_MS));
    // read now: feature interceptors may have set them after this connection was made
    this.keepalive.start(
      this.options.keepaliveMs ?? DEFAULT_KEEPALIVE_MS,
      this.options.keepaliveMode === 'comment' ? KEEPALIVE_COMMENT : this.options.protocol === 'ui-message' ? UI_KEEPALIVE : KEEPALIVE_EVENT,
    );
  }

  write(text: string): void {
    if (!this.ended) this.writer.write(text);
  }

  /**
   * Writes what is pending (and `text`), then ends the response. With `closeSocket` (server
   * shutdown), the keep-alive socket is closed once the end is written, so that the HTTP
   * server does not wait for it to time out.
   */
  end(text = '', closeSocket = false): void {
    if (this.ended) return;
    this.ended = true;
    this.cleanup();
    const socket = this.raw.socket;
    if (closeSocket && socket) this.raw.once('finish', () => socket.destroySoon());
    this.writer.end(text);
  }

  /** Answers 204 No Content (a finished stream: browsers stop reconnecting). */
  noContent(): void {
    if (this.ended || this.committed) return;
    this.ended = true;
    this.cleanup();
    const raw = this.prepare();
    raw.statusCode = 204;
    raw.removeHeader('Content-Type');
    raw.end();
  }

  /** Drops the response without ending it politely (the session failed before commit and Nest answers). */
  detach(): void {
    if (this.ended) return;
    this.ended = true;
    this.cleanup();
    this.writer.close();
  }

  private prepare(): ServerResponse {
    const raw = this.raw;
    if (this.response.raw) {
      // Fastify: keep the headers the app set on the reply (CORS…), then take over
      for (const [name, value] of Object.entries(this.response.getHeaders?.() ?? {})) {
        if (value !== undefined) raw.setHeader(name, value as string);
      }
      this.response.hijack?.();
    }
    return raw;
  }

  private cleanup(): void {
    this.raw.off('close', this.onClose);
    this.keepalive.stop();
  }
}

import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { Logger } from '@nestjs/common';
import type { Observable, Subscription } from 'rxjs';
import type { StreamAcceptedInfo, StreamFallbackInfo, StreamReporter, StreamRetryInfo } from '../engine/stream-reporter.js';
import { streamReporterStorage } from '../engine/stream-reporter.js';
import { EngineException } from '../errors/engine.exception.js';
import { publicEngineError } from '../errors/engine-http.js';
import { ErrorMessages } from '../errors/error-messages.js';
import { redactSecrets } from '../errors/redact.js';
import type { EngineChunk } from '../interfaces/engine-chunk.interface.js';
import type { EngineUsage } from '../interfaces/engine-usage.interface.js';
import { encodeSseEvent, encodeSseRetry } from './sse-encoder.js';
import { isMessageEvent, isSseEvent } from './sse-event.js';
import type { SseStreamOptions } from './sse-options.interface.js';
import { SseWriter } from './sse-writer.js';

export const DEFAULT_RETRY_MS = 3000;
export const DEFAULT_MAX_PENDING = 4 * 1024 * 1024;

/** Short, URL-safe, unguessable stream id (16 characters). */
export function newStreamId(): string {
  return randomBytes(12).toString('base64url');
}

function isEngineChunk(value: unknown): value is EngineChunk {
  return typeof value === 'object' && value !== null && 'content' in value && 'finishReason' in value && 'index' in value;
}

/** The platform's response as the interceptor gets it: Express's, or Fastify's reply. */
export interface PlatformResponse {
  /** Fastify: the Node response. */
  raw?: ServerResponse;
  /** Fastify: headers set on the reply. */
  getHeaders?: () => Record<string, unknown>;
  /** Fastify: take the response over. */
  hijack?: () => void;
}

export interface SseSessionHooks {
  /** The response is committed (200 + headers + start written). */
  onCommitted(): void;
  /** The source failed before anything was written: answer with an HTTP error instead. */
  onEarlyError(error: unknown): void;
}

/**
 * One SSE response: subscribes to the handler's Observable, writes `start`, `content` and
 * `complete` (or `stream_error`) events with ids `<streamId>-<seq>`, and tears everything
 * down when the client goes away. It is also the StreamReporter the engine reports
 * acceptance, retries and fallbacks to.
 */
export class SseSession implements StreamReporter {
  readonly streamId = newStreamId();
  private seq = 0;
  private committed = false;
  private ended = false;
  private engine: string | null = null;
  private model: string | null = null;
  private finishReason: string | null = null;
  private usage: EngineUsage | null = null;
  private held: [string, unknown][] = [];
  private subscription?: Subscription;
  private readonly writer: SseWriter;
  private readonly raw: ServerResponse;
  private readonly onClose = () => this.dispose();

  constructor(
    private readonly req: IncomingMessage,
    private readonly response: PlatformResponse & ServerResponse,
    private readonly options: SseStreamOptions,
    private readonly hooks: SseSessionHooks,
    private readonly logger: Logger,
  ) {
    this.raw = response.raw ?? response;
    this.writer = new SseWriter(this.raw, options.maxPendingLength ?? DEFAULT_MAX_PENDING, () => {
      this.logger.warn(`SSE ${this.streamId}: client too slow, closing the stream`);
      this.raw.destroy();
    });
    this.raw.once('close', this.onClose);
  }

  /** Subscribes to the source with this session installed as the engine's reporter. */
  run(source: () => Observable<unknown>): void {
    if (this.options.startImmediately) this.commit();
    this.subscription = streamReporterStorage.run(this, () =>
      source().subscribe({
        next: (value) => this.onValue(value),
        error: (error: unknown) => this.onError(error),
        complete: () => this.onComplete(),
      }),
    );
    if (this.ended) this.subscription.unsubscribe();
  }

  accepted(info: StreamAcceptedInfo): void {
    this.engine = info.engine;
    this.model = info.model;
    this.commit();
  }

  retry(info: StreamRetryInfo): void {
    // before the response is committed, the client cannot hear about it
    if (this.committed) this.emit('retry', { attempt: info.attempt, maxAttempts: info.maxAttempts, delayMs: info.delayMs, reset: info.reset });
  }

  fallback(info: StreamFallbackInfo): void {
    const data = { from: info.from, to: info.to, reason: info.reason, reset: info.reset };
    if (this.committed) this.emit('fallback', data);
    else this.held.push(['fallback', data]);
  }

  /** Writes one event with the next id. */
  emit(event: string, data: unknown): void {
    if (this.ended) return;
    const payload = typeof data === 'string' ? data : JSON.stringify(data);
    this.writer.write(encodeSseEvent({ id: `${this.streamId}-${++this.seq}`, event, data: payload }));
  }

  private onValue(value: unknown): void {
    if (this.ended) return;
    if (isEngineChunk(value)) {
      if (!this.committed) {
        this.engine ??= value.engine;
        this.model ??= value.model;
        this.commit();
      }
      if (value.content !== '') this.emit('content', { content: value.content, index: value.index });
      if (value.finishReason) {
        this.finishReason = value.finishReason;
        this.usage = value.usage ?? null;
      }
      return;
    }
    this.commit();
    if (isSseEvent(value)) this.emit(value.event, value.data);
    else if (isMessageEvent(value)) this.emit(value.type ?? 'message', value.data);
    else if (typeof value === 'string') this.emit('content', { content: value });
    else this.emit('content', value);
  }

  private onComplete(): void {
    if (this.ended) return;
    this.commit();
    this.emit('complete', { finishReason: this.finishReason ?? 'stop', usage: this.usage });
    this.finish();
  }

  private onError(error: unknown): void {
    if (this.ended) return;
    if (!this.committed) {
      this.finish(false);
      this.hooks.onEarlyError(error);
      return;
    }
    const engineError = EngineException.isInstance(error);
    this.logger.warn(`SSE ${this.streamId} failed: ${redactSecrets(error instanceof Error ? error.message : String(error))}`);
    this.emit(
      'stream_error',
      engineError ? publicEngineError(error) : { code: 'internal_error', message: ErrorMessages.streamFailed(), retryable: false },
    );
    this.finish();
  }

  /** Sends the status, headers, `retry:` and `start`. */
  private commit(): void {
    if (this.committed || this.ended) return;
    this.committed = true;
    const raw = this.raw;
    if (this.response.raw) {
      // Fastify: keep the headers the app set on the reply (CORS…), then take over
      for (const [name, value] of Object.entries(this.response.getHeaders?.() ?? {})) {
        if (value !== undefined) raw.setHeader(name, value as string);
      }
      this.response.hijack?.();
    }
    raw.statusCode = 200;
    raw.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    raw.setHeader('Cache-Control', 'no-cache, no-transform');
    raw.setHeader('X-Accel-Buffering', 'no');
    if (this.req.httpVersionMajor === 1) raw.setHeader('Connection', 'keep-alive');
    raw.removeHeader('Content-Length');
    this.req.socket?.setNoDelay(true);
    raw.flushHeaders();
    this.writer.write(encodeSseRetry(this.options.retryMs ?? DEFAULT_RETRY_MS));
    this.emit('start', { streamId: this.streamId, engine: this.engine, model: this.model });
    for (const [event, data] of this.held) this.emit(event, data);
    this.held = [];
    this.hooks.onCommitted();
  }

  private finish(end = true): void {
    this.ended = true;
    this.raw.off('close', this.onClose);
    if (end) this.writer.end();
    else this.writer.close();
  }

  /** The client went away (or the server is closing the response): stop the work. */
  dispose(): void {
    if (!this.ended) {
      this.ended = true;
      this.writer.close();
    }
    this.raw.off('close', this.onClose);
    this.subscription?.unsubscribe();
  }
}

import type { ServerResponse } from 'node:http';

/**
 * Writes SSE text to a response with as few `write()` calls as possible: everything written
 * in one turn of the event loop goes out in one write, at the end of that turn. It waits
 * for `drain` only when the socket pushes back, and gives up (calls `onOverflow`) when more
 * than `maxPending` characters wait for a slow client.
 */
export class SseWriter {
  private pending = '';
  private scheduled: NodeJS.Immediate | undefined;
  private draining = false;
  private closed = false;
  /** When text was last queued for the socket (ms since epoch); read by the keepalive timer. */
  lastWriteAt = Date.now();
  private readonly flushNow = () => this.flush();
  private readonly onDrain = () => {
    this.draining = false;
    this.flush();
  };

  constructor(
    private readonly res: ServerResponse,
    private readonly maxPending: number,
    private readonly onOverflow: () => void,
  ) {}

  get isClosed(): boolean {
    return this.closed;
  }

  write(text: string): void {
    if (this.closed) return;
    this.pending += text;
    if (this.pending.length > this.maxPending) {
      this.pending = '';
      this.onOverflow();
      return;
    }
    if (!this.scheduled && !this.draining) {
      // once per turn of the event loop, not per event
      this.lastWriteAt = Date.now();
      this.scheduled = setImmediate(this.flushNow);
    }
  }

  /** Writes what is pending, then ends the response. */
  end(text = ''): void {
    if (this.closed) return;
    this.closed = true;
    this.cancelFlush();
    const rest = this.pending + text;
    this.pending = '';
    this.res.off('drain', this.onDrain);
    if (!this.res.writableEnded && !this.res.destroyed) this.res.end(rest);
  }

  /** Drops what is pending; the response is gone or being destroyed. */
  close(): void {
    this.closed = true;
    this.cancelFlush();
    this.pending = '';
    this.res.off('drain', this.onDrain);
  }

  private cancelFlush(): void {
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = undefined;
  }

  private flush(): void {
    this.scheduled = undefined;
    if (this.closed || this.draining || this.pending === '') return;
    const text = this.pending;
    this.pending = '';
    const ok = this.res.write(text);
    // compression middleware buffers until told to flush
    (this.res as ServerResponse & { flush?: () => void }).flush?.();
    if (!ok) {
      this.draining = true;
      this.res.once('drain', this.onDrain);
    }
  }
}

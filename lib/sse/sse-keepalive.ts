/** What the keepalive timer writes to: a writer that knows when it last queued text. */
export interface KeepaliveTarget {
  /** When text was last queued for the socket (ms since epoch). */
  readonly lastWriteAt: number;
  write(text: string): void;
}

/**
 * Keeps an idle connection alive with ONE timer that re-arms itself from the last write time:
 * no timer per event, and no keepalive while events flow. When it fires, it writes `text`
 * only if nothing was written for `intervalMs`; otherwise it waits for the rest of the
 * interval. `stop()` clears it (every stream's end calls it: no timer outlives its response).
 */
export class KeepaliveTimer {
  private timer?: NodeJS.Timeout;
  private intervalMs = 0;
  private text = '';
  private stopped = false;
  private readonly onTimer = () => {
    this.timer = undefined;
    if (this.stopped) return;
    const idle = Date.now() - this.target.lastWriteAt;
    if (idle >= this.intervalMs) {
      this.target.write(this.text);
      this.arm(this.intervalMs);
    } else {
      this.arm(this.intervalMs - idle);
    }
  };

  constructor(private readonly target: KeepaliveTarget) {}

  /** Starts sending `text` after `intervalMs` of silence (0 or less: never). */
  start(intervalMs: number, text: string): void {
    if (this.stopped) return;
    this.intervalMs = intervalMs;
    this.text = text;
    this.clear();
    this.arm(intervalMs);
  }

  /** Whether a timer is pending. */
  get armed(): boolean {
    return this.timer !== undefined;
  }

  /** Clears the timer for good. */
  stop(): void {
    this.stopped = true;
    this.clear();
  }

  private clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(delay: number): void {
    if (!(this.intervalMs > 0) || this.stopped) return;
    this.timer = setTimeout(this.onTimer, delay);
  }
}

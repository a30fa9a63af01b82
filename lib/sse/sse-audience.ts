import type { SseConnection } from './sse-connection.js';
import type { SseStreamOptions } from './sse-options.interface.js';

/** What the audience tells the stream it serves. */
export interface SseAudienceEvents {
  /** A connection of this process went away (it is no longer written to). */
  connectionLost(): void;
  /** Nobody listens any more and the disconnect policy says stop (at once, or after its grace). */
  everyoneLeft(): void;
}

/**
 * Who listens to one stream: the connections of this process (the first request's, then
 * resumed ones), written to in order, and the followers on other instances (counted from the
 * replay store's attach / detach messages). When the last one goes, it applies the route's
 * disconnect policy (`onDisconnect`, read when it is applied: feature interceptors may set it
 * late): `abort` stops at once, `continue` never, `{ graceMs }` after one timer unless someone
 * comes back. Each connection writes through its own coalescing writer (SseWriter: one
 * `write()` per turn of the event loop, backpressure, the slow-client cap).
 */
export class SseAudience {
  private connections: SseConnection[] = [];
  private remoteFollowers = 0;
  private graceTimer?: NodeJS.Timeout;
  private readonly onGraceEnd = () => {
    this.graceTimer = undefined;
    if (this.connections.length === 0 && this.remoteFollowers === 0) this.events.everyoneLeft();
  };

  constructor(
    private readonly options: Pick<SseStreamOptions, 'onDisconnect'>,
    private readonly events: SseAudienceEvents,
  ) {}

  /** Connections of this process written to. */
  get size(): number {
    return this.connections.length;
  }

  /** Adds a connection; someone listens again, so a running grace period ends. */
  add(connection: SseConnection): void {
    this.clearGrace();
    this.connections.push(connection);
    connection.onLost = () => {
      this.connections = this.connections.filter((c) => c !== connection);
      this.events.connectionLost();
    };
  }

  /** Writes one event's text to every connection (the per-token path: a plain loop). */
  write(text: string): void {
    const connections = this.connections;
    for (let i = 0; i < connections.length; i++) connections[i].write(text);
  }

  /** Ends every connection (what is pending is written first) and forgets them; no grace timer is left. */
  endAll(closeSockets: boolean): void {
    this.clearGrace();
    for (const connection of this.connections) connection.end('', closeSockets);
    this.connections = [];
  }

  /** A client on another instance follows (+1) or left (-1); the caller applies the policy after a -1. */
  remoteFollow(delta: 1 | -1): void {
    this.remoteFollowers = Math.max(0, this.remoteFollowers + delta);
    if (delta > 0) this.clearGrace();
  }

  /** When nobody listens: applies the disconnect policy (see the class). */
  applyPolicy(): void {
    if (this.connections.length > 0 || this.remoteFollowers > 0) return;
    const policy = this.options.onDisconnect ?? 'abort';
    if (policy === 'abort') return this.events.everyoneLeft();
    if (policy === 'continue' || this.graceTimer) return;
    this.graceTimer = setTimeout(this.onGraceEnd, Math.max(0, policy.graceMs));
  }

  /** Cancels a running grace period. */
  clearGrace(): void {
    if (this.graceTimer) clearTimeout(this.graceTimer);
    this.graceTimer = undefined;
  }
}

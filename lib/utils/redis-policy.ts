/**
 * The connection policy the Redis replay store and the Redis conversation store share:
 * bounded connects and commands, no queue of commands while Redis is away (they fail at
 * once), reconnection forever with a capped exponential backoff, and one log line when an
 * outage starts and one when it ends (with the count of what failed in between).
 */
export interface RedisConnectionPolicy {
  /** Bound on establishing a connection, in ms. Default 2000. */
  connectTimeoutMs: number;
  /** Bound on one command, in ms. Default 5000. */
  commandTimeoutMs: number;
  /** First delay before reconnecting, in ms; doubles on each failed attempt. Default 100. */
  reconnectDelayMs: number;
  /** Longest delay between two reconnection attempts, in ms. Default 2000. */
  maxReconnectDelayMs: number;
  /** Attempts after a drop before giving up; the next command then connects afresh. Default: no limit. */
  maxReconnectAttempts: number;
}

export const DEFAULT_REDIS_POLICY: Readonly<RedisConnectionPolicy> = Object.freeze({
  connectTimeoutMs: 2000,
  commandTimeoutMs: 5000,
  reconnectDelayMs: 100,
  maxReconnectDelayMs: 2000,
  maxReconnectAttempts: Infinity,
});

/** The policy with defaults for what `given` leaves out (undefined fields do not override). */
export function redisPolicy(given: Partial<RedisConnectionPolicy> = {}): RedisConnectionPolicy {
  const out = { ...DEFAULT_REDIS_POLICY };
  for (const [key, value] of Object.entries(given) as [keyof RedisConnectionPolicy, number | undefined][]) {
    if (value !== undefined) out[key] = value;
  }
  return out;
}

/** Delay before reconnection attempt `attempt` (1-based): exponential, capped, never below 1 ms. */
export function reconnectDelay(attempt: number, policy: RedisConnectionPolicy): number {
  const cap = Math.max(1, policy.maxReconnectDelayMs);
  const base = Math.min(cap, Math.max(1, policy.reconnectDelayMs));
  return Math.min(cap, base * 2 ** Math.min(30, Math.max(0, attempt - 1)));
}

/** The delay (ms) a client is told to wait (`Retry-After`) while Redis is away: about one reconnection round, 1 s at least. */
export function outageRetryAfterMs(policy: RedisConnectionPolicy): number {
  return Math.max(1000, Math.min(policy.maxReconnectDelayMs, 30_000));
}

/**
 * One outage at a time, logged twice: when it starts (the first failure) and when the
 * connection is back (how long it lasted, how many operations failed meanwhile).
 */
export class RedisOutageLog {
  private since?: number;
  private failures = 0;
  private firstDetail = '';

  constructor(
    private readonly what: string,
    private readonly log: { warn(message: string): void; log(message: string): void },
  ) {}

  get down(): boolean {
    return this.since !== undefined;
  }

  /** Operations that failed in the outage under way. */
  get failed(): number {
    return this.failures;
  }

  /** Something failed (a write, a command, the connection): logs only the first of an outage. */
  failure(detail: string, count = 1): void {
    this.failures += count;
    if (this.since !== undefined) return;
    this.since = Date.now();
    this.firstDetail = detail;
    this.log.warn(`${this.what}: Redis is unreachable (${detail}); reconnecting, failures are counted until it is back.`);
  }

  /** The connection is ready again: logs the end of the outage, if there was one. */
  recovered(): void {
    if (this.since === undefined) return;
    const seconds = ((Date.now() - this.since) / 1000).toFixed(1);
    this.log.log(`${this.what}: Redis is back after ${seconds} s; ${this.failures} operation(s) failed meanwhile (first: ${this.firstDetail}).`);
    this.since = undefined;
    this.failures = 0;
    this.firstDetail = '';
  }
}

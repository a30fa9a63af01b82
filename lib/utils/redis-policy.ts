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

/** A Redis Cluster: startup nodes, and what each node's connection needs (auth, TLS). */
export interface RedisClusterConfig {
  /** Some of the cluster's nodes (`redis://host:port` or `{ host, port }`); the others are discovered. At least one. */
  nodes: (string | { host: string; port: number })[];
  /** Options of each node's connection, e.g. `{ password, tls: {} }` (ioredis `RedisOptions`). */
  redisOptions?: Record<string, unknown>;
  /** Other ioredis `ClusterOptions` (e.g. `natMap`, `scaleReads`); the connection policy's settings win. */
  options?: Record<string, unknown>;
}

/**
 * An ioredis `Cluster` the app already built (its startup nodes, auth, TLS, `natMap`…): the
 * store opens its own connections from it (`duplicate()`) under the connection policy, and
 * never closes the app's one.
 */
export interface RedisClusterLike {
  readonly isCluster: boolean;
  readonly options: object;
  duplicate(overrideStartupNodes?: unknown[], overrideOptions?: object): unknown;
}

/** A master behind Redis Sentinel (ioredis `sentinels` + `name`). */
export interface RedisSentinelConfig {
  /** The sentinels to ask where the master is. At least one. */
  sentinels: { host: string; port: number }[];
  /** The master group name of the sentinels' configuration (`sentinel monitor <name> …`). */
  name: string;
  /** Password (and user) of the Redis master and replicas. */
  password?: string;
  username?: string;
  /** Password (and user) of the sentinels themselves, when they need one. */
  sentinelPassword?: string;
  sentinelUsername?: string;
  /** Database number. Default 0. */
  db?: number;
  /** Other ioredis `RedisOptions` (e.g. `tls`, `sentinelTLS`, `natMap`); the connection policy's settings win. */
  options?: Record<string, unknown>;
}

/** Where Redis is: one node (`url`), a Cluster (`cluster`), or a master behind Sentinel (`sentinel`). One of them. */
export interface RedisTarget {
  url?: string;
  cluster?: RedisClusterConfig | RedisClusterLike;
  sentinel?: RedisSentinelConfig;
}

/** What a connection is for: commands (bounded, never queued), pub/sub, or a blocking read of its own. */
export type RedisConnectionRole = 'command' | 'subscriber' | 'blocking';

/** True when `target` is an ioredis `Cluster` instance rather than a configuration. */
export function isClusterInstance(cluster: RedisTarget['cluster']): cluster is RedisClusterLike {
  return typeof (cluster as RedisClusterLike | undefined)?.duplicate === 'function';
}

/** The problems in a Redis target (`path` names the option), e.g. both `url` and `cluster`, or a sentinel without `name`. */
export function redisTargetProblems(target: RedisTarget, path: string): string[] {
  const problems: string[] = [];
  const given = (['url', 'cluster', 'sentinel'] as const).filter((k) => target[k] !== undefined);
  if (given.length > 1) problems.push(`${path}: give one of url, cluster or sentinel, not ${given.join(' and ')}`);
  const cluster = target.cluster;
  if (cluster !== undefined && !isClusterInstance(cluster)) {
    if (typeof cluster !== 'object' || cluster === null || !Array.isArray(cluster.nodes) || cluster.nodes.length === 0) {
      problems.push(`${path}.cluster.nodes: must be a non-empty array of 'redis://host:port' or { host, port } (or pass an ioredis Cluster)`);
    } else {
      cluster.nodes.forEach((node, i) => {
        const ok = typeof node === 'string' ? /^rediss?:\/\/[^/]+/.test(node) : typeof node?.host === 'string' && Number.isInteger(node?.port);
        if (!ok) problems.push(`${path}.cluster.nodes[${i}]: must be 'redis://host:port' or { host, port }`);
      });
    }
  }
  const sentinel = target.sentinel;
  if (sentinel !== undefined) {
    if (typeof sentinel !== 'object' || sentinel === null) problems.push(`${path}.sentinel: must be { sentinels, name }`);
    else {
      if (typeof sentinel.name !== 'string' || sentinel.name === '') problems.push(`${path}.sentinel.name: must be the master group name (a non-empty string)`);
      if (!Array.isArray(sentinel.sentinels) || sentinel.sentinels.length === 0)
        problems.push(`${path}.sentinel.sentinels: must be a non-empty array of { host, port }`);
      else
        sentinel.sentinels.forEach((s, i) => {
          if (typeof s?.host !== 'string' || !Number.isInteger(s?.port)) problems.push(`${path}.sentinel.sentinels[${i}]: must be { host, port }`);
        });
    }
  }
  return problems;
}

/** The target without credentials, for messages: `redis://h:p`, `cluster h:p,h:p`, `sentinel mymaster via h:p`. */
export function describeRedisTarget(target: RedisTarget, fallbackUrl: string): string {
  if (target.cluster) {
    if (isClusterInstance(target.cluster)) return 'the given Redis Cluster';
    return `Redis Cluster ${target.cluster.nodes.map((n) => (typeof n === 'string' ? hostOf(n) : `${n.host}:${n.port}`)).join(',')}`;
  }
  if (target.sentinel) return `Redis master '${target.sentinel.name}' via sentinel ${target.sentinel.sentinels.map((s) => `${s.host}:${s.port}`).join(',')}`;
  return hostOf(target.url ?? fallbackUrl);
}

function hostOf(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.hostname}:${parsed.port || 6379}${parsed.pathname === '/' ? '' : parsed.pathname}`;
  } catch {
    return '(unparseable URL)';
  }
}

/** The passwords in a target, to redact from driver messages. */
export function redisTargetSecrets(target: RedisTarget): string[] {
  const out: string[] = [];
  const add = (s: unknown) => {
    if (typeof s === 'string' && s.length > 0) out.push(s);
  };
  const fromUrl = (url: string) => {
    try {
      const p = new URL(url).password;
      add(p);
      add(decodeURIComponent(p));
    } catch {
      add(url);
    }
  };
  if (target.url) fromUrl(target.url);
  if (target.sentinel) {
    add(target.sentinel.password);
    add(target.sentinel.sentinelPassword);
    add((target.sentinel.options as { password?: unknown } | undefined)?.password);
  }
  if (target.cluster && !isClusterInstance(target.cluster)) {
    for (const node of target.cluster.nodes) if (typeof node === 'string') fromUrl(node);
    add((target.cluster.redisOptions as { password?: unknown } | undefined)?.password);
  }
  return out;
}

/**
 * A Redis reply that means "not now" rather than "never": the cluster or the master is
 * changing hands (CLUSTERDOWN, TRYAGAIN, MASTERDOWN, a demoted master's READONLY, a replica
 * still LOADING). Treated like a lost connection: the caller answers 503 and tries later.
 */
export function isTransientRedisReply(error: unknown): boolean {
  const message = String((error as Error)?.message ?? '');
  return /^(CLUSTERDOWN|TRYAGAIN|MASTERDOWN|READONLY|LOADING|NOREPLICAS|MOVED|ASK)\b/.test(message);
}

/** The ioredis module (or its CommonJS default): what `createRedisClient` builds from. */
export interface IoredisModule {
  Redis?: unknown;
  Cluster?: unknown;
  default?: unknown;
}

export interface RedisClientHooks {
  /** The connection name (`CLIENT SETNAME`). */
  name: string;
  /** Asked before each reconnection: false stops reconnecting (closed, never connected, or over the attempts). */
  shouldReconnect(attempt: number): boolean;
}

/**
 * One connection (a client, or a cluster client) to `target` under `policy`, not connected yet
 * (`lazyConnect`): the one place the Redis stores build connections. Roles:
 * - `command`: bounded commands, none queued while Redis is away, none resent after a drop;
 * - `subscriber`: pub/sub, resubscribed after a reconnection;
 * - `blocking`: a blocking read (XREAD BLOCK) of its own, bounded by `commandTimeoutMs` + 2 s, never reconnected.
 * Every role reconnects (forever, capped backoff) while `hooks.shouldReconnect` says so; a
 * Sentinel target asks the sentinels where the master is on each reconnection, a Cluster
 * target refreshes its slots and follows a failover to the promoted replica.
 */
export function createRedisClient(
  ioredis: IoredisModule,
  target: RedisTarget,
  policy: RedisConnectionPolicy,
  role: RedisConnectionRole,
  hooks: RedisClientHooks,
): unknown {
  const retry = role === 'blocking' ? () => null : (times: number) => (hooks.shouldReconnect(times) ? reconnectDelay(times, policy) : null);
  const perCommand = {
    connectTimeout: policy.connectTimeoutMs,
    ...(role === 'command' && { commandTimeout: policy.commandTimeoutMs }),
    ...(role === 'blocking' && { commandTimeout: 2000 + policy.commandTimeoutMs }),
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    connectionName: hooks.name,
  };
  const offlineQueue = role !== 'command';
  const RedisClass = (ioredis.Redis ?? (ioredis.default as IoredisModule | undefined)?.Redis ?? ioredis.default) as new (...args: unknown[]) => unknown;
  if (target.cluster) {
    const clusterOptions = {
      lazyConnect: true,
      enableOfflineQueue: offlineQueue,
      clusterRetryStrategy: retry,
      // a failover: retry a command moved or refused for a while (bounded by commandTimeoutMs overall, see boundedCommand)
      retryDelayOnFailover: 200,
      retryDelayOnClusterDown: 200,
      retryDelayOnTryAgain: 200,
      slotsRefreshTimeout: policy.connectTimeoutMs,
    };
    if (isClusterInstance(target.cluster)) {
      const given = target.cluster.options as { redisOptions?: object };
      return target.cluster.duplicate(undefined, { ...clusterOptions, redisOptions: { ...given.redisOptions, ...perCommand } });
    }
    const ClusterClass = (ioredis.Cluster ?? (ioredis.default as IoredisModule | undefined)?.Cluster) as new (...args: unknown[]) => unknown;
    const nodes = target.cluster.nodes.map((node) => (typeof node === 'string' ? node : { host: node.host, port: node.port }));
    return new ClusterClass(nodes, { ...target.cluster.options, ...clusterOptions, redisOptions: { ...target.cluster.redisOptions, ...perCommand } });
  }
  const common = { ...perCommand, lazyConnect: true, enableOfflineQueue: offlineQueue, retryStrategy: retry };
  if (target.sentinel) {
    const s = target.sentinel;
    return new RedisClass({
      ...s.options,
      sentinels: s.sentinels.map((x) => ({ host: x.host, port: x.port })),
      name: s.name,
      role: 'master',
      ...(s.password !== undefined && { password: s.password }),
      ...(s.username !== undefined && { username: s.username }),
      ...(s.sentinelPassword !== undefined && { sentinelPassword: s.sentinelPassword }),
      ...(s.sentinelUsername !== undefined && { sentinelUsername: s.sentinelUsername }),
      ...(s.db !== undefined && { db: s.db }),
      // the sentinels themselves: asked again and again while none answers (same backoff)
      sentinelRetryStrategy: retry,
      // and the failover detector's connections to them: they stop with the store
      sentinelReconnectStrategy: retry,
      sentinelMaxConnections: 3,
      // drop the connection as soon as a sentinel announces +switch-master
      failoverDetector: role !== 'blocking',
      ...common,
    });
  }
  return new RedisClass(target.url, common);
}

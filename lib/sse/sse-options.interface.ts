import type { RedisClusterConfig, RedisClusterLike, RedisSentinelConfig } from '../utils/redis-policy.js';
import type { IncomingMessage } from 'node:http';
import type { EngineChunk } from '../interfaces/engine-chunk.interface.js';

/**
 * The request as the route's platform gives it (Express `Request`, Fastify `FastifyRequest`):
 * `query`, `body` and `headers` are read where present.
 */
export type SseRequest = IncomingMessage & { query?: Record<string, unknown>; body?: unknown; params?: Record<string, string> };

/** Progress events `{ processed, total, percent }` in output tokens (see ProgressData): one per content chunk at most, throttled. */
export interface SseProgressOptions {
  /**
   * Expected number of chunks: a number, or a function of the request. When it resolves to
   * nothing (undefined, 0 or not a number), no progress event is sent. Default: the
   * request's `maxTokens` (`body.options.maxTokens`, `body.maxTokens`, or `?maxTokens=`).
   */
  total?: number | ((request: SseRequest) => number | undefined);
  /** At most one progress event per this many ms (the final 100 % always goes). Default 100; 0 = no limit. */
  intervalMs?: number;
  /** Only when the percentage grew by at least this much since the last one. Default 1. */
  percentStep?: number;
}

/**
 * What happens to the generation when the client goes away:
 * - `'abort'`: abort the provider request at once (the default);
 * - `'continue'`: generate to the end into the replay buffer, for a reconnect to pick up;
 * - `{ graceMs }`: keep generating for `graceMs`; abort unless a client came back by then.
 */
export type SseDisconnectPolicy = 'abort' | 'continue' | { graceMs: number };

/** Options of one `@SseStream()` route; module-wide defaults come from the `sse` module option. */
export interface SseStreamOptions {
  /** Reconnection delay written as `retry:` when the stream starts, in ms. Default 3000. */
  retryMs?: number;
  /**
   * Send `start` (and the 200 headers) at once instead of waiting until the provider
   * accepted the request. Waiting lets a provider failure get a real HTTP status.
   */
  startImmediately?: boolean;
  /**
   * Close the stream when this many characters are waiting for a slow client. Default 4 MiB.
   */
  maxPendingLength?: number;
  /** Send a keepalive after this many ms without any byte written. Default 15000; 0 turns it off. */
  keepaliveMs?: number;
  /** A `keepalive` event (default, as EventSource listeners can see it) or a `: keepalive` comment line. */
  keepaliveMode?: 'event' | 'comment';
  /** `progress` events; `true` counts against the request's `maxTokens`. Off by default. */
  progress?: boolean | SseProgressOptions;
  /**
   * Maps each engine chunk (or plain value) before it is sent: return a string (sent as
   * `content`), an object (sent as `content` data), `sseEvent(...)`, or undefined to skip it.
   * When it throws, a `chunk_error` `{ message, index }` is sent and the stream goes on.
   */
  transform?: (chunk: EngineChunk | unknown) => unknown;
  /** See {@link SseDisconnectPolicy}. Default `'abort'`. */
  onDisconnect?: SseDisconnectPolicy;
  /**
   * Who may resume or stop a stream, e.g. `(req) => req.user?.id`. A stream is resumed or
   * stopped only with the scope it was started with (an anonymous one only without a scope).
   * Default: the module's `scope` hook, which also owns conversations.
   */
  scope?: (request: SseRequest) => string | undefined;
  /**
   * The wire protocol: `events` (default: the library's named events, for its client and
   * EventSource) or `ui-message` (the AI SDK's UI message stream, for `useChat`; see
   * `docs/ui-message-protocol.md`).
   */
  protocol?: 'events' | 'ui-message';
  /**
   * Links the stream to a key of the request (e.g. `(req) => req.body.id`, a chat id), under
   * the route's scope, so that `SseStreams.resumeLatest(key)` can find it while it runs, on any
   * instance with the Redis replay store.
   */
  resumeKey?: (request: SseRequest) => string | undefined;
}

/** Where events are kept for resumption. */
export interface SseReplayOptions {
  /** `memory` (in-process, default) or `redis` (shared by every app instance). */
  driver?: 'memory' | 'redis';
  /** How long a finished stream's events (and its end) are kept, in ms. Default 300000 (5 min). */
  ttlMs?: number;
  /** Most characters of encoded events kept per stream (older ones are dropped). Default 1 MiB. */
  maxStreamChars?: number;
  /** Most characters kept in process for all streams; finished streams go first. Default 64 MiB. */
  maxTotalChars?: number;
  /** Redis settings (driver `redis`). */
  redis?: {
    /** `redis://host:port/db`. Default `redis://127.0.0.1:6379`. */
    url?: string;
    /**
     * A Redis Cluster instead of one node: `{ nodes: ['redis://10.0.0.1:7000', …] }`, or an ioredis
     * `Cluster` the app built. A stream's keys are hash-tagged (`<prefix>{<streamId>}:e` / `:m`), so
     * they share a slot. Give `url`, `cluster` or `sentinel`, not two.
     */
    cluster?: RedisClusterConfig | RedisClusterLike;
    /** A master behind Redis Sentinel: `{ sentinels: [{ host, port }, …], name: 'mymaster' }`. */
    sentinel?: RedisSentinelConfig;
    /** Prefix of every key and channel. Default `bupple:sse:`. */
    keyPrefix?: string;
    /** Bound on establishing a connection, in ms. Default 2000. */
    connectTimeoutMs?: number;
    /**
     * Bound on one command, in ms: a resume while Redis hangs answers 503 after this long.
     * Default 5000.
     */
    commandTimeoutMs?: number;
    /**
     * Longest wait between two reconnection attempts, in ms (the backoff doubles from 100 ms up
     * to this). It reconnects for as long as it takes. Default 2000.
     */
    maxReconnectDelayMs?: number;
  };
}

/** `sse` section of the module options: defaults for every `@SseStream()` route, and the replay store. */
export interface SseModuleOptions extends SseStreamOptions {
  replay?: SseReplayOptions;
}

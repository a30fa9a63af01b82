import type { RedisClusterConfig, RedisClusterLike, RedisSentinelConfig } from '../utils/redis-policy.js';
import type { ConversationStore } from './conversation-store.js';
import type { MessageWindowOptions } from './message-window.js';

/** The built-in stores. */
export type MemoryDriverName = 'memory' | 'file' | 'redis' | 'database';

/** In-process store (the default). Lost when the process exits; not shared between processes. */
export interface InMemoryStoreOptions {
  /**
   * Upper bound on the number of conversations kept; the least recently written one is dropped
   * first. Default: unbounded.
   */
  maxConversations?: number;
}

/** File store: one append-only JSON-lines file per conversation under `path`. */
export interface FileStoreOptions {
  /** Directory holding the conversations; created if missing. Default `./engine-memory` (from the working directory). */
  path?: string;
  /** How long an append waits for a conversation's lock file before failing, in ms. Default 5000. */
  lockTimeoutMs?: number;
  /**
   * A lock file older than this is taken as left behind by a crashed writer and removed, in ms.
   * A writer holds the lock for one small write only. Default 10000.
   */
  lockStaleMs?: number;
}

/** Redis store (needs the `ioredis` package). */
export interface RedisStoreOptions {
  /** `redis://[:password@]host:port[/db]` or `rediss://…`. Default `redis://127.0.0.1:6379`. */
  url?: string;
  /**
   * A Redis Cluster instead of one node: `{ nodes: ['redis://10.0.0.1:7000', …] }`, or an ioredis
   * `Cluster` the app built (the store opens its own connections from it). Give `url`, `cluster`
   * or `sentinel`, not two. A conversation is one key, so it lives in one slot.
   */
  cluster?: RedisClusterConfig | RedisClusterLike;
  /** A master behind Redis Sentinel: `{ sentinels: [{ host, port }, …], name: 'mymaster' }`; a failover is followed without a restart. */
  sentinel?: RedisSentinelConfig;
  /** Prefix of every key. Default `engine_memory:` (the original's `engine_memory` key). */
  keyPrefix?: string;
  /** Lifetime of a conversation, refreshed on every write, in seconds; 0 keeps it forever. Default 2 592 000 (30 days). */
  ttlSeconds?: number;
  /** Bound on establishing the connection, in ms. Default 2000. */
  connectTimeoutMs?: number;
  /** Bound on one command, in ms. Default 5000. */
  commandTimeoutMs?: number;
  /**
   * Reconnection attempts after the connection drops before giving up (the next command then
   * connects afresh). Default: no limit (it reconnects for as long as Redis is away).
   */
  maxReconnectAttempts?: number;
  /** Longest wait between two reconnection attempts, in ms (the backoff doubles from 100 ms up to this). Default 2000. */
  maxReconnectDelayMs?: number;
}

/** PostgreSQL store (needs the `pg` package). */
export interface DatabaseStoreOptions {
  /** `postgres://user[:password]@host:port/database`. Default: the `PG*` environment variables. */
  url?: string;
  /** Table name, optionally schema-qualified (`schema.table`). Default `engine_memory`. */
  tableName?: string;
  /** Create the table and its index at startup if missing (idempotent). Default false. */
  createTable?: boolean;
  /** Bound on establishing a connection, in ms. Default 3000. */
  connectTimeoutMs?: number;
  /** Bound on one query, in ms. Default 5000. */
  queryTimeoutMs?: number;
  /** Pool size. Default 10. */
  maxConnections?: number;
}

/** `memory` section of the module options (see MemoryService). */
export interface MemoryModuleOptions {
  /** Which store keeps conversations. Default `memory` (in-process). Ignored when `store` is given. */
  driver?: MemoryDriverName;
  /** Your own store. The library connects it at startup and closes it at shutdown. */
  store?: ConversationStore;
  memory?: InMemoryStoreOptions;
  file?: FileStoreOptions;
  redis?: RedisStoreOptions;
  database?: DatabaseStoreOptions;
  /**
   * Which part of the history is sent to the engine (`toEngineMessages()`), e.g.
   * `{ maxTokens: 8000 }`. System messages are always kept. Default: the whole history.
   */
  window?: MessageWindowOptions;
}

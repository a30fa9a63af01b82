import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { ErrorMessages } from '../../errors/error-messages.js';
import { redactSecrets } from '../../errors/redact.js';
import { loadPackage } from '../../utils/load-package.js';
import {
  createRedisClient,
  describeRedisTarget,
  isTransientRedisReply,
  outageRetryAfterMs,
  redisPolicy,
  RedisOutageLog,
  redisTargetProblems,
  redisTargetSecrets,
  type RedisConnectionPolicy,
  type RedisTarget,
} from '../../utils/redis-policy.js';
import type { ConversationKey, ConversationMessage, ListMessagesOptions, NewConversationMessage } from '../conversation-message.interface.js';
import { ConversationStore } from '../conversation-store.js';
import { MemoryConnectionException, MemoryException, MemoryStorageException, MemoryValidationException } from '../errors/memory.exception.js';
import type { RedisStoreOptions } from '../memory-options.interface.js';
import { assertValidKey, assertValidLimit, ownerOfKey, prepareMessage } from '../validate-message.js';
import { parseRecord, recordBody } from './message-record.js';

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
/** The original's key (`engine_memory`), as a prefix. */
export const DEFAULT_REDIS_KEY_PREFIX = 'engine_memory:';
/** 30 days, as the original. */
export const DEFAULT_REDIS_TTL_SECONDS = 60 * 60 * 24 * 30;

/**
 * Appends records atomically and returns the last `seq`. The new `seq`s follow the last record's
 * (0 for a new list); one RPUSH stores all records or none; the TTL is refreshed.
 * KEYS[1]: the conversation list. ARGV[1]: TTL in ms (0: none). ARGV[2…]: record bodies (see recordBody).
 */
const APPEND_SCRIPT = `
local last = 0
local tail = redis.call('LINDEX', KEYS[1], -1)
if tail then
  local seq = string.match(tail, '^{"seq":(%d+)')
  if seq then last = tonumber(seq) else last = redis.call('LLEN', KEYS[1]) end
end
local records = {}
for i = 2, #ARGV do
  records[#records + 1] = '{"seq":' .. string.format('%d', last + i - 1) .. ARGV[i]
end
redis.call('RPUSH', KEYS[1], unpack(records))
local ttl = tonumber(ARGV[1])
if ttl > 0 then
  redis.call('PEXPIRE', KEYS[1], ttl)
else
  redis.call('PERSIST', KEYS[1])
end
return last + #records
`;

type RedisWithAppend = Redis & {
  bupple_memory_append(key: string, ttlMs: string, ...bodies: string[]): Promise<number>;
};

/**
 * Keeps each conversation in one Redis list, `<keyPrefix><parentType>:<parentId>`, or
 * `<keyPrefix>@<owner>:<parentType>:<parentId>` for a conversation with an owner (ids and owner
 * URI-encoded, so neither `@` nor `:` appears in them and the two forms never meet), one JSON record per message. Appends run as one Lua script (atomic: the next
 * `seq`, the RPUSH of every record and the TTL refresh happen together, or not at all). Needs
 * the `ioredis` package, loaded when this store is first used.
 *
 * Connection handling (the policy the Redis replay store shares, see RedisConnectionPolicy):
 * bounded connect and command timeouts, no offline queue (a command while Redis is away fails
 * at once with a `MemoryConnectionException`) and no replay of a command whose answer was lost
 * (that could store a message twice). After the connection drops the client reconnects for as
 * long as it takes, with a capped backoff (`maxReconnectAttempts` bounds it if set; the next call
 * then connects afresh). An outage is logged once when it starts and once when it ends, with
 * the number of operations that failed meanwhile.
 */
export class RedisConversationStore extends ConversationStore {
  readonly name: string = 'redis';
  readonly keyPrefix: string;
  private readonly where: RedisTarget;
  private readonly target: string;
  private readonly secrets: string[];
  private readonly ttlMs: number;
  private readonly policy: RedisConnectionPolicy;
  private readonly outage = new RedisOutageLog('Redis conversation store', new Logger('BuppleMemory'));
  private client?: RedisWithAppend;
  private connecting?: Promise<RedisWithAppend>;
  /** False until the first successful connection: a failing first connect is not retried. */
  private everReady = false;
  private closed = false;
  private lastError?: Error;

  constructor(options: RedisStoreOptions = {}) {
    super();
    const problems = redisTargetProblems(options, 'redis');
    if (problems.length > 0) throw new MemoryValidationException(ErrorMessages.invalidOptions(problems));
    this.where = options.cluster ? { cluster: options.cluster } : options.sentinel ? { sentinel: options.sentinel } : { url: options.url ?? DEFAULT_REDIS_URL };
    this.target = describeRedisTarget(this.where, DEFAULT_REDIS_URL);
    this.secrets = redisTargetSecrets(this.where);
    this.keyPrefix = options.keyPrefix ?? DEFAULT_REDIS_KEY_PREFIX;
    const ttlSeconds = options.ttlSeconds ?? DEFAULT_REDIS_TTL_SECONDS;
    if (!Number.isFinite(ttlSeconds) || ttlSeconds < 0) {
      throw new MemoryValidationException(ErrorMessages.memoryInvalidOption('redis.ttlSeconds', 'must be a number ≥ 0'));
    }
    this.ttlMs = Math.round(ttlSeconds * 1000);
    this.policy = redisPolicy({
      connectTimeoutMs: options.connectTimeoutMs,
      commandTimeoutMs: options.commandTimeoutMs,
      maxReconnectDelayMs: options.maxReconnectDelayMs,
      maxReconnectAttempts: options.maxReconnectAttempts,
    });
  }

  /** True while connected and answering; false before the first connection, while Redis is away or hangs. */
  get isReady(): boolean {
    // a cluster: one master away fails only its slots' commands, the others keep working
    return !this.closed && this.client?.status === 'ready' && (this.where.cluster !== undefined || !this.outage.down);
  }

  /** The Redis key of a conversation. */
  keyOf(key: ConversationKey): string {
    assertValidKey(key);
    const owner = ownerOfKey(key);
    const base = `${encodeURIComponent(key.parentType)}:${encodeURIComponent(key.parentId)}`;
    return owner === undefined ? `${this.keyPrefix}${base}` : `${this.keyPrefix}@${encodeURIComponent(owner)}:${base}`;
  }

  override async connect(): Promise<void> {
    await this.ready();
  }

  async appendMany(key: ConversationKey, messages: NewConversationMessage[]): Promise<ConversationMessage[]> {
    const redisKey = this.keyOf(key);
    const prepared = messages.map(prepareMessage);
    if (prepared.length === 0) return [];
    const client = await this.ready();
    const createdAt = new Date().toISOString();
    const bodies = prepared.map((message) => recordBody(message, createdAt));
    const lastSeq = await this.run('append to the conversation', () => client.bupple_memory_append(redisKey, String(this.ttlMs), ...bodies));
    const first = Number(lastSeq) - prepared.length + 1;
    return prepared.map((message, i) => ({ ...message, seq: first + i, createdAt }));
  }

  async list(key: ConversationKey, options: ListMessagesOptions = {}): Promise<ConversationMessage[]> {
    const redisKey = this.keyOf(key);
    assertValidLimit(options.limit);
    if (options.limit === 0) return [];
    const client = await this.ready();
    const start = options.limit === undefined ? 0 : -options.limit;
    const records = await this.run('read the conversation', () => client.lrange(redisKey, start, -1));
    const messages: ConversationMessage[] = [];
    for (const record of records) {
      const message = parseRecord(record);
      if (message) messages.push(message);
    }
    return messages;
  }

  async clear(key: ConversationKey): Promise<void> {
    const redisKey = this.keyOf(key);
    const client = await this.ready();
    await this.run('delete the conversation', () => client.del(redisKey));
  }

  /** Closes the connection (QUIT, or a hard disconnect if Redis does not answer in time). */
  override async close(): Promise<void> {
    this.closed = true;
    const client = this.client ?? (await this.connecting?.catch(() => undefined));
    this.client = undefined;
    this.connecting = undefined;
    if (!client) return;
    if (client.status === 'ready') {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        client.quit().catch(() => undefined),
        new Promise((resolve) => {
          timer = setTimeout(resolve, this.policy.commandTimeoutMs);
        }),
      ]);
      clearTimeout(timer);
    }
    disconnect(client);
  }

  private async ready(): Promise<RedisWithAppend> {
    if (this.closed) throw new MemoryConnectionException(ErrorMessages.memoryClosed(this.name), { store: this.name, retryable: false });
    const client = this.client;
    if (client && client.status !== 'end') return client;
    this.connecting ??= this.open().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async open(): Promise<RedisWithAppend> {
    if (this.client) {
      // Gave up reconnecting earlier: start again from scratch.
      disconnect(this.client);
      this.client = undefined;
      this.everReady = false;
    }
    const ioredis = await loadPackage('ioredis', 'the Redis conversation store', () => import('ioredis'));
    const client = createRedisClient(ioredis, this.where, this.policy, 'command', {
      name: 'bupple-ai-engine-memory',
      shouldReconnect: (times) => !this.closed && this.everReady && times <= this.policy.maxReconnectAttempts,
    }) as RedisWithAppend;
    client.on('error', (error: Error) => {
      this.lastError = error;
      if (this.everReady) this.outage.failure(this.detailOf(error), 0);
    });
    client.on('ready', () => {
      this.everReady = true;
      this.outage.recovered();
    });
    client.defineCommand('bupple_memory_append', { numberOfKeys: 1, lua: APPEND_SCRIPT });
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        client.connect(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${this.policy.connectTimeoutMs} ms`)), this.policy.connectTimeoutMs);
        }),
      ]);
    } catch (error) {
      disconnect(client);
      const detail = this.detailOf(this.lastError ?? error);
      throw new MemoryConnectionException(
        ErrorMessages.memoryUnreachable(
          this.name,
          this.target,
          detail,
          this.where.url
            ? 'Is Redis running? Check memory.redis.url (BUPPLE_MEMORY_REDIS_URL).'
            : 'Is Redis running? Check memory.redis.cluster / memory.redis.sentinel.',
        ),
        { store: this.name, cause: error, retryAfter: this.retryAfterMs() },
      );
    } finally {
      clearTimeout(timer);
      this.lastError = undefined;
    }
    if (this.closed) {
      disconnect(client);
      throw new MemoryConnectionException(ErrorMessages.memoryClosed(this.name), { store: this.name, retryable: false });
    }
    this.client = client;
    return client;
  }

  private async run<T>(action: string, command: () => Promise<T>): Promise<T> {
    try {
      const result = await command();
      this.outage.recovered();
      return result;
    } catch (error) {
      const memoryError = this.toMemoryError(action, error);
      if (memoryError instanceof MemoryConnectionException) this.outage.failure(this.detailOf(error));
      throw memoryError;
    }
  }

  private toMemoryError(action: string, error: unknown): MemoryException {
    if (error instanceof MemoryException) return error;
    const detail = this.detailOf(error);
    if ((error as Error)?.name === 'ReplyError' && !isTransientRedisReply(error)) {
      return new MemoryStorageException(ErrorMessages.memoryStorage(this.name, action, detail), { store: this.name, cause: error });
    }
    return new MemoryConnectionException(ErrorMessages.memoryConnectionLost(this.name, `${action} at ${this.target}: ${detail}`), {
      store: this.name,
      cause: error,
      retryAfter: this.retryAfterMs(),
    });
  }

  /** What a client is told to wait (`Retry-After`) while Redis is away: about one reconnection round. */
  private retryAfterMs(): number {
    return outageRetryAfterMs(this.policy);
  }

  private detailOf(error: unknown): string {
    const e = error as { message?: string; code?: string };
    const message = e?.message ?? String(error);
    return redactSecrets(e?.code && !message.includes(e.code) ? `${e.code} ${message}` : message, this.secrets);
  }
}

/**
 * Drops a connection at once. Skipped when it is already over: ioredis would otherwise arm a
 * 2-second timer waiting for a socket that already closed, keeping the process alive.
 */
function disconnect(client: Redis): void {
  if (client.status !== 'end') client.disconnect(false);
}

import { readFileSync } from 'node:fs';
import { ConversationStore } from './conversation-store.js';
import { createConversationStore, isConversationStore, validateMemoryOptions } from './create-conversation-store.js';
import { MemoryValidationException } from './errors/memory.exception.js';
import { memoryOptionsFromEnv } from './memory-options-from-env.js';
import { FileConversationStore } from './stores/file-conversation.store.js';
import { InMemoryConversationStore } from './stores/in-memory-conversation.store.js';
import { PostgresConversationStore } from './stores/postgres-conversation.store.js';
import { engineMemorySchemaSql, parseTableName } from './stores/postgres-schema.js';
import { RedisConversationStore } from './stores/redis-conversation.store.js';

describe('createConversationStore', () => {
  it('creates the store the driver names (in-process by default), without connecting', () => {
    expect(createConversationStore()).toBeInstanceOf(InMemoryConversationStore);
    expect(createConversationStore({ driver: 'file', file: { path: '/tmp/x' } })).toBeInstanceOf(FileConversationStore);
    expect(createConversationStore({ driver: 'redis', redis: { url: 'redis://127.0.0.1:1' } })).toBeInstanceOf(RedisConversationStore);
    expect(createConversationStore({ driver: 'database', database: { url: 'postgres://u@127.0.0.1:1/db' } })).toBeInstanceOf(PostgresConversationStore);
  });

  it('uses a custom store as it is', () => {
    class Custom extends InMemoryConversationStore {
      override readonly name = 'custom';
    }
    const store = new Custom();
    expect(createConversationStore({ driver: 'redis', store })).toBe(store);
    expect(isConversationStore(store)).toBe(true);
    expect(isConversationStore({ appendMany() {}, append() {}, list() {}, clear() {} })).toBe(true);
    expect(isConversationStore({ list() {} })).toBe(false);
  });

  it('lists every problem in the options, each with its path', () => {
    const problems = validateMemoryOptions({
      driver: 'mongo' as never,
      store: {} as ConversationStore,
      redis: { url: 'http://x', ttlSeconds: -1, connectTimeoutMs: 0 },
      database: { url: 'not a url', tableName: 'x; DROP TABLE users', createTable: 'yes' as never },
      file: { lockTimeoutMs: -5 },
      window: { maxTokens: 1.5 },
    });
    expect(problems).toEqual([
      expect.stringContaining('memory.driver: must be one of memory, file, redis, database (got "mongo")'),
      expect.stringContaining('memory.store'),
      expect.stringContaining('memory.file.lockTimeoutMs'),
      expect.stringContaining('memory.redis.url: must start with redis:// or rediss://'),
      expect.stringContaining('memory.redis.ttlSeconds'),
      expect.stringContaining('memory.redis.connectTimeoutMs'),
      expect.stringContaining('memory.database.url: must be a valid URL'),
      expect.stringContaining('memory.database.tableName'),
      expect.stringContaining('memory.database.createTable'),
      expect.stringContaining('memory.window.maxTokens'),
    ]);
    expect(validateMemoryOptions(undefined)).toEqual([]);
    expect(validateMemoryOptions({ driver: 'redis', redis: { url: 'rediss://h:6380/2', ttlSeconds: 0 } })).toEqual([]);
    expect(() => createConversationStore({ driver: 'nope' as never })).toThrow(MemoryValidationException);
  });
});

describe('memoryOptionsFromEnv', () => {
  it('maps the BUPPLE_MEMORY_* variables', () => {
    expect(
      memoryOptionsFromEnv({
        BUPPLE_MEMORY_DRIVER: 'redis',
        BUPPLE_MEMORY_FILE_PATH: './data/memory',
        BUPPLE_MEMORY_REDIS_URL: 'redis://cache:6379/1',
        BUPPLE_MEMORY_REDIS_KEY: 'engine_memory',
        BUPPLE_MEMORY_REDIS_TTL: '3600',
        BUPPLE_MEMORY_DATABASE_URL: 'postgres://app@db/app',
        BUPPLE_MEMORY_DB_TABLE_NAME: 'chat_memory',
        BUPPLE_MEMORY_DB_CREATE_TABLE: 'true',
      }),
    ).toEqual({
      driver: 'redis',
      file: { path: './data/memory' },
      redis: { url: 'redis://cache:6379/1', keyPrefix: 'engine_memory:', ttlSeconds: 3600 },
      database: { url: 'postgres://app@db/app', tableName: 'chat_memory', createTable: true },
    });
    expect(memoryOptionsFromEnv({})).toEqual({});
    expect(memoryOptionsFromEnv({ BUPPLE_MEMORY_REDIS_KEY: 'app:mem:' }).redis?.keyPrefix).toBe('app:mem:');
  });

  it('names the variable that cannot be read', () => {
    expect(() => memoryOptionsFromEnv({ BUPPLE_MEMORY_DRIVER: 'mongo' })).toThrow('BUPPLE_MEMORY_DRIVER');
    expect(() => memoryOptionsFromEnv({ BUPPLE_MEMORY_REDIS_TTL: 'a month' })).toThrow('BUPPLE_MEMORY_REDIS_TTL');
    expect(() => memoryOptionsFromEnv({ BUPPLE_MEMORY_DB_CREATE_TABLE: 'maybe' })).toThrow(MemoryValidationException);
  });
});

describe('PostgreSQL schema', () => {
  it('migrations/engine_memory.sql is the schema the store creates', () => {
    const shipped = readFileSync(new URL('../../migrations/engine_memory.sql', import.meta.url), 'utf8');
    expect(shipped).toBe(engineMemorySchemaSql());
    expect(shipped).toContain('CREATE TABLE IF NOT EXISTS "engine_memory"');
    expect(shipped).toContain('(parent_type, parent_id, id)');
  });

  it('accepts identifiers only, quoted', () => {
    expect(parseTableName('engine_memory').sql).toBe('"engine_memory"');
    expect(parseTableName('app.Chat_Memory')).toMatchObject({ schema: 'app', table: 'Chat_Memory', sql: '"app"."Chat_Memory"' });
    for (const bad of ['', '1table', 'a.b.c', 'x"; DROP TABLE y; --', 'ta ble', 'a'.repeat(64), 'tab-le']) {
      expect(() => parseTableName(bad)).toThrow(MemoryValidationException);
    }
    expect(() => new PostgresConversationStore({ tableName: 'bad name' })).toThrow('memory.database.tableName');
  });
});

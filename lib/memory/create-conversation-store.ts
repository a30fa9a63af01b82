import { ErrorMessages } from '../errors/error-messages.js';
import { ConversationStore } from './conversation-store.js';
import { MemoryValidationException } from './errors/memory.exception.js';
import type { MemoryDriverName, MemoryModuleOptions } from './memory-options.interface.js';
import { FileConversationStore } from './stores/file-conversation.store.js';
import { InMemoryConversationStore } from './stores/in-memory-conversation.store.js';
import { parseTableName } from './stores/postgres-schema.js';
import { PostgresConversationStore } from './stores/postgres-conversation.store.js';
import { RedisConversationStore } from './stores/redis-conversation.store.js';
import { redisTargetProblems, type RedisTarget } from '../utils/redis-policy.js';

export const MEMORY_DRIVERS: readonly MemoryDriverName[] = ['memory', 'file', 'redis', 'database'];

/** True for a store, also one built against another copy of this package (duck typing). */
export function isConversationStore(value: unknown): value is ConversationStore {
  if (value instanceof ConversationStore) return true;
  const v = value as Partial<Record<keyof ConversationStore, unknown>> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.appendMany === 'function' &&
    typeof v.append === 'function' &&
    typeof v.list === 'function' &&
    typeof v.clear === 'function'
  );
}

function isPlainObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Checks the `memory` options; returns every problem as `memory.path: message` (empty when all
 * is well), for the module's startup validation.
 */
export function validateMemoryOptions(options: MemoryModuleOptions | undefined): string[] {
  if (options === undefined) return [];
  if (!isPlainObject(options)) return ['memory: must be an object'];
  const memory = options as Record<string, unknown>;
  const section = (name: string) => (isPlainObject(memory[name]) ? memory[name] : {}) as Record<string, unknown>;
  const positiveInteger = (path: string, value: unknown) => {
    if (value !== undefined && (typeof value !== 'number' || !Number.isInteger(value) || value < 1)) {
      add(path, 'must be a positive integer');
    }
  };
  const problems: string[] = [];
  const add = (path: string, why: string) => problems.push(ErrorMessages.memoryInvalidOption(path, why));
  const positive = (path: string, value: unknown) => {
    if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)) {
      add(path, 'must be a positive number of milliseconds');
    }
  };
  const nonNegativeInteger = (path: string, value: unknown) => {
    if (value !== undefined && (typeof value !== 'number' || !Number.isInteger(value) || value < 0)) {
      add(path, 'must be a non-negative integer');
    }
  };
  const url = (path: string, value: unknown, protocols: string[]) => {
    if (value === undefined) return;
    try {
      if (typeof value !== 'string') throw new Error();
      const parsed = new URL(value);
      if (!protocols.includes(parsed.protocol)) add(path, `must start with ${protocols.map((p) => `${p}//`).join(' or ')}`);
    } catch {
      add(path, 'must be a valid URL');
    }
  };

  if (memory.driver !== undefined && !MEMORY_DRIVERS.includes(memory.driver as MemoryDriverName)) {
    add('driver', `must be one of ${MEMORY_DRIVERS.join(', ')} (got "${String(memory.driver)}")`);
  }
  if (memory.store !== undefined && !isConversationStore(memory.store)) {
    add('store', 'must be a ConversationStore (appendMany, append, list, clear)');
  }
  for (const section of ['memory', 'file', 'redis', 'database', 'window'] as const) {
    if (memory[section] !== undefined && !isPlainObject(memory[section])) add(section, 'must be an object');
  }
  positiveInteger('memory.maxConversations', section('memory').maxConversations);
  const file = section('file');
  if (file.path !== undefined && (typeof file.path !== 'string' || file.path.length === 0 || file.path.includes('\u0000'))) {
    add('file.path', 'must be a non-empty path');
  }
  positive('file.lockTimeoutMs', file.lockTimeoutMs);
  positive('file.lockStaleMs', file.lockStaleMs);
  const redis = section('redis');
  url('redis.url', redis.url, ['redis:', 'rediss:']);
  if (redis.keyPrefix !== undefined && typeof redis.keyPrefix !== 'string') add('redis.keyPrefix', 'must be a string');
  if (redis.ttlSeconds !== undefined && (typeof redis.ttlSeconds !== 'number' || !Number.isFinite(redis.ttlSeconds) || redis.ttlSeconds < 0)) {
    add('redis.ttlSeconds', 'must be a number of seconds ≥ 0 (0: no expiry)');
  }
  positive('redis.connectTimeoutMs', redis.connectTimeoutMs);
  positive('redis.commandTimeoutMs', redis.commandTimeoutMs);
  nonNegativeInteger('redis.maxReconnectAttempts', redis.maxReconnectAttempts);
  positive('redis.maxReconnectDelayMs', redis.maxReconnectDelayMs);
  problems.push(...redisTargetProblems(redis as RedisTarget, 'memory.redis'));
  const database = section('database');
  url('database.url', database.url, ['postgres:', 'postgresql:']);
  if (database.tableName !== undefined) {
    try {
      parseTableName(database.tableName as string);
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  if (database.createTable !== undefined && typeof database.createTable !== 'boolean') add('database.createTable', 'must be a boolean');
  positive('database.connectTimeoutMs', database.connectTimeoutMs);
  positive('database.queryTimeoutMs', database.queryTimeoutMs);
  positiveInteger('database.maxConnections', database.maxConnections);
  const window = section('window');
  nonNegativeInteger('window.limit', window.limit);
  nonNegativeInteger('window.maxChars', window.maxChars);
  nonNegativeInteger('window.maxTokens', window.maxTokens);
  return problems;
}

/**
 * The store the options ask for: `memory.store` if given, else the `driver`'s (default
 * in-process). Nothing connects yet (see `ConversationStore.connect`). Throws a
 * `MemoryValidationException` listing every problem in the options.
 */
export function createConversationStore(memory: MemoryModuleOptions = {}): ConversationStore {
  const problems = validateMemoryOptions(memory);
  if (problems.length > 0) throw new MemoryValidationException(ErrorMessages.invalidOptions(problems));
  if (memory.store) return memory.store;
  switch (memory.driver ?? 'memory') {
    case 'file':
      return new FileConversationStore(memory.file);
    case 'redis':
      return new RedisConversationStore(memory.redis);
    case 'database':
      return new PostgresConversationStore(memory.database);
    default:
      return new InMemoryConversationStore(memory.memory);
  }
}

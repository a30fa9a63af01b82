import { ErrorMessages } from '../errors/error-messages.js';
import { MemoryValidationException } from './errors/memory.exception.js';
import type { MemoryDriverName, MemoryModuleOptions } from './memory-options.interface.js';

/**
 * Reads the `memory` options from environment variables (unset ones are left out, so the
 * defaults apply):
 *
 * | Variable | Option |
 * |---|---|
 * | `BUPPLE_MEMORY_DRIVER` | `driver` (`memory`, `file`, `redis`, `database`) |
 * | `BUPPLE_MEMORY_FILE_PATH` | `file.path` |
 * | `BUPPLE_MEMORY_REDIS_URL` | `redis.url` |
 * | `BUPPLE_MEMORY_REDIS_KEY` | `redis.keyPrefix` (a `:` is added unless it ends with `:`, as the original's key names a prefix) |
 * | `BUPPLE_MEMORY_REDIS_TTL` | `redis.ttlSeconds` |
 * | `BUPPLE_MEMORY_DATABASE_URL` | `database.url` |
 * | `BUPPLE_MEMORY_DB_TABLE_NAME` | `database.tableName` |
 * | `BUPPLE_MEMORY_DB_CREATE_TABLE` | `database.createTable` (`true`/`1`/`yes`) |
 *
 * Throws a `MemoryValidationException` naming the variable when a value cannot be read.
 */
export function memoryOptionsFromEnv(env: Record<string, string | undefined> = process.env): MemoryModuleOptions {
  const value = (name: string): string | undefined => {
    const v = env[name]?.trim();
    return v ? v : undefined;
  };
  const problems: string[] = [];
  const options: MemoryModuleOptions = {};

  const driver = value('BUPPLE_MEMORY_DRIVER');
  if (driver !== undefined) {
    if (['memory', 'file', 'redis', 'database'].includes(driver)) options.driver = driver as MemoryDriverName;
    else problems.push(`BUPPLE_MEMORY_DRIVER: must be memory, file, redis or database (got "${driver}")`);
  }
  const filePath = value('BUPPLE_MEMORY_FILE_PATH');
  if (filePath !== undefined) options.file = { path: filePath };

  const redisUrl = value('BUPPLE_MEMORY_REDIS_URL');
  const redisKey = value('BUPPLE_MEMORY_REDIS_KEY');
  const redisTtl = value('BUPPLE_MEMORY_REDIS_TTL');
  if (redisUrl !== undefined || redisKey !== undefined || redisTtl !== undefined) {
    options.redis = {};
    if (redisUrl !== undefined) options.redis.url = redisUrl;
    if (redisKey !== undefined) options.redis.keyPrefix = redisKey.endsWith(':') ? redisKey : `${redisKey}:`;
    if (redisTtl !== undefined) {
      const ttl = Number(redisTtl);
      if (Number.isInteger(ttl) && ttl >= 0) options.redis.ttlSeconds = ttl;
      else problems.push(`BUPPLE_MEMORY_REDIS_TTL: must be a whole number of seconds ≥ 0 (got "${redisTtl}")`);
    }
  }

  const databaseUrl = value('BUPPLE_MEMORY_DATABASE_URL');
  const tableName = value('BUPPLE_MEMORY_DB_TABLE_NAME');
  const createTable = value('BUPPLE_MEMORY_DB_CREATE_TABLE');
  if (databaseUrl !== undefined || tableName !== undefined || createTable !== undefined) {
    options.database = {};
    if (databaseUrl !== undefined) options.database.url = databaseUrl;
    if (tableName !== undefined) options.database.tableName = tableName;
    if (createTable !== undefined) {
      const v = createTable.toLowerCase();
      if (['true', '1', 'yes'].includes(v)) options.database.createTable = true;
      else if (['false', '0', 'no'].includes(v)) options.database.createTable = false;
      else problems.push(`BUPPLE_MEMORY_DB_CREATE_TABLE: must be true or false (got "${createTable}")`);
    }
  }

  if (problems.length > 0) throw new MemoryValidationException(ErrorMessages.invalidOptions(problems));
  return options;
}

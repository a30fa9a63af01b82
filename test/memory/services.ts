import { randomBytes } from 'node:crypto';

/**
 * The real Redis and PostgreSQL the store specs run against. A spec calls `requireRedis()` /
 * `requirePostgres()` in `beforeAll`: when the service is down, every test of the spec fails
 * at once with a message saying which service and how to start it (short connect timeouts, no
 * hang, no silent skip).
 */

export const REDIS_URL = process.env.BUPPLE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * Set by the suite's globalSetup (test/setup/services.mjs) when no Redis / PostgreSQL answers
 * and none could be started: the specs of that store skip (the setup said so in one line).
 */
export const REDIS_UNAVAILABLE = process.env.BUPPLE_TEST_REDIS_UNAVAILABLE;
export const POSTGRES_UNAVAILABLE = process.env.BUPPLE_TEST_DATABASE_UNAVAILABLE;
export const describeRedis = REDIS_UNAVAILABLE ? describe.skip : describe;
export const itRedis = REDIS_UNAVAILABLE ? it.skip : it;
export const describePostgres = POSTGRES_UNAVAILABLE ? describe.skip : describe;
const POSTGRES_URLS = process.env.BUPPLE_TEST_DATABASE_URL
  ? [process.env.BUPPLE_TEST_DATABASE_URL]
  : ['postgres://postgres@127.0.0.1:5432/test', 'postgres://root@127.0.0.1:5432/test'];

/** A short random suffix for keys, tables and directories of one run. */
export function uniqueSuffix(): string {
  return `${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
}

/** Resolves with the Redis URL, or throws a clear error after at most ~2 s. */
export async function requireRedis(): Promise<string> {
  const { Redis } = await import('ioredis');
  const client = new Redis(REDIS_URL, {
    lazyConnect: true,
    connectTimeout: 1500,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  let lastError: Error | undefined;
  client.on('error', (error: Error) => {
    lastError = error;
  });
  try {
    await client.connect();
    await client.ping();
    return REDIS_URL;
  } catch (error) {
    throw new Error(
      `Redis is not reachable at ${REDIS_URL} (${(lastError ?? (error as Error)).message}). The Redis store specs need a real Redis: ` +
        'start it with `.ci/run`, `redis-server --daemonize yes` or `docker run -p 6379:6379 redis:7`, ' +
        'or point BUPPLE_TEST_REDIS_URL at one.',
      { cause: error },
    );
  } finally {
    // (Not when already closed: ioredis would wait 2 s for a socket that is gone.)
    if (client.status !== 'end') client.disconnect();
  }
}

/** Resolves with a PostgreSQL URL that works (user postgres, then root), or throws a clear error after at most ~3 s. */
export async function requirePostgres(): Promise<string> {
  const pg = await import('pg');
  const Client = pg.default.Client;
  const failures: string[] = [];
  for (const url of POSTGRES_URLS) {
    const client = new Client({ connectionString: url, connectionTimeoutMillis: 1500 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('SELECT 1');
      return url;
    } catch (error) {
      failures.push(`${url.replace(/:[^:@/]*@/, '@')}: ${(error as Error).message || (error as { code?: string }).code}`);
    } finally {
      await client.end().catch(() => undefined);
    }
  }
  throw new Error(
    `PostgreSQL is not reachable (${failures.join('; ')}). The database store specs need a real PostgreSQL with a ` +
      'database "test" and trust auth for user postgres or root: start it with `.ci/run` or `service postgresql start` ' +
      '(then `createdb -U postgres test`), or point BUPPLE_TEST_DATABASE_URL at one.',
  );
}

import { randomUUID } from 'node:crypto';
import { Logger, type LoggerService } from '@nestjs/common';
import { MemoryConnectionException, RedisConversationStore } from '../../lib/memory/index.js';
import { countConnections, PrivateRedis } from '../utils/private-redis.js';

const lines: { level: string; message: string }[] = [];
const collect = (level: string) => (message: unknown) => void lines.push({ level, message: String(message) });
const logger: LoggerService = { log: collect('log'), warn: collect('warn'), error: collect('error'), debug: () => undefined, verbose: () => undefined };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await sleep(25)) if (await check()) return true;
  return false;
}

describe('RedisConversationStore through an outage (a private redis-server, killed, paused and restarted)', () => {
  const redis = new PrivateRedis();
  let store: RedisConversationStore;
  const key = () => ({ parentType: 'chat', parentId: randomUUID() });

  beforeAll(async () => {
    Logger.overrideLogger(logger);
    await redis.start();
    store = new RedisConversationStore({ url: redis.url, keyPrefix: 'outage:', connectTimeoutMs: 500, commandTimeoutMs: 500, maxReconnectDelayMs: 40 });
    await store.connect();
  });

  afterAll(async () => {
    redis.resume();
    await store?.close();
    await redis.kill();
    Logger.overrideLogger(['log', 'warn', 'error']);
  });

  it('killed for longer than 20 reconnection attempts: each call fails fast, one warning for the outage, and it works again by itself', async () => {
    lines.length = 0;
    const k = key();
    await store.append(k, { role: 'user', content: 'before' });
    expect(store.isReady).toBe(true);
    await redis.kill();

    for (let i = 0; i < 20; i++) {
      const started = Date.now();
      await expect(store.append(k, { role: 'user', content: `while down ${i}` })).rejects.toThrow(MemoryConnectionException);
      expect(Date.now() - started).toBeLessThan(1000);
    }
    expect(store.isReady).toBe(false);
    // a read too, and each says when to try again (about one reconnection round, 1 s at least): the HTTP layer's Retry-After
    await expect(store.list(k)).rejects.toMatchObject({ code: 'memory_connection', retryAfter: 1000 });

    const standIn = await countConnections(redis.port);
    const enough = await until(() => standIn.count >= 30, 10_000);
    await standIn.close();
    expect(enough).toBe(true);

    await redis.start();
    expect(await until(() => store.isReady, 5000)).toBe(true);
    const k2 = key();
    await expect(store.append(k2, { role: 'user', content: 'after' })).resolves.toMatchObject({ seq: 1 });
    expect((await store.list(k2)).map((m) => m.content)).toEqual(['after']);

    const warnings = lines.filter((l) => l.level === 'warn');
    expect(warnings.map((l) => l.message)).toEqual([expect.stringMatching(/^Redis conversation store: Redis is unreachable/)]);
    const back = lines.filter((l) => /Redis conversation store: Redis is back after [0-9.]+ s; (\d+) operation/.test(l.message));
    expect(back).toHaveLength(1);
    expect(Number(/; (\d+) operation/.exec(back[0].message)![1])).toBeGreaterThanOrEqual(20);
  }, 30_000);

  it('paused (a Redis that hangs): a call fails within the command timeout, and works again after SIGCONT', async () => {
    lines.length = 0;
    const k = key();
    await store.append(k, { role: 'user', content: 'one' });
    redis.pause();
    try {
      const started = Date.now();
      await expect(store.append(k, { role: 'user', content: 'lost?' })).rejects.toThrow(MemoryConnectionException);
      expect(Date.now() - started).toBeLessThan(1500);
      expect(store.isReady).toBe(false);
    } finally {
      redis.resume();
    }
    // the timed-out append may still have been applied by Redis once it resumed: one record, never two
    expect(await until(async () => (await store.list(k).catch(() => undefined)) !== undefined, 5000)).toBe(true);
    const contents = (await store.list(k)).map((m) => m.content);
    expect(contents[0]).toBe('one');
    expect(contents.filter((c) => c === 'lost?').length).toBeLessThanOrEqual(1);
    await store.append(k, { role: 'user', content: 'two' });
    expect(store.isReady).toBe(true);
    expect(lines.filter((l) => l.level === 'warn')).toHaveLength(1);
  }, 20_000);
});

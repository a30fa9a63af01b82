import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { DEFAULT_REDIS_KEY_PREFIX, DEFAULT_REDIS_TTL_SECONDS, MemoryConnectionException, RedisConversationStore } from '../../lib/memory/index.js';
import { runAppendChild } from './child-process.js';
import { conversationStoreContract } from './conversation-store.contract.js';
import { describeRedis, REDIS_UNAVAILABLE, REDIS_URL, requireRedis, uniqueSuffix } from './services.js';
import { freePort, TcpProxy } from '../utils/tcp-proxy.js';

/** Every key of this run starts with this prefix; all are deleted at the end. */
const runPrefix = `bupple_test_${uniqueSuffix()}:`;
let admin: Redis;

beforeAll(async () => {
  if (REDIS_UNAVAILABLE) return;
  await requireRedis();
  admin = new Redis(REDIS_URL, { maxRetriesPerRequest: 1, connectTimeout: 2000 });
});

afterAll(async () => {
  if (!admin) return;
  const keys = await admin.keys(`${runPrefix}*`);
  if (keys.length > 0) await admin.del(...keys);
  await admin.quit();
});

(REDIS_UNAVAILABLE ? describe.skip : describe)('Redis store contract', () =>
  conversationStoreContract('Redis store', () => ({
    open: () => new RedisConversationStore({ url: REDIS_URL, keyPrefix: `${runPrefix}contract:`, connectTimeoutMs: 1500 }),
    persistent: true,
  })),
);

describeRedis('RedisConversationStore', () => {
  const key = () => ({ parentType: 'chat', parentId: randomUUID() });
  const stores: RedisConversationStore[] = [];
  const open = (options: ConstructorParameters<typeof RedisConversationStore>[0] = {}) => {
    const store = new RedisConversationStore({ url: REDIS_URL, keyPrefix: `${runPrefix}unit:`, connectTimeoutMs: 1500, ...options });
    stores.push(store);
    return store;
  };
  afterAll(() => Promise.allSettled(stores.map((s) => s.close())));

  it('defaults: the original key as prefix, a 30-day TTL', () => {
    expect(DEFAULT_REDIS_KEY_PREFIX).toBe('engine_memory:');
    expect(DEFAULT_REDIS_TTL_SECONDS).toBe(2_592_000);
    expect(new RedisConversationStore().keyOf({ parentType: 'chat', parentId: 'a:b' })).toBe('engine_memory:chat:a%3Ab');
    // an owner gets its own namespace; conversations without one keep the original key
    expect(new RedisConversationStore().keyOf({ parentType: 'chat', parentId: 'a:b', owner: 'u@x:y' })).toBe('engine_memory:@u%40x%3Ay:chat:a%3Ab');
    expect(new RedisConversationStore().keyOf({ parentType: 'chat', parentId: 'a', owner: '' })).toBe('engine_memory:chat:a');
  });

  it('keeps a conversation in one list under the prefix, one JSON record per message', async () => {
    const store = open();
    const k = key();
    await store.append(k, { role: 'user', content: 'hi', metadata: { a: 1 } });
    const redisKey = store.keyOf(k);
    expect(redisKey).toBe(`${runPrefix}unit:chat:${k.parentId}`);
    expect(await admin.type(redisKey)).toBe('list');
    const [record] = await admin.lrange(redisKey, 0, -1);
    expect(JSON.parse(record!)).toMatchObject({ seq: 1, role: 'user', content: 'hi', metadata: { a: 1 } });
  });

  it('sets the TTL (30 days by default) and refreshes it on every write; ttlSeconds 0 keeps it forever', async () => {
    const store = open();
    const k = key();
    await store.append(k, { role: 'user', content: 'x' });
    const ttl = await admin.pttl(store.keyOf(k));
    expect(ttl).toBeGreaterThan(2_592_000_000 - 60_000);
    expect(ttl).toBeLessThanOrEqual(2_592_000_000);
    await admin.pexpire(store.keyOf(k), 5000);
    await store.append(k, { role: 'user', content: 'y' });
    expect(await admin.pttl(store.keyOf(k))).toBeGreaterThan(2_592_000_000 - 60_000);

    const short = open({ ttlSeconds: 60 });
    await short.append(k, { role: 'user', content: 'z' });
    const shortTtl = await admin.pttl(short.keyOf(k));
    expect(shortTtl).toBeGreaterThan(50_000);
    expect(shortTtl).toBeLessThanOrEqual(60_000);

    const forever = open({ ttlSeconds: 0 });
    await forever.append(k, { role: 'user', content: 'w' });
    expect(await admin.pttl(forever.keyOf(k))).toBe(-1);
  });

  it('an unreachable Redis gives a MemoryConnectionException quickly, naming the server and the option', async () => {
    const port = await freePort();
    const store = open({ url: `redis://:s3cret-password@127.0.0.1:${port}` });
    const started = Date.now();
    const error = await store.connect().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MemoryConnectionException);
    expect(Date.now() - started).toBeLessThan(2500);
    const message = (error as Error).message;
    expect(message).toContain(`redis://127.0.0.1:${port}`);
    expect(message).toContain('ECONNREFUSED');
    expect(message).toContain('memory.redis.url');
    expect(message).not.toContain('s3cret-password');
    expect(error).toMatchObject({ code: 'memory_connection', retryable: true, store: 'redis' });
    // Each later call fails just as fast (no reconnect loop, no queue).
    const again = Date.now();
    await expect(store.append(key(), { role: 'user', content: 'x' })).rejects.toThrow(MemoryConnectionException);
    expect(Date.now() - again).toBeLessThan(2500);
  });

  it('a server that accepts but never answers gives a MemoryConnectionException after connectTimeoutMs', async () => {
    const { createServer } = await import('node:net');
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', () => resolve()));
    const port = (silent.address() as { port: number }).port;
    try {
      const store = open({ url: `redis://127.0.0.1:${port}`, connectTimeoutMs: 500 });
      const started = Date.now();
      await expect(store.connect()).rejects.toThrow(MemoryConnectionException);
      expect(Date.now() - started).toBeLessThan(2500);
    } finally {
      silent.close();
      (silent as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
    }
  });

  it('Redis going down mid-use: a clear MemoryConnectionException, no corruption, and it works again once Redis is back', async () => {
    const proxy = new TcpProxy('127.0.0.1', Number(new URL(REDIS_URL).port || 6379));
    await proxy.up();
    try {
      const store = open({ url: `redis://127.0.0.1:${proxy.port}`, commandTimeoutMs: 1000 });
      const k = key();
      await store.appendMany(k, [
        { role: 'user', content: 'before 1' },
        { role: 'assistant', content: 'before 2' },
      ]);
      await proxy.down();
      const started = Date.now();
      const error = await store.append(k, { role: 'user', content: 'while down' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MemoryConnectionException);
      expect((error as Error).message).toMatch(/redis conversation store failed|unreachable/);
      expect(Date.now() - started).toBeLessThan(3000);
      await expect(store.list(k)).rejects.toThrow(MemoryConnectionException);

      await proxy.up();
      let after: Awaited<ReturnType<typeof store.append>> | undefined;
      for (const deadline = Date.now() + 8000; !after && Date.now() < deadline;) {
        after = await store.append(k, { role: 'user', content: 'after' }).catch(() => undefined);
        if (!after) await new Promise((r) => setTimeout(r, 200));
      }
      expect(after?.seq).toBe(3);
      expect((await store.list(k)).map((m) => [m.seq, m.content])).toEqual([
        [1, 'before 1'],
        [2, 'before 2'],
        [3, 'after'],
      ]);
    } finally {
      await proxy.down();
    }
  });

  it('two processes appending 50 messages each at once: all 100 stored once, seqs 1…100', async () => {
    const k = key();
    const options = { url: REDIS_URL, keyPrefix: `${runPrefix}unit:` };
    const [a, b] = await Promise.all([
      runAppendChild({ driver: 'redis', options, ...k, count: 50, label: 'A' }),
      runAppendChild({ driver: 'redis', options, ...k, count: 50, label: 'B' }),
    ]);
    expect(a).toMatchObject({ ok: true });
    expect(b).toMatchObject({ ok: true });
    const messages = await open().list(k);
    expect(messages.map((m) => m.seq)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    const bySeq = new Map(messages.map((m) => [m.seq, m.id]));
    a.seqs!.forEach((seq, i) => expect(bySeq.get(seq)).toBe(a.ids![i]));
    b.seqs!.forEach((seq, i) => expect(bySeq.get(seq)).toBe(b.ids![i]));
  });

  it('history written by another process survives it (restart)', async () => {
    const k = key();
    const options = { url: REDIS_URL, keyPrefix: `${runPrefix}unit:` };
    expect(await runAppendChild({ driver: 'redis', options, ...k, count: 3, label: 'earlier', mode: 'sequential' })).toMatchObject({
      ok: true,
      seqs: [1, 2, 3],
    });
    const store = open();
    expect((await store.list(k)).map((m) => m.content)).toEqual(['earlier 0', 'earlier 1', 'earlier 2']);
    expect((await store.append(k, { role: 'user', content: 'later' })).seq).toBe(4);
  });

  it('a key holding something else is a storage error, not a connection error, and is left untouched', async () => {
    const store = open();
    const k = key();
    await admin.set(store.keyOf(k), 'not a list');
    await expect(store.append(k, { role: 'user', content: 'x' })).rejects.toMatchObject({ code: 'memory_storage' });
    expect(await admin.get(store.keyOf(k))).toBe('not a list');
  });
});

import { randomBytes } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { Redis } from 'ioredis';
import { RedisReplayStore, type SseControlMessage } from './redis-replay-store.js';

// the suite's Redis (test/setup/services.mjs: the configured one, or a private one for the run)
const URL = process.env.BUPPLE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const logger = new Logger('test');
logger.warn = () => undefined;
const ev = (seq: number) => `id: s-${seq}\nevent: content\ndata: {"n":${seq}}\n\n`;

(process.env.BUPPLE_TEST_REDIS_UNAVAILABLE ? describe.skip : describe)('RedisReplayStore (real Redis)', () => {
  const keyPrefix = `bupple-test:sse-store:${randomBytes(6).toString('hex')}:`;
  const control: SseControlMessage[] = [];
  let store: RedisReplayStore;
  let other: RedisReplayStore;
  let redis: Redis;

  beforeAll(async () => {
    redis = new Redis(URL, { lazyConnect: true, connectTimeout: 2000, maxRetriesPerRequest: 0, retryStrategy: () => null });
    await redis.connect().catch((error: Error) => {
      throw new Error(`These tests need the real Redis on ${URL}: ${error.message}`);
    });
    store = new RedisReplayStore({ url: URL, keyPrefix, ttlMs: 10_000, maxLen: 1000 }, logger, () => undefined);
    other = new RedisReplayStore({ url: URL, keyPrefix, ttlMs: 10_000, maxLen: 1000 }, logger, (m) => control.push(m));
    await store.connect();
    await other.connect();
  });

  afterAll(async () => {
    await store?.close();
    await other?.close();
    const keys = await redis.keys(`${keyPrefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  const settle = () => new Promise((resolve) => setTimeout(resolve, 30));

  it('stores events and the end in one pipeline per turn; another instance reads them in order', async () => {
    store.start({ streamId: 'a', scope: 'u1', state: 'running', lastSeq: 0, storesEvents: true });
    for (let seq = 1; seq <= 5; seq++) store.append('a', seq, ev(seq));
    store.finish('a', 'completed', 5);
    await settle();
    expect(await other.info('a')).toEqual({ streamId: 'a', state: 'completed', scope: 'u1', storesEvents: true, lastSeq: 5 });
    // the events after 2 (3, 4, 5: the next seq would be 6), then the end marker `5-1`
    expect(await other.range('a', 2)).toEqual({ kind: 'events', events: [ev(3), ev(4), ev(5)], end: 'completed', cursor: '5-1' });
    expect(await other.range('a', 5)).toMatchObject({ kind: 'events', events: [], end: 'completed' });
    expect(await redis.pttl(`${keyPrefix}a:e`)).toBeGreaterThan(9000);
  });

  it('says "gone" for events no longer held', async () => {
    await redis.xadd(`${keyPrefix}b:e`, '7-0', 'e', ev(7));
    await redis.xadd(`${keyPrefix}b:e`, '8-0', 'e', ev(8));
    expect(await store.range('b', 3)).toEqual({ kind: 'gone' });
    expect(await store.range('b', 6)).toMatchObject({ kind: 'events', events: [ev(7), ev(8)] });
    expect(await store.range('b', 2_000)).toEqual({ kind: 'gone' });
  });

  it('follows a running stream live from another instance until its end', async () => {
    store.start({ streamId: 'c', scope: undefined, state: 'running', lastSeq: 0, storesEvents: true });
    store.append('c', 1, ev(1));
    await settle();
    const texts: string[] = [];
    const ended = new Promise<string>((resolve) => other.follow('c', '1-0', { onText: (t) => texts.push(t), onEnd: resolve }));
    await settle();
    store.append('c', 2, ev(2));
    await settle();
    store.append('c', 3, ev(3));
    store.finish('c', 'completed', 3);
    expect(await ended).toBe('completed');
    expect(texts.join('')).toBe(ev(2) + ev(3));
  });

  it('carries stop, attach and detach on the control channel', async () => {
    await store.publish({ type: 'stop', streamId: 'x' });
    await store.publish({ type: 'attach', streamId: 'y' });
    const deadline = Date.now() + 2000;
    while (control.length < 2 && Date.now() < deadline) await settle();
    expect(control).toEqual([
      { type: 'stop', streamId: 'x' },
      { type: 'attach', streamId: 'y' },
    ]);
  });

  it('fails fast with a clear message when Redis cannot be reached', async () => {
    const down = new RedisReplayStore({ url: 'redis://127.0.0.1:1', keyPrefix, ttlMs: 1000, maxLen: 10, connectTimeoutMs: 500 }, logger, () => undefined);
    const started = Date.now();
    await expect(down.connect()).rejects.toThrow(/The Redis SSE replay store at 127\.0\.0\.1:1 is unreachable: .*BUPPLE_SSE_REPLAY_REDIS_URL/);
    expect(Date.now() - started).toBeLessThan(3000);
    await down.close();
  });
});

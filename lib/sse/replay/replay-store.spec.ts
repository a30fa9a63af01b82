import { randomBytes } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { Redis } from 'ioredis';
import { MemoryReplayStore } from './memory-replay-buffer.js';
import { RedisReplayStore } from './redis-replay-store.js';
import type { ReplayStore, SseControlMessage } from './replay-store.js';

const URL = process.env.BUPPLE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const logger = new Logger('test');
logger.warn = () => undefined;
const ev = (id: string, seq: number) => `id: ${id}-${seq}\nevent: content\ndata: {"n":${seq}}\n\n`;
const settle = () => new Promise((resolve) => setTimeout(resolve, 40));
const keyPrefix = `bupple-test:replay-contract:${randomBytes(6).toString('hex')}:`;

/** The behaviour SseStreams relies on, the same for the memory and the Redis store. */
function replayStoreContract(name: string, open: (control: SseControlMessage[]) => Promise<ReplayStore>, skip = false): void {
  (skip ? describe.skip : describe)(`${name}: ReplayStore contract`, () => {
    const control: SseControlMessage[] = [];
    let store: ReplayStore;
    const id = () => randomBytes(9).toString('base64url');
    beforeAll(async () => {
      store = await open(control);
    });
    afterAll(async () => {
      await store?.close();
    });

    it('keeps a stream: info, the events after a seq in order, the end with them', async () => {
      const s = id();
      store.start({ streamId: s, state: 'running', scope: 'u1', storesEvents: true, lastSeq: 0 });
      for (let seq = 1; seq <= 4; seq++) store.append(s, seq, ev(s, seq));
      await settle();
      expect(await store.info(s)).toMatchObject({ streamId: s, state: 'running', scope: 'u1', storesEvents: true });
      const running = await store.range(s, 1);
      expect(running).toMatchObject({ kind: 'events', events: [ev(s, 2), ev(s, 3), ev(s, 4)] });
      expect((running as { end?: string }).end).toBeUndefined();
      store.finish(s, 'completed', 4);
      await settle();
      expect(await store.info(s)).toMatchObject({ state: 'completed', lastSeq: 4 });
      expect(await store.range(s, 3)).toMatchObject({ kind: 'events', events: [ev(s, 4)], end: 'completed' });
      expect(await store.info(id())).toBeUndefined();
      expect(store.ready).toBe(true);
    });

    it('follows a running stream live from the cursor of range, to its end', async () => {
      const s = id();
      store.start({ streamId: s, state: 'running', scope: undefined, storesEvents: true, lastSeq: 0 });
      store.append(s, 1, ev(s, 1));
      await settle();
      const first = await store.range(s, 0);
      if (first.kind !== 'events') throw new Error('expected events');
      expect(first.events).toEqual([ev(s, 1)]);
      let text = '';
      const ended = new Promise<string>((resolve) => {
        store.follow(s, first.cursor, { onText: (t) => (text += t), onEnd: (state) => resolve(state) });
      });
      await settle();
      store.append(s, 2, ev(s, 2));
      store.append(s, 3, ev(s, 3));
      await settle();
      store.finish(s, 'stopped', 3);
      expect(await ended).toBe('stopped');
      expect(text).toBe(ev(s, 2) + ev(s, 3));
    });

    it('links a key to its latest stream, and carries control messages', async () => {
      const s = id();
      store.start({ streamId: s, state: 'running', scope: undefined, storesEvents: true, lastSeq: 0 });
      await settle();
      await store.link('chat-1', s);
      expect(await store.linked('chat-1')).toBe(s);
      expect(await store.linked('chat-2')).toBeUndefined();
      await store.publish({ type: 'stop', streamId: s });
      await settle();
      expect(control).toContainEqual({ type: 'stop', streamId: s });
    });
  });
}

replayStoreContract(
  'MemoryReplayStore',
  async (control) => new MemoryReplayStore({ ttlMs: 10_000, maxStreamChars: 1 << 20, maxTotalChars: 1 << 24, keepFinished: true }, (m) => control.push(m)),
);

replayStoreContract(
  'RedisReplayStore',
  async (control) => {
    const store = new RedisReplayStore({ url: URL, keyPrefix, ttlMs: 10_000, maxLen: 1000 }, logger, (m) => control.push(m));
    await store.connect();
    return store;
  },
  !!process.env.BUPPLE_TEST_REDIS_UNAVAILABLE,
);

afterAll(async () => {
  if (process.env.BUPPLE_TEST_REDIS_UNAVAILABLE) return;
  const redis = new Redis(URL, { maxRetriesPerRequest: 0 });
  const keys = await redis.keys(`${keyPrefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

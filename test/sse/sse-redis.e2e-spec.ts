import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { Redis } from 'ioredis';
import { BuppleEngineModule } from '@bupple/nestjs-ai-engine';
import { OfflineDriver } from '@bupple/nestjs-ai-engine/drivers';
import { dataOf, read, seqsOf, sleep, startApp, textOf, tokens, waitFor, type Platform } from './sse-test-app.js';

import { REDIS_UNAVAILABLE, REDIS_URL } from '../memory/services.js';
import { resumableChatController } from './resumable-chat.controller.js';
const hundred = tokens(100);

const ChatController = resumableChatController({ graceMs: 800, question: 'count to 100' });

async function redisOrExplain(): Promise<Redis> {
  const client = new Redis(REDIS_URL, { lazyConnect: true, connectTimeout: 2000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
    return client;
  } catch (error) {
    client.disconnect();
    throw new Error(`These tests need the real Redis on ${REDIS_URL}: ${(error as Error).message}`, { cause: error });
  }
}

(REDIS_UNAVAILABLE ? describe.skip : describe).each<[Platform, Platform]>([
  ['express', 'fastify'],
  ['fastify', 'express'],
])('two instances sharing Redis (A on %s, B on %s)', (platformA, platformB) => {
  const keyPrefix = `bupple-test:sse:${randomBytes(6).toString('hex')}:`;
  let redis: Redis;
  type Instance = { app: INestApplication; base: string; driver: OfflineDriver; slow: OfflineDriver };
  let a: Instance;
  let b: Instance;

  async function instance(platform: Platform) {
    const driver = new OfflineDriver('counter', { tokenDelayMs: 5, chunks: hundred.chunks });
    const fast = new OfflineDriver('fast', { tokenDelayMs: 0, chunks: hundred.chunks.slice(0, 10) });
    const slow = new OfflineDriver('slow', { tokenDelayMs: 13, chunks: hundred.chunks });
    const started = await startApp(platform, {
      imports: [
        BuppleEngineModule.forRoot({
          engine: { default: 'counter', drivers: { counter: driver, fast, slow } },
          sse: { keepaliveMs: 0, replay: { driver: 'redis', ttlMs: 60_000, redis: { url: REDIS_URL, keyPrefix } } },
        }),
      ],
      controllers: [ChatController],
    });
    return { ...started, driver, slow };
  }

  beforeAll(async () => {
    redis = await redisOrExplain();
    a = await instance(platformA);
    b = await instance(platformB);
  });

  afterAll(async () => {
    await a?.app.close();
    await b?.app.close();
    if (redis) {
      const keys = await redis.keys(`${keyPrefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      await redis.quit();
    }
  });

  it('a client drops after event 20 on A and resumes on B: all 100 content events exactly once, in order, one generation', async () => {
    const first = await read(`${a.base}/chat/stream`, { stopAfter: 20 });
    expect(first.events).toHaveLength(20);
    const rest = await read(`${b.base}/chat/stream`, { lastEventId: first.events.at(-1)!.id });
    expect(rest.status).toBe(200);
    const all = [...first.events, ...rest.events];
    const { streamId, seqs } = seqsOf(all);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    expect(seqsOf(rest.events).streamId).toBe(streamId);
    const contents = dataOf({ events: all }, 'content');
    expect(contents).toHaveLength(100);
    expect(contents.map((c) => c.index)).toEqual(contents.map((_, i) => i));
    expect(textOf(all)).toBe(hundred.text);
    expect(rest.events.at(-1)!.event).toBe('complete');
    // one generation, on A; B only followed
    expect(a.driver.lastRequest!.state).toBe('completed');
    expect(b.driver.requests).toHaveLength(0);
    // the stream is over everywhere: B and A both answer 204 now
    expect((await read(`${b.base}/chat/stream`, { lastEventId: rest.events.at(-1)!.id })).status).toBe(204);
    expect((await read(`${a.base}/chat/streams/${streamId}?lastEventId=${rest.events.at(-1)!.id}`)).status).toBe(204);
  });

  it('B keeps A generating past the grace period while its client follows', async () => {
    // 100 tokens at 13 ms: the grace period (0.8 s) passes while B's client follows; A must not abort
    const first = await read(`${a.base}/chat/stream?engine=slow`, { stopAfter: 5 });
    const rest = await read(`${b.base}/chat/stream`, { lastEventId: first.events.at(-1)!.id });
    expect(textOf([...first.events, ...rest.events])).toBe(hundred.text);
    expect(a.slow.lastRequest!.state).toBe('completed');
    expect(a.slow.lastRequest!.endedAt! - a.slow.lastRequest!.startedAt).toBeGreaterThan(800);
  });

  it('replays a finished stream from B (after A completed it) through the resume route', async () => {
    const first = await read(`${a.base}/chat/stream?engine=fast`, { stopAfter: 3 });
    await sleep(100);
    const { streamId } = seqsOf(first.events);
    const whole = await read(`${b.base}/chat/streams/${streamId}`);
    expect(seqsOf(whole.events).seqs[0]).toBe(1);
    expect(textOf(whole.events)).toBe(hundred.chunks.slice(0, 10).join(''));
    expect(whole.events.at(-1)!.event).toBe('complete');
  });

  it('DELETE on B stops the generation running on A', async () => {
    const first = await read(`${a.base}/chat/stream`, { stopAfter: 3 });
    const { streamId } = seqsOf(first.events);
    const stopped = await fetch(`${b.base}/chat/streams/${streamId}`, { method: 'DELETE' });
    expect(stopped.status).toBe(204);
    expect(await waitFor(() => a.driver.lastRequest?.state === 'aborted', 1000)).toBe(true);
    expect((await fetch(`${b.base}/chat/streams/AAAAAAAAAAAAAAAA`, { method: 'DELETE' })).status).toBe(404);
  });

  it('answers resync on B for an id nobody holds', async () => {
    const result = await read(`${b.base}/chat/stream`, { lastEventId: 'AAAAAAAAAAAAAAAA-4' });
    expect(result.events.map((e) => e.event)).toEqual(['resync']);
    expect(b.driver.requests).toHaveLength(0);
  });
});

import 'reflect-metadata';
import { randomBytes, randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { Redis } from 'ioredis';
import { BuppleEngineModule, EngineExceptionFilter } from '@bupple/nestjs-ai-engine';
import { OfflineDriver } from '@bupple/nestjs-ai-engine/drivers';
import { MemoryConnectionException, RedisConversationStore } from '../../lib/memory/index.js';
import { SseStreams } from '../../lib/sse/index.js';
import { conversationStoreContract } from '../memory/conversation-store.contract.js';
import { read, startApp, textOf, tokens } from '../sse/sse-test-app.js';
import { REDIS_BINARIES_MISSING, RedisSentinelFixture, until } from '../utils/redis-topology.js';
import { resumableChatController } from '../sse/resumable-chat.controller.js';

if (REDIS_BINARIES_MISSING) console.warn(`Skipping the Redis Sentinel tests: ${REDIS_BINARIES_MISSING}.`);
const describeSentinel = REDIS_BINARIES_MISSING ? describe.skip : describe;

const hundred = tokens(100);
const sentinel = new RedisSentinelFixture();
const prefix = `bupple-test:${randomBytes(4).toString('hex')}:`;
const target = () => ({ sentinels: sentinel.sentinelAddresses, name: sentinel.name });

const ChatController = resumableChatController({ graceMs: 10_000, question: 'count' });

type Instance = { app: INestApplication; base: string; streams: SseStreams; driver: OfflineDriver };

async function instance(): Promise<Instance> {
  const driver = new OfflineDriver('counter', { tokenDelayMs: 5, chunks: hundred.chunks });
  const started = await startApp(
    'express',
    {
      imports: [
        BuppleEngineModule.forRoot({
          engine: { default: 'counter', drivers: { counter: driver } },
          sse: {
            keepaliveMs: 0,
            replay: {
              driver: 'redis',
              ttlMs: 60_000,
              redis: { sentinel: target(), keyPrefix: `${prefix}sse:`, commandTimeoutMs: 2000, maxReconnectDelayMs: 500 },
            },
          },
        }),
      ],
      controllers: [ChatController],
    },
    (app) => {
      app.useLogger(false);
      app.useGlobalFilters(new EngineExceptionFilter());
    },
  );
  return { ...started, streams: started.app.get(SseStreams), driver };
}

/** A client drops after event 20 on `a` and resumes on `b`: the whole answer, one generation. */
async function resumeAcross(a: Instance, b: Instance): Promise<void> {
  const first = await read(`${a.base}/chat/stream`, { stopAfter: 20 });
  const rest = await read(`${b.base}/chat/stream`, { lastEventId: first.events.at(-1)!.id });
  expect(rest.status).toBe(200);
  expect(textOf([...first.events, ...rest.events])).toBe(hundred.text);
  expect(rest.events.at(-1)!.event).toBe('complete');
}

beforeAll(async () => {
  if (REDIS_BINARIES_MISSING) return;
  await sentinel.start();
}, 60_000);

afterAll(async () => {
  await sentinel.stop();
}, 30_000);

describeSentinel('Redis Sentinel: conversation store contract', () =>
  conversationStoreContract('Redis store behind Sentinel', () => ({
    open: () => new RedisConversationStore({ sentinel: target(), keyPrefix: `${prefix}contract:` }),
    persistent: true,
  })),
);

describeSentinel('Redis Sentinel: the master killed, the sentinels fail over, the stores recover without a restart', () => {
  let a: Instance;
  let b: Instance;
  let store: RedisConversationStore;

  beforeAll(async () => {
    a = await instance();
    b = await instance();
    store = new RedisConversationStore({ sentinel: target(), keyPrefix: `${prefix}failover:`, commandTimeoutMs: 2000, maxReconnectDelayMs: 500 });
    await store.connect();
  }, 30_000);

  afterAll(async () => {
    await a?.app.close();
    await b?.app.close();
    await store?.close();
  });

  it('works through the sentinels, then follows the failover to the promoted replica', async () => {
    await resumeAcross(a, b);
    const key = { parentType: 'chat', parentId: randomUUID() };
    await store.append(key, { role: 'user', content: 'before the failover' });
    // replication is asynchronous: wait until the replica holds it, so that the failover cannot lose it
    const replica = new Redis({ host: '127.0.0.1', port: sentinel.replica.port, lazyConnect: true });
    await replica.connect();
    await until('the write replicated', 5000, async () => (await replica.llen(store.keyOf(key))) === 1);
    replica.disconnect();

    const oldPort = await sentinel.masterPort();
    expect(oldPort).toBe(sentinel.master.port);
    const killedAt = Date.now();
    await sentinel.master.kill();

    // the conversation store: a clear, retryable MemoryConnectionException (503) while there is no master, each within the bound
    const outcomes: string[] = [];
    for (;;) {
      const started = Date.now();
      try {
        await store.append(key, { role: 'user', content: 'after the failover' });
        outcomes.push(`ok at ${Date.now() - killedAt} ms`);
        break;
      } catch (error) {
        expect(error).toBeInstanceOf(MemoryConnectionException);
        expect((error as MemoryConnectionException).retryable).toBe(true);
        expect(Date.now() - started).toBeLessThan(4000);
        outcomes.push(`${(error as Error).name} at ${Date.now() - killedAt} ms`);
      }
      if (Date.now() - killedAt > 25_000) throw new Error(`no recovery within 25 s: ${outcomes.join('; ')}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const promoted = await sentinel.masterPort();
    const failoverMs = Date.now() - killedAt;
    expect(promoted).toBe(sentinel.replica.port);
    expect((await store.list(key)).map((m) => m.content)).toEqual(['before the failover', 'after the failover']);
    expect(store.isReady).toBe(true);

    // the replay store of both instances reconnected to the new master by itself
    const readyMs = await until('both replay stores ready', 15_000, () => a.streams.replayReady && b.streams.replayReady);
    await resumeAcross(a, b);
    await resumeAcross(b, a);
    console.log(
      `Redis Sentinel, master ${oldPort} killed: conversation store ${outcomes.length - 1} failure(s) then ${outcomes.at(-1)} ` +
        `(${outcomes.slice(0, 3).join('; ')}${outcomes.length > 4 ? '; …' : ''}); sentinels promoted ${promoted} (seen by ${failoverMs} ms); ` +
        `replay stores ready again ${readyMs} ms later; resume A→B and B→A work`,
    );
    expect(outcomes.length).toBeGreaterThan(1);
  }, 60_000);
});

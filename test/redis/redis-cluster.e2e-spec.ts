import 'reflect-metadata';
import { randomBytes, randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { Cluster } from 'ioredis';
import { BuppleEngineModule, EngineExceptionFilter } from '@bupple/nestjs-ai-engine';
import { OfflineDriver } from '@bupple/nestjs-ai-engine/drivers';
import { MemoryConnectionException, RedisConversationStore } from '../../lib/memory/index.js';
import { SseStreams } from '../../lib/sse/index.js';
import { RedisReplayStore } from '../../lib/sse/replay/redis-replay-store.js';
import { conversationStoreContract } from '../memory/conversation-store.contract.js';
import { read, seqsOf, sleep, startApp, textOf, tokens } from '../sse/sse-test-app.js';
import { REDIS_BINARIES_MISSING, RedisClusterFixture, until } from '../utils/redis-topology.js';
import { resumableChatController } from '../sse/resumable-chat.controller.js';

if (REDIS_BINARIES_MISSING) console.warn(`Skipping the Redis Cluster tests: ${REDIS_BINARIES_MISSING}.`);
const describeCluster = REDIS_BINARIES_MISSING ? describe.skip : describe;

const hundred = tokens(100);
const long = tokens(600);
const cluster = new RedisClusterFixture();
const prefix = `bupple-test:${randomBytes(4).toString('hex')}:`;

const ChatController = resumableChatController({
  graceMs: 20_000,
  question: 'count',
  resumeKey: (req) => (req as { query?: { chat?: string } }).query?.chat,
});

type Instance = { app: INestApplication; base: string; streams: SseStreams; driver: OfflineDriver; slow: OfflineDriver };

async function instance(nodes: string[]): Promise<Instance> {
  const driver = new OfflineDriver('counter', { tokenDelayMs: 5, chunks: hundred.chunks });
  const slow = new OfflineDriver('slow', { tokenDelayMs: 15, chunks: long.chunks });
  const started = await startApp(
    'express',
    {
      imports: [
        BuppleEngineModule.forRoot({
          engine: { default: 'counter', drivers: { counter: driver, slow } },
          sse: {
            keepaliveMs: 0,
            replay: {
              driver: 'redis',
              ttlMs: 60_000,
              redis: { cluster: { nodes }, keyPrefix: `${prefix}sse:`, commandTimeoutMs: 3000, maxReconnectDelayMs: 500 },
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
  return { ...started, streams: started.app.get(SseStreams), driver, slow };
}

beforeAll(async () => {
  if (REDIS_BINARIES_MISSING) return;
  await cluster.start();
}, 60_000);

afterAll(async () => {
  await cluster.stop();
}, 30_000);

describeCluster('Redis Cluster: conversation store contract', () =>
  conversationStoreContract('Redis Cluster store', () => ({
    open: () => new RedisConversationStore({ cluster: { nodes: [cluster.urls[0]!] }, keyPrefix: `${prefix}contract:`, connectTimeoutMs: 2000 }),
    persistent: true,
  })),
);

describeCluster('Redis Cluster: key layout', () => {
  it("hash-tags a stream's keys into one slot, different streams across the masters; a conversation is one key", async () => {
    const store = new RedisReplayStore({ cluster: { nodes: cluster.urls }, keyPrefix: 'p:', ttlMs: 1000, maxLen: 10 }, console as never, () => undefined);
    const single = new RedisReplayStore({ url: 'redis://127.0.0.1:1', keyPrefix: 'p:', ttlMs: 1000, maxLen: 10 }, console as never, () => undefined);
    expect([store.eventsKey('abc'), store.metaKey('abc')]).toEqual(['p:{abc}:e', 'p:{abc}:m']);
    // one node: the layout of earlier versions, unchanged
    expect([single.eventsKey('abc'), single.metaKey('abc')]).toEqual(['p:abc:e', 'p:abc:m']);
    const masters = new Set<number>();
    for (let i = 0; i < 12; i++) {
      const id = randomBytes(12).toString('base64url');
      expect(await cluster.keyslot(store.eventsKey(id))).toBe(await cluster.keyslot(store.metaKey(id)));
      masters.add((await cluster.masterOf(store.eventsKey(id))).port);
    }
    expect(masters.size).toBeGreaterThan(1);
    const memory = new RedisConversationStore({ cluster: { nodes: cluster.urls }, keyPrefix: 'm:' });
    expect(memory.keyOf({ parentType: 'chat', parentId: 'x', owner: 'u1' })).toBe('m:@u1:chat:x');
  });

  it('accepts an ioredis Cluster the app built, and never closes it', async () => {
    const own = new Cluster([{ host: '127.0.0.1', port: cluster.nodes[1]!.port }], { lazyConnect: true });
    const store = new RedisConversationStore({ cluster: own, keyPrefix: `${prefix}own:` });
    const key = { parentType: 'chat', parentId: randomUUID() };
    await store.append(key, { role: 'user', content: 'through the app cluster' });
    expect((await store.list(key)).map((m) => m.content)).toEqual(['through the app cluster']);
    await store.close();
    expect(own.status).toBe('wait');
    own.disconnect();
  });

  it('refuses a bad cluster or sentinel option with an error naming it', () => {
    expect(() => new RedisConversationStore({ cluster: { nodes: [] } })).toThrow(/redis\.cluster\.nodes: must be a non-empty array/);
    expect(() => new RedisConversationStore({ url: 'redis://x', sentinel: { sentinels: [{ host: 'h', port: 1 }], name: 'm' } })).toThrow(
      /give one of url, cluster or sentinel, not url and sentinel/,
    );
    expect(() => new RedisConversationStore({ sentinel: { sentinels: [{ host: 'h', port: 1 }], name: '' } })).toThrow(/redis\.sentinel\.name/);
  });
});

describeCluster('Redis Cluster: two app instances sharing the replay buffer', () => {
  let a: Instance;
  let b: Instance;

  beforeAll(async () => {
    a = await instance([cluster.urls[0]!]);
    b = await instance([cluster.urls[3]!, cluster.urls[4]!]);
  }, 30_000);

  afterAll(async () => {
    await a?.app.close();
    await b?.app.close();
  });

  it('a client drops after event 20 on A and resumes with Last-Event-ID on B: all 100 content events once, in order, one generation', async () => {
    expect(a.streams.replayReady && b.streams.replayReady).toBe(true);
    const first = await read(`${a.base}/chat/stream`, { stopAfter: 20 });
    const rest = await read(`${b.base}/chat/stream`, { lastEventId: first.events.at(-1)!.id });
    expect(rest.status).toBe(200);
    const all = [...first.events, ...rest.events];
    const { seqs } = seqsOf(all);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    expect(textOf(all)).toBe(hundred.text);
    expect(rest.events.at(-1)!.event).toBe('complete');
    expect(b.driver.requests).toHaveLength(0);
  });

  it("the chat's latest stream (resumeKey) is found from B, and DELETE on B stops A (pub/sub through the cluster)", async () => {
    const chat = `chat-${randomUUID()}`;
    const first = await read(`${a.base}/chat/stream?engine=slow&chat=${chat}`, { stopAfter: 3 });
    const { streamId } = seqsOf(first.events);
    // A writes the chat's link and events to the cluster in the background (one pipeline per stream, in rounds):
    // under load B may look before they land, and then answers resync; wait until B sees the stream
    await until("B sees the chat's stream", 5000, async () => {
      const probe = await read(`${b.base}/chat/latest/${chat}`, { stopAfter: 1, timeoutMs: 1000 });
      return seqsOf(probe.events).streamId === streamId;
    });
    const latest = await read(`${b.base}/chat/latest/${chat}`, { stopAfter: 10 });
    expect(latest.status).toBe(200);
    // from its start (seq 1), in order, on B
    const got = seqsOf(latest.events);
    expect(got.streamId).toBe(streamId);
    expect(got.seqs.length).toBeGreaterThanOrEqual(10);
    expect(got.seqs).toEqual(got.seqs.map((_, i) => i + 1));
    expect((await fetch(`${b.base}/chat/streams/${streamId}`, { method: 'DELETE' })).status).toBe(204);
    await until('A aborted the generation', 3000, () => a.slow.lastRequest?.state === 'aborted');
    // once A has written the stream's end, B finds nothing running for the chat (the events protocol says resync; useChat's gets 204)
    await until('B finds nothing running for the chat', 3000, async () => {
      const r = await read(`${b.base}/chat/latest/${chat}`, { timeoutMs: 1000 });
      return r.events.length === 1 && r.events[0]!.event === 'resync';
    });
  });

  it('a master killed mid-stream: its replica takes over; meanwhile resumes of its slots answer 503 replay_unavailable (Retry-After), never 500 or a hang, other slots keep working; after the failover resumes work again', async () => {
    // a long stream on A (600 events at 15 ms); a client follows it live from B
    const first = await read(`${a.base}/chat/stream?engine=slow`, { stopAfter: 5 });
    const { streamId } = seqsOf(first.events);
    const lastSeen = first.events.at(-1)!.id!;
    const following = read(`${b.base}/chat/stream`, { lastEventId: lastSeen, timeoutMs: 30_000 });
    await sleep(300);
    // a finished stream held by another master: it stays readable during the outage
    const master = await cluster.masterOf(`${prefix}sse:{${streamId}}:e`);
    const other = await otherSlotStream(a, master.port);
    expect((await cluster.masterOf(`${prefix}sse:{${other.streamId}}:e`)).port).not.toBe(master.port);

    const killedAt = Date.now();
    await master.kill();
    const followerDone = following.then((result) => ({ result, ms: Date.now() - killedAt }));

    // resumes while the slot has no master, until its replica took over: each answered within the bound
    const answers: { status: number; ms: number; at: number; code?: string; retryAfter?: string | null }[] = [];
    const otherDuring: number[] = [];
    let failoverMs: number | undefined;
    for (;;) {
      const started = Date.now();
      const [response, otherResume] = await Promise.all([
        fetch(`${b.base}/chat/streams/${streamId}?lastEventId=${lastSeen}`, { signal: AbortSignal.timeout(10_000) }),
        read(`${b.base}/chat/streams/${other.streamId}`),
      ]);
      const answer: (typeof answers)[number] = {
        status: response.status,
        ms: Date.now() - started,
        at: Date.now() - killedAt,
        retryAfter: response.headers.get('retry-after'),
      };
      if (response.status === 503) answer.code = ((await response.json()) as { code: string }).code;
      else await response.body?.cancel();
      answers.push(answer);
      otherDuring.push(otherResume.status);
      expect(textOf(otherResume.events)).toBe(hundred.text);
      if (failoverMs === undefined && (await cluster.masterOf(`${prefix}sse:{${streamId}}:e`).catch(() => master)) !== master)
        failoverMs = Date.now() - killedAt;
      if (failoverMs !== undefined && response.status === 200) break;
      if (Date.now() - killedAt > 25_000) throw new Error(`no recovery within 25 s: ${JSON.stringify(answers)}`);
      await sleep(250);
    }
    // B's follower lost its connection to the dead master: its response ended (no complete), no hang
    const followed = await followerDone;
    expect(followed.result.events.at(-1)?.event).not.toBe('complete');
    expect(followed.ms).toBeLessThan(8000);
    console.log(
      `Redis Cluster, master ${master.port} killed mid-stream: B's live follower ended after ${followed.ms} ms; ` +
        `resumes from B: ${answers.map((x) => `${x.status}${x.code ? ` ${x.code}` : ''} at ${x.at} ms (in ${x.ms} ms, Retry-After ${x.retryAfter})`).join('; ')}; ` +
        `a stream on another master meanwhile: ${otherDuring.join(',')}; replica promoted (seen by the test) by ${failoverMs} ms`,
    );
    const unavailable = answers.filter((x) => x.status === 503);
    expect(unavailable.length).toBeGreaterThan(0);
    for (const x of unavailable) {
      expect(x.code).toBe('replay_unavailable');
      expect(Number(x.retryAfter)).toBeGreaterThanOrEqual(1);
    }
    expect(answers.every((x) => x.status === 503 || x.status === 200)).toBe(true);
    expect(Math.max(...answers.map((x) => x.ms))).toBeLessThan(6000);
    expect(answers.at(-1)!.status).toBe(200);
    expect(otherDuring.every((status) => status === 200)).toBe(true);

    // the generation on A never stopped; once it ends, the replay of this stream says what it holds:
    // the events written while the slot had no master are lost, so a resume from before them answers resync
    await until('A finished the long stream', 20_000, () => a.slow.lastRequest?.state === 'completed');
    await sleep(300);
    const after = await read(`${b.base}/chat/streams/${streamId}?lastEventId=${lastSeen}`);
    expect(after.status).toBe(200);
    expect(after.events.map((e) => e.event)).toEqual(['resync']);

    // and a new stream resumes across the instances again, without a restart
    const again = await read(`${a.base}/chat/stream`, { stopAfter: 20 });
    const rest = await read(`${b.base}/chat/stream`, { lastEventId: again.events.at(-1)!.id });
    expect(textOf([...again.events, ...rest.events])).toBe(hundred.text);
    expect(b.streams.replayReady).toBe(true);
  }, 60_000);
});

/** A finished 100-event stream of A whose keys live on a master other than the first one asked for. */
/** A finished stream of A's whose keys live on another master than `avoidPort`. */
async function otherSlotStream(a: Instance, avoidPort: number): Promise<{ streamId: string }> {
  for (let i = 0; i < 20; i++) {
    const whole = await read(`${a.base}/chat/stream`);
    const { streamId } = seqsOf(whole.events);
    if ((await cluster.masterOf(`${prefix}sse:{${streamId}}:e`)).port !== avoidPort) return { streamId: streamId! };
  }
  throw new Error('no stream on another master');
}

describeCluster('Redis Cluster: the conversation store through a master failover', () => {
  it('fails with MemoryConnectionException (503) while the slot has no master, then works again without a restart', async () => {
    const store = new RedisConversationStore({ cluster: { nodes: [cluster.urls.find((_, i) => cluster.nodes[i]!.alive)!] }, keyPrefix: `${prefix}failover:` });
    try {
      // a conversation on a master that still has a live replica (an earlier test killed one master)
      let key = { parentType: 'chat', parentId: randomUUID() };
      while ((await cluster.replicasOf(await cluster.masterOf(store.keyOf(key)))).length === 0) key = { parentType: 'chat', parentId: randomUUID() };
      await store.append(key, { role: 'user', content: 'before' });
      const master = await cluster.masterOf(store.keyOf(key));
      // replication is asynchronous: wait until the replica has it (else Redis itself may lose an acknowledged write)
      await cluster.replicated(store.keyOf(key), 1, 5000);
      const killedAt = Date.now();
      await master.kill();
      const outcomes: string[] = [];
      let failures = 0;
      for (;;) {
        const started = Date.now();
        try {
          await store.append(key, { role: 'user', content: `during ${outcomes.length}` });
          outcomes.push(`ok at ${Date.now() - killedAt} ms`);
          break;
        } catch (error) {
          expect(error).toBeInstanceOf(MemoryConnectionException);
          expect((error as MemoryConnectionException).retryable).toBe(true);
          failures++;
          outcomes.push(`${(error as Error).name} after ${Date.now() - started} ms`);
          expect(Date.now() - started).toBeLessThan(6000);
        }
        if (Date.now() - killedAt > 20_000) throw new Error(`no recovery: ${outcomes.join('; ')}`);
        await sleep(200);
      }
      console.log(`Redis Cluster conversation store, master ${master.port} killed: ${outcomes.join('; ')}`);
      expect(failures).toBeGreaterThan(0);
      const contents = (await store.list(key)).map((m) => m.content);
      expect(contents.at(-1)).toMatch(/^during /);
      expect(contents[0]).toBe('before');
      expect(store.isReady).toBe(true);
    } finally {
      await store.close();
    }
  }, 40_000);
});

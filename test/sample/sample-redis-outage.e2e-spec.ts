import 'reflect-metadata';
import { spawnSync } from 'node:child_process';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { AppModule } from '../../sample/src/app.module.js';
import { configureApp } from '../../sample/src/bootstrap.js';
import { PrivateRedis } from '../utils/private-redis.js';
import { readSse } from '../utils/sse-client.js';

/**
 * The sample with its conversation memory and its replay store in a private redis-server,
 * killed for longer than the reconnection backoff cap (2 s by default): every kind of request
 * still gets an answer within a few seconds: a 503 with `Retry-After` for what needs Redis
 * (`memory_connection`, `replay_unavailable`), a 200 for what does not. Then Redis comes back
 * and so does everything, without a restart.
 */
const hasRedisServer = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
if (!hasRedisServer) console.warn('sample-redis-outage.e2e-spec: skipped, no redis-server on the PATH (apt-get install redis-server)');
const describeWithRedis = hasRedisServer ? describe : describe.skip;

/** Longer than the reconnection backoff cap (DEFAULT_REDIS_POLICY.maxReconnectDelayMs, 2 s): several rounds of reconnection. */
const OUTAGE_MS = 7000;
/** Every request is answered within this (the command timeout is 5 s: a request that waited for one would miss it). */
const ANSWER_WITHIN_MS = 4000;

const ENV = [
  'BUPPLE_MEMORY_DRIVER',
  'BUPPLE_MEMORY_REDIS_URL',
  'BUPPLE_SSE_REPLAY_DRIVER',
  'BUPPLE_SSE_REPLAY_REDIS_URL',
  'BUPPLE_ENGINE_OFFLINE_TOKEN_DELAY_MS',
  'BUPPLE_SAMPLE_THROTTLE_LIMIT',
] as const;

interface Answer {
  what: string;
  status: number | 'none';
  ms: number;
  retryAfter: string | null;
  code?: string;
  last?: string;
}

describeWithRedis('sample through a Redis outage longer than the reconnection backoff cap (private redis-server, killed and restarted)', () => {
  const redis = new PrivateRedis();
  const saved: Partial<Record<(typeof ENV)[number], string>> = {};
  let app: INestApplication;
  let base: string;
  const user = { 'x-user': 'outage-user' };

  beforeAll(async () => {
    await redis.start();
    for (const name of ENV) saved[name] = process.env[name];
    Object.assign(process.env, {
      BUPPLE_MEMORY_DRIVER: 'redis',
      BUPPLE_MEMORY_REDIS_URL: redis.url,
      BUPPLE_SSE_REPLAY_DRIVER: 'redis',
      BUPPLE_SSE_REPLAY_REDIS_URL: redis.url,
      BUPPLE_ENGINE_OFFLINE_TOKEN_DELAY_MS: '2',
      BUPPLE_SAMPLE_THROTTLE_LIMIT: '0',
    });
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    app = configureApp(moduleRef.createNestApplication({ logger: false }));
    await app.listen(0, '127.0.0.1');
    base = await app.getUrl();
  });

  afterAll(async () => {
    await app?.close();
    await redis.kill();
    for (const name of ENV) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
  });

  /** One request, timed; an SSE answer is read to its end. Never throws: no answer in time is status 'none'. */
  async function ask(what: string, path: string, init: RequestInit = {}): Promise<Answer> {
    const started = Date.now();
    try {
      const result = await readSse(`${base}${path}`, {
        ...init,
        headers: { ...user, ...(init.headers as Record<string, string>) },
        timeoutMs: ANSWER_WITHIN_MS * 2,
      });
      const answer: Answer = { what, status: result.status, ms: Date.now() - started, retryAfter: result.headers.get('retry-after') };
      if (result.headers.get('content-type')?.includes('json')) answer.code = (JSON.parse(result.raw) as { code?: string }).code;
      if (result.events.length > 0) answer.last = result.events.at(-1)!.event;
      return answer;
    } catch {
      return { what, status: 'none', ms: Date.now() - started, retryAfter: null };
    }
  }

  /** A finished stream of this user's, for resumes: its id and the id of its second event. */
  async function finishedStream(): Promise<{ streamId: string; lastEventId: string }> {
    const result = await readSse(`${base}/chat/stream?message=before&maxTokens=4`, { headers: user });
    expect(result.events.at(-1)!.event).toBe('complete');
    const streamId = (JSON.parse(result.events[0].data) as { streamId: string }).streamId;
    return { streamId, lastEventId: result.events[1].id! };
  }

  /** One request of each kind. */
  function round(n: number, stream: { streamId: string; lastEventId: string }): Promise<Answer[]> {
    const json = { 'content-type': 'application/json' };
    return Promise.all([
      ask('probe', '/chat/engines'),
      ask('health', '/health'),
      ask('messages', '/conversations/c1/messages'),
      ask('stream with memory', `/chat/stream?message=q${n}&conversationId=c${n}&maxTokens=4`),
      ask('POST stream with memory', '/chat/stream', {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ messages: [{ role: 'user', content: `p${n}` }], conversationId: `p${n}`, options: { maxTokens: 4 } }),
      }),
      ask('stream without memory', `/chat/stream?message=n${n}&maxTokens=4`),
      ask('resume', `/chat/streams/${stream.streamId}`, { headers: { 'last-event-id': stream.lastEventId } }),
    ]);
  }

  it(
    'answers every request within a few seconds while Redis is down (503 + Retry-After, or 200), and recovers once it is back',
    async () => {
      // before: everything works
      const before = await finishedStream();
      const turn = await ask('stream with memory', '/chat/stream?message=hello&conversationId=c1&maxTokens=4');
      expect(turn).toMatchObject({ status: 200, last: 'complete' });
      expect(await ask('messages', '/conversations/c1/messages')).toMatchObject({ status: 200 });

      await redis.kill();
      const downSince = Date.now();
      const answers: Answer[] = [];
      let n = 0;
      // rounds over the whole outage, past the backoff cap, until Redis is started again
      while (Date.now() - downSince < OUTAGE_MS) {
        answers.push(...(await round(n++, before)));
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      expect(Date.now() - downSince).toBeGreaterThan(2000 + ANSWER_WITHIN_MS);
      expect(n).toBeGreaterThanOrEqual(3);

      const late = answers.filter((a) => a.status === 'none' || a.ms > ANSWER_WITHIN_MS);
      expect(late).toEqual([]);
      const byKind = (what: string) => answers.filter((a) => a.what === what);
      for (const a of byKind('probe')) expect(a).toMatchObject({ status: 200 });
      for (const a of byKind('stream without memory')) expect(a).toMatchObject({ status: 200, last: 'complete' });
      for (const a of byKind('health')) expect(a.status).toBe(503);
      for (const what of ['messages', 'stream with memory', 'POST stream with memory']) {
        for (const a of byKind(what)) expect({ what, status: a.status, code: a.code }).toEqual({ what, status: 503, code: 'memory_connection' });
      }
      for (const a of byKind('resume')) expect({ status: a.status, code: a.code }).toEqual({ status: 503, code: 'replay_unavailable' });
      // every 503 says when to come back
      const noRetryAfter = answers.filter((a) => a.status === 503 && a.what !== 'health' && !(Number(a.retryAfter) >= 1));
      expect(noRetryAfter).toEqual([]);

      // back: within a reconnection round or two, without a restart (the private Redis kept nothing)
      await redis.start();
      const backBy = Date.now() + 10_000;
      let after: Answer | undefined;
      while (Date.now() < backBy) {
        after = await ask('stream with memory', '/chat/stream?message=again&conversationId=c2&maxTokens=4');
        if (after.status === 200) break;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      expect(after).toMatchObject({ status: 200, last: 'complete' });
      expect(await ask('messages', '/conversations/c2/messages')).toMatchObject({ status: 200 });
      const fresh = await finishedStream();
      expect(await ask('resume', `/chat/streams/${fresh.streamId}`, { headers: { 'last-event-id': fresh.lastEventId } })).toMatchObject({
        status: 200,
        last: 'complete',
      });
    },
    OUTAGE_MS + 60_000,
  );
});

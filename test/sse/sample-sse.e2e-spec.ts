import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { EngineService } from '@bupple/nestjs-ai-engine';
import { OfflineDriver } from '@bupple/nestjs-ai-engine/drivers';
import { AppModule } from '../../sample/src/app.module.js';
import { engineOptionsFromEnv, sseOptionsFromEnv } from '../../sample/src/config.js';
import { dataOf, read, seqsOf, sleep, textOf, tokens, waitFor } from './sse-test-app.js';
import { startSample } from '../utils/sample-app.js';

const answer = tokens(60);
const SSE_ENV = [
  'BUPPLE_SSE_KEEPALIVE_MS',
  'BUPPLE_SSE_KEEPALIVE_MODE',
  'BUPPLE_SSE_ON_DISCONNECT',
  'BUPPLE_SSE_GRACE_MS',
  'BUPPLE_SSE_REPLAY_DRIVER',
  'BUPPLE_SSE_REPLAY_REDIS_URL',
  'BUPPLE_SSE_REPLAY_TTL_MS',
];

describe('sample app: SSE settings from the environment', () => {
  it('maps every BUPPLE_SSE_* variable to the sse options', () => {
    expect(sseOptionsFromEnv({})).toEqual({
      keepaliveMs: undefined,
      keepaliveMode: undefined,
      onDisconnect: { graceMs: 10_000 },
      progress: true,
      replay: { driver: 'memory', ttlMs: undefined },
    });
    expect(
      sseOptionsFromEnv({
        BUPPLE_SSE_KEEPALIVE_MS: '5000',
        BUPPLE_SSE_KEEPALIVE_MODE: 'comment',
        BUPPLE_SSE_ON_DISCONNECT: 'continue',
        BUPPLE_SSE_GRACE_MS: '2500',
        BUPPLE_SSE_REPLAY_DRIVER: 'redis',
        BUPPLE_SSE_REPLAY_REDIS_URL: 'redis://127.0.0.1:6379/3',
        BUPPLE_SSE_REPLAY_TTL_MS: '60000',
      }),
    ).toEqual({
      keepaliveMs: 5000,
      keepaliveMode: 'comment',
      onDisconnect: { graceMs: 2500 },
      progress: true,
      replay: { driver: 'redis', ttlMs: 60_000, redis: { url: 'redis://127.0.0.1:6379/3' } },
    });
    expect(sseOptionsFromEnv({ BUPPLE_SSE_ON_DISCONNECT: 'abort' }).onDisconnect).toBe('abort');
    expect(engineOptionsFromEnv({}).sse).toEqual(sseOptionsFromEnv({}));
  });

  it('refuses to boot on a bad value, naming the option', async () => {
    const saved = process.env.BUPPLE_SSE_ON_DISCONNECT;
    process.env.BUPPLE_SSE_ON_DISCONNECT = 'sometimes';
    try {
      const moduleRef = Test.createTestingModule({ imports: [AppModule] });
      await expect(moduleRef.compile()).rejects.toThrow(/sse\.onDisconnect: must be 'abort', 'continue' or \{ graceMs \}/);
    } finally {
      if (saved === undefined) delete process.env.BUPPLE_SSE_ON_DISCONNECT;
      else process.env.BUPPLE_SSE_ON_DISCONNECT = saved;
    }
  });
});

describe('sample app: streams that survive a dropped connection', () => {
  let app: INestApplication;
  let base: string;
  let offline: OfflineDriver;
  const saved: Record<string, string | undefined> = {};

  beforeAll(async () => {
    for (const name of SSE_ENV) saved[name] = process.env[name];
    Object.assign(process.env, { BUPPLE_SSE_ON_DISCONNECT: 'continue', BUPPLE_SSE_GRACE_MS: '400', BUPPLE_SSE_KEEPALIVE_MS: '1000' });
    ({ app, base } = await startSample());
    offline = new OfflineDriver('offline', { tokenDelayMs: 10, chunks: answer.chunks });
    app.get(EngineService).register('offline', offline);
  });
  afterAll(async () => {
    await app.close();
    for (const name of SSE_ENV) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
  });

  it('an EventSource reconnecting to GET /chat/stream with Last-Event-ID gets the rest of the same answer, no second generation', async () => {
    const url = `${base}/chat/stream?message=${encodeURIComponent('count')}`;
    const before = offline.requests.length;
    const first = await read(url, { stopAfter: 10 });
    const rest = await read(url, { lastEventId: first.events.at(-1)!.id });
    const all = [...first.events, ...rest.events];
    expect(seqsOf(all).seqs).toEqual(seqsOf(all).seqs.map((_, i) => i + 1));
    expect(textOf(all)).toBe(answer.text);
    expect(offline.requests.length).toBe(before + 1);
    // the end is reached: the browser's next reconnection gets 204 and stops
    expect((await read(url, { lastEventId: rest.events.at(-1)!.id })).status).toBe(204);
  });

  it('reports progress against ?maxTokens= on GET and options.maxTokens on POST, ending at 100 once', async () => {
    const get = await read(`${base}/chat/stream?message=hi&maxTokens=120`);
    const progress = dataOf(get, 'progress');
    expect(progress.length).toBeGreaterThan(1);
    expect(progress.filter((p) => p.percent === 100)).toEqual([{ processed: 60, total: 60, percent: 100 }]);
    expect(progress.slice(0, -1).every((p) => p.total === 120 && p.processed <= 120 && p.percent < 100)).toBe(true);
    const post = await read(`${base}/chat/stream`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }], options: { maxTokens: 30 } }),
    });
    expect(dataOf(post, 'progress').at(-1)).toEqual({ processed: 30, total: 30, percent: 100 });
    expect(dataOf(await read(`${base}/chat/stream?message=hi`), 'progress')).toEqual([]);
  });

  it('GET /chat/streams/:streamId resumes a POST stream with ?lastEventId= or the header', async () => {
    const first = await read(`${base}/chat/stream`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }] }),
      stopAfter: 5,
    });
    const { streamId } = seqsOf(first.events);
    const lastEventId = first.events.at(-1)!.id!;
    const byQuery = await read(`${base}/chat/streams/${streamId}?lastEventId=${encodeURIComponent(lastEventId)}`);
    expect(textOf([...first.events, ...byQuery.events])).toBe(answer.text);
    const byHeader = await read(`${base}/chat/streams/${streamId}`, { lastEventId });
    expect(byHeader.events.map((e) => e.id)).toEqual(byQuery.events.map((e) => e.id));
  });

  it('DELETE /chat/streams/:streamId stops a generation (204) and the provider request is aborted; 404 for unknown', async () => {
    const first = await read(`${base}/chat/stream?message=hi`, { stopAfter: 3 });
    const { streamId } = seqsOf(first.events);
    expect((await fetch(`${base}/chat/streams/${streamId}`, { method: 'DELETE' })).status).toBe(204);
    expect(await waitFor(() => offline.lastRequest?.state === 'aborted', 1000)).toBe(true);
    expect((await fetch(`${base}/chat/streams/AAAAAAAAAAAAAAAA`, { method: 'DELETE' })).status).toBe(404);
    expect((await fetch(`${base}/chat/streams/${encodeURIComponent('../etc')}`, { method: 'DELETE' })).status).toBe(404);
  });

  it('a client that does not come back within BUPPLE_SSE_GRACE_MS: the generation is aborted', async () => {
    await read(`${base}/chat/stream?message=hi`, { stopAfter: 3 });
    await sleep(200);
    expect(offline.lastRequest!.state).toBe('running');
    expect(await waitFor(() => offline.lastRequest?.state === 'aborted', 1500)).toBe(true);
  });
});

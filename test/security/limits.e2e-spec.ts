import 'reflect-metadata';
import { Controller, Get, Query, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { lastValueFrom } from 'rxjs';
import { BuppleEngineModule, EngineService, SseStream, ValidationException, type SseRequest } from '@bupple/nestjs-ai-engine';
import { OfflineDriver } from '@bupple/nestjs-ai-engine/drivers';
import { engineOptionsFromEnv, sampleLimitsFromEnv } from '../../sample/src/config.js';
import { sampleThrottleFromEnv } from '../../sample/src/throttle.js';
import { PLATFORMS, read, sleep, startApp, waitFor } from '../sse/sse-test-app.js';
import { startSample } from '../utils/sample-app.js';

const scope = (req: SseRequest) => (typeof req.headers['x-user'] === 'string' ? req.headers['x-user'] : undefined);

@Controller()
class LimitedController {
  constructor(private readonly engine: EngineService) {}

  @Get('stream')
  @SseStream({ onDisconnect: 'abort' })
  stream(@Query('model') model?: string, @Query('engine') engine?: string) {
    return this.engine.stream([{ role: 'user', content: 'hi' }], { model, engine });
  }
}

/** Opens a stream and keeps reading it until `stop()`. */
function openStream(url: string, headers: Record<string, string> = {}) {
  const controller = new AbortController();
  const response = fetch(url, { headers, signal: controller.signal }).then(async (r) => {
    const reader = r.body?.getReader();
    void (async () => {
      try {
        while (reader && !(await reader.read()).done);
      } catch {
        // aborted
      }
    })();
    return r;
  });
  return { response, stop: () => controller.abort() };
}

describe.each(PLATFORMS)('library limits on %s', (platform) => {
  let app: INestApplication;
  let base: string;
  let slow: OfflineDriver;

  beforeAll(async () => {
    slow = new OfflineDriver('slow', { tokenDelayMs: 50, chunks: Array.from({ length: 200 }, (_, i) => `t${i} `) });
    ({ app, base } = await startApp(platform, {
      imports: [
        BuppleEngineModule.forRoot({
          engine: { default: 'slow', drivers: { slow }, offline: { models: ['offline-2'] } },
          scope,
          limits: { maxConcurrentStreams: 2, retryAfterSeconds: 7 },
          sse: { keepaliveMs: 0 },
        }),
      ],
      controllers: [LimitedController],
    }));
  });
  afterAll(() => app?.close());

  it('a scope over its cap of concurrent streams gets 429 with Retry-After, before any provider call; other scopes are not affected', async () => {
    const before = slow.requests.length;
    const a1 = openStream(`${base}/stream`, { 'x-user': 'alice' });
    const a2 = openStream(`${base}/stream`, { 'x-user': 'alice' });
    expect((await a1.response).status).toBe(200);
    expect((await a2.response).status).toBe(200);
    expect(slow.requests.length).toBe(before + 2);
    const third = await fetch(`${base}/stream`, { headers: { 'x-user': 'alice' } });
    expect(third.status).toBe(429);
    expect(third.headers.get('retry-after')).toBe('7');
    expect(await third.json()).toMatchObject({ statusCode: 429, code: 'too_many_streams', retryable: true });
    expect(slow.requests.length).toBe(before + 2);
    // bob and anonymous have their own count
    const b1 = openStream(`${base}/stream`, { 'x-user': 'bob' });
    const anon = openStream(`${base}/stream`);
    expect((await b1.response).status).toBe(200);
    expect((await anon.response).status).toBe(200);
    // a stream that ends frees its place
    a1.stop();
    expect(await waitFor(() => slow.requests.filter((r) => r.state === 'running').length === 3, 3000)).toBe(true);
    await sleep(50);
    const again = openStream(`${base}/stream`, { 'x-user': 'alice' });
    expect((await again.response).status).toBe(200);
    for (const s of [a2, b1, anon, again]) s.stop();
    expect(await waitFor(() => slow.requests.every((r) => r.state !== 'running'), 3000)).toBe(true);
  });

  it('a model the engine does not allow is a 400 before any provider call', async () => {
    const before = slow.requests.length;
    const engine = app.get(EngineService);
    // offline allows its own model and the listed one; slow (a custom driver without a list) allows any
    await expect(lastValueFrom(engine.send([{ role: 'user', content: 'x' }], { engine: 'offline', model: 'gpt-5' }))).rejects.toThrow(ValidationException);
    await expect(lastValueFrom(engine.send([{ role: 'user', content: 'x' }], { engine: 'offline', model: 'gpt-5' }))).rejects.toThrow(
      'allowed: "offline-1", "offline-2"',
    );
    expect((await lastValueFrom(engine.send([{ role: 'user', content: 'x' }], { engine: 'offline', model: 'offline-2' }))).model).toBe('offline-2');
    expect((await lastValueFrom(engine.send([{ role: 'user', content: 'x' }], { engine: 'offline', model: 'offline-1' }))).model).toBe('offline-1');
    expect(slow.requests.length).toBe(before);
  });
});

describe('tokens per window per scope (limits.tokensPerWindow)', () => {
  let app: INestApplication;
  let base: string;
  let fast: OfflineDriver;

  beforeAll(async () => {
    fast = new OfflineDriver('fast', { tokenDelayMs: 0, chunks: ['one ', 'two ', 'three ', 'four ', 'five ', 'six'] });
    const long = new OfflineDriver('long', { tokenDelayMs: 30, chunks: Array.from({ length: 100 }, () => 'abcdefgh') });
    ({ app, base } = await startApp('express', {
      imports: [
        BuppleEngineModule.forRoot({
          engine: { default: 'fast', drivers: { fast, long } },
          scope,
          limits: { tokensPerWindow: { tokens: 5, windowMs: 1500 } },
          sse: { keepaliveMs: 0 },
        }),
      ],
      controllers: [LimitedController],
    }));
  });
  afterAll(() => app?.close());

  it('a scope that used its tokens gets 429 token_limit with Retry-After until the window ends, before any provider call', async () => {
    const first = await read(`${base}/stream`, { headers: { 'x-user': 'alice' } });
    expect(first.status).toBe(200);
    const complete = JSON.parse(first.events.at(-1)!.data) as { usage: { totalTokens: number } | null };
    expect(first.events.at(-1)!.event).toBe('complete');
    const used = complete.usage?.totalTokens ?? 0;
    // the offline answer costs more than the 5-token budget: it is not cut, the next one waits
    expect(used).toBeGreaterThanOrEqual(5);
    const before = fast.requests.length;
    const refused = await fetch(`${base}/stream`, { headers: { 'x-user': 'alice' } });
    expect(refused.status).toBe(429);
    expect(await refused.json()).toMatchObject({ code: 'token_limit', retryable: true });
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(2);
    expect(fast.requests.length).toBe(before);
    // another scope has its own budget
    expect((await read(`${base}/stream`, { headers: { 'x-user': 'bob' } })).status).toBe(200);
    // once the window ends, alice may ask again
    await sleep(1600);
    expect((await read(`${base}/stream`, { headers: { 'x-user': 'alice' } })).status).toBe(200);
  });

  it('an answer cut short (no usage) counts the text it sent, 4 characters a token', async () => {
    // one chunk of 8 characters (2 tokens): still within the 5
    const short = await read(`${base}/stream?engine=long`, { headers: { 'x-user': 'carol' }, stopAfter: 2 });
    expect(short.status).toBe(200);
    await sleep(150);
    // four more chunks (8 tokens in all): over
    const cut = await read(`${base}/stream?engine=long`, { headers: { 'x-user': 'carol' }, stopAfter: 5 });
    expect(cut.status).toBe(200);
    expect(cut.events.at(-1)!.event).toBe('content');
    await sleep(150);
    expect((await fetch(`${base}/stream?engine=long`, { headers: { 'x-user': 'carol' } })).status).toBe(429);
  });
});

describe('module options for limits are validated at startup', () => {
  it.each([
    [{ limits: { maxConcurrentStreams: 0 } }, 'limits.maxConcurrentStreams: must be an integer ≥ 1'],
    [{ limits: { tokensPerWindow: { tokens: 5, windowMs: 10 } } }, 'limits.tokensPerWindow.windowMs: must be an integer ≥ 1000 (ms)'],
    [{ jsonLimits: { maxDepth: 'deep' } }, 'jsonLimits.maxDepth: must be an integer ≥ 1'],
    [{ scope: 'x-user' }, 'scope: must be a function'],
    [{ engine: { offline: { models: 'offline-2' } } }, 'engine.offline.models: must be an array of model names'],
    [{ engine: { openai: { apiKey: 'k', models: [1] } } }, 'engine.openai.models: must be an array of model names'],
  ])('%j', async (options, message) => {
    const moduleRef = Test.createTestingModule({ imports: [BuppleEngineModule.forRoot({ engine: { offline: true }, ...options } as never)] });
    await expect(moduleRef.compile()).rejects.toThrow(message);
  });
});

describe('sample limits (BUPPLE_SAMPLE_MAX_TOKENS, BUPPLE_SAMPLE_MAX_STREAMS_PER_USER, BUPPLE_ENGINE_<NAME>_MODELS)', () => {
  const ENV = [
    'BUPPLE_SAMPLE_MAX_TOKENS',
    'BUPPLE_SAMPLE_MAX_STREAMS_PER_USER',
    'BUPPLE_ENGINE_OFFLINE_MODELS',
    'BUPPLE_SSE_KEEPALIVE_MS',
    'BUPPLE_SSE_ON_DISCONNECT',
    'BUPPLE_SAMPLE_THROTTLE_LIMIT',
    'BUPPLE_SAMPLE_THROTTLE_TTL_MS',
  ];
  const saved: Record<string, string | undefined> = {};
  let app: INestApplication;
  let base: string;
  let offline: OfflineDriver;

  const start = async (env: Record<string, string>) => {
    await app?.close();
    for (const name of ENV) delete process.env[name];
    Object.assign(process.env, { BUPPLE_SSE_KEEPALIVE_MS: '0', BUPPLE_SSE_ON_DISCONNECT: 'abort' }, env);
    ({ app, base } = await startSample());
    offline = new OfflineDriver('offline', { tokenDelayMs: 40, chunks: Array.from({ length: 100 }, (_, i) => `w${i} `) });
    app.get(EngineService).register('offline', offline);
  };
  beforeAll(() => {
    for (const name of ENV) saved[name] = process.env[name];
  });
  afterAll(async () => {
    await app?.close();
    for (const name of ENV) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
  });

  const postJson = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

  it('reads the variables, with their defaults, and refuses bad values naming them', () => {
    expect(sampleLimitsFromEnv({})).toEqual({ maxTokens: 4096, maxStreamsPerUser: 32 });
    expect(sampleLimitsFromEnv({ BUPPLE_SAMPLE_MAX_TOKENS: '100', BUPPLE_SAMPLE_MAX_STREAMS_PER_USER: '0' })).toEqual({ maxTokens: 100, maxStreamsPerUser: 0 });
    expect(() => sampleLimitsFromEnv({ BUPPLE_SAMPLE_MAX_TOKENS: 'lots' })).toThrow('BUPPLE_SAMPLE_MAX_TOKENS');
    expect(() => sampleLimitsFromEnv({ BUPPLE_SAMPLE_MAX_STREAMS_PER_USER: '-1' })).toThrow('BUPPLE_SAMPLE_MAX_STREAMS_PER_USER');
    expect(engineOptionsFromEnv({}).limits).toEqual({ maxConcurrentStreams: 32, retryAfterSeconds: 5 });
    expect(engineOptionsFromEnv({ BUPPLE_SAMPLE_MAX_STREAMS_PER_USER: '0' }).limits).toBeUndefined();
    expect(engineOptionsFromEnv({}).engine.offline).toMatchObject({ models: [] });
    expect(engineOptionsFromEnv({ BUPPLE_ENGINE_OFFLINE_MODELS: 'a, b' }).engine.offline).toMatchObject({ models: ['a', 'b'] });
    expect(engineOptionsFromEnv({ BUPPLE_ENGINE_OPENAI_API_KEY: 'k', BUPPLE_ENGINE_OPENAI_MODELS: 'gpt-x' }).engine.openai).toMatchObject({
      models: ['gpt-x'],
    });
  });

  it('maxTokens above BUPPLE_SAMPLE_MAX_TOKENS (default 4096) is a 400 on every route, before any provider call', async () => {
    await start({});
    const before = offline.requests.length;
    expect((await fetch(`${base}/chat/stream?message=hi&maxTokens=4097`)).status).toBe(400);
    const get = await fetch(`${base}/chat/stream?message=hi&maxTokens=5000`);
    expect(await get.json()).toMatchObject({ statusCode: 400, message: ['maxTokens must not be greater than 4096'] });
    for (const path of ['/chat', '/chat/stream']) {
      const response = await postJson(path, { messages: [{ role: 'user', content: 'hi' }], options: { maxTokens: 4097 } });
      expect(response.status).toBe(400);
      expect((await response.json()).message).toEqual(['options.maxTokens must not be greater than 4096']);
    }
    expect(offline.requests.length).toBe(before);
    expect((await postJson('/chat', { messages: [{ role: 'user', content: 'hi' }], options: { maxTokens: 4096 } })).status).toBe(200);
    await start({ BUPPLE_SAMPLE_MAX_TOKENS: '10' });
    expect((await fetch(`${base}/chat/stream?message=hi&maxTokens=11`)).status).toBe(400);
    expect((await postJson('/chat', { messages: [{ role: 'user', content: 'hi' }], options: { maxTokens: 10 } })).status).toBe(200);
  });

  it('only the configured model unless BUPPLE_ENGINE_OFFLINE_MODELS lists more: another is a 400 before any provider call', async () => {
    await start({});
    const before = offline.requests.length;
    for (const path of ['/chat', '/chat/stream']) {
      const response = await postJson(path, { messages: [{ role: 'user', content: 'hi' }], options: { model: 'gpt-4o' } });
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ code: 'invalid_request', message: 'model is not allowed for engine "offline"; allowed: "offline-1".' });
    }
    expect(offline.requests.length).toBe(before);
    expect((await postJson('/chat', { messages: [{ role: 'user', content: 'hi' }], options: { model: 'offline-1', maxTokens: 2 } })).status).toBe(200);
    await start({ BUPPLE_ENGINE_OFFLINE_MODELS: 'offline-2,offline-3' });
    const listed = await postJson('/chat', { messages: [{ role: 'user', content: 'hi' }], options: { model: 'offline-3', maxTokens: 2 } });
    expect(listed.status).toBe(200);
    expect((await listed.json()).model).toBe('offline-3');
    expect((await postJson('/chat', { messages: [{ role: 'user', content: 'hi' }], options: { model: 'offline-4' } })).status).toBe(400);
  });

  it('a user over BUPPLE_SAMPLE_MAX_STREAMS_PER_USER gets 429 with Retry-After before any provider call; 0 turns it off', async () => {
    await start({ BUPPLE_SAMPLE_MAX_STREAMS_PER_USER: '2' });
    const open = [openStream(`${base}/chat/stream?message=a`, { 'x-user': 'carol' }), openStream(`${base}/chat/stream?message=b`, { 'x-user': 'carol' })];
    for (const s of open) expect((await s.response).status).toBe(200);
    const before = offline.requests.length;
    const over = await fetch(`${base}/chat/stream?message=c`, { headers: { 'x-user': 'carol' } });
    expect(over.status).toBe(429);
    expect(over.headers.get('retry-after')).toBe('5');
    const overPost = await postJson('/chat/stream', { messages: [{ role: 'user', content: 'hi' }] }, { 'x-user': 'carol' });
    expect(overPost.status).toBe(429);
    expect(offline.requests.length).toBe(before);
    // another user is not affected
    const dave = await read(`${base}/chat/stream?message=d`, { headers: { 'x-user': 'dave' }, stopAfter: 2 });
    expect(dave.status).toBe(200);
    for (const s of open) s.stop();
    await start({ BUPPLE_SAMPLE_MAX_STREAMS_PER_USER: '0' });
    const many = Array.from({ length: 40 }, (_, i) => openStream(`${base}/chat/stream?message=${i}`, { 'x-user': 'erin' }));
    for (const s of many) expect((await s.response).status).toBe(200);
    for (const s of many) s.stop();
    expect(await waitFor(() => offline.requests.every((r) => r.state !== 'running'), 5000)).toBe(true);
  });

  it('@nestjs/throttler beside the library limits: a client over BUPPLE_SAMPLE_THROTTLE_LIMIT requests per window gets 429 with Retry-After before any provider call', async () => {
    expect(sampleThrottleFromEnv({})).toEqual({ limit: 5000, ttlMs: 60_000 });
    expect(sampleThrottleFromEnv({ BUPPLE_SAMPLE_THROTTLE_LIMIT: '0', BUPPLE_SAMPLE_THROTTLE_TTL_MS: '500' })).toEqual({ limit: 0, ttlMs: 500 });
    expect(() => sampleThrottleFromEnv({ BUPPLE_SAMPLE_THROTTLE_LIMIT: '-1' })).toThrow('BUPPLE_SAMPLE_THROTTLE_LIMIT');
    expect(() => sampleThrottleFromEnv({ BUPPLE_SAMPLE_THROTTLE_TTL_MS: 'soon' })).toThrow('BUPPLE_SAMPLE_THROTTLE_TTL_MS');
    await start({ BUPPLE_SAMPLE_THROTTLE_LIMIT: '3', BUPPLE_SAMPLE_THROTTLE_TTL_MS: '60000' });
    for (let i = 0; i < 3; i++) expect((await fetch(`${base}/chat/engines`, { headers: { 'x-user': 'frank' } })).status).toBe(200);
    const before = offline.requests.length;
    const over = await fetch(`${base}/chat/stream?message=hi`, { headers: { 'x-user': 'frank' } });
    expect(over.status).toBe(429);
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(over.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    expect((await over.json()).statusCode).toBe(429);
    expect((await postJson('/chat', { messages: [{ role: 'user', content: 'hi' }] }, { 'x-user': 'frank' })).status).toBe(429);
    expect(offline.requests.length).toBe(before);
    // counted per client: another user (and, without x-user, the IP) has its own count
    expect((await fetch(`${base}/chat/engines`, { headers: { 'x-user': 'grace' } })).status).toBe(200);
    expect((await fetch(`${base}/chat/engines`)).status).toBe(200);
    // 0 turns it off
    await start({ BUPPLE_SAMPLE_THROTTLE_LIMIT: '0' });
    for (let i = 0; i < 20; i++) expect((await fetch(`${base}/chat/engines`, { headers: { 'x-user': 'frank' } })).status).toBe(200);
  });
});

import 'reflect-metadata';
import { Body, Controller, Get, Post, Query, UseInterceptors, type INestApplication } from '@nestjs/common';
import { concat, interval, map, of, take } from 'rxjs';
import { BuppleEngineModule, EngineService, type EngineChunk } from '@bupple/nestjs-ai-engine';
import { OfflineDriver } from '@bupple/nestjs-ai-engine/drivers';
import { SseProgressInterceptor, SseStream, SseTransformInterceptor, sseEvent } from '../../lib/sse/index.js';
import { dataOf, PLATFORMS, read, seqsOf, startApp, textOf, tokens } from './sse-test-app.js';

const twenty = tokens(20);

@Controller('ev')
class EventsController {
  constructor(private readonly engine: EngineService) {}

  @Get('progress')
  @SseStream({ progress: { intervalMs: 0, percentStep: 10 } })
  progress(@Query('maxTokens') _maxTokens?: string) {
    return this.engine.stream([{ role: 'user', content: 'hi' }], { engine: 'twenty' });
  }

  @Post('progress')
  @SseStream({ progress: true })
  progressPost(@Body() body: { options?: { maxTokens?: number } }) {
    return this.engine.stream([{ role: 'user', content: 'hi' }], { engine: 'twenty', maxTokens: body.options?.maxTokens });
  }

  @Get('progress-throttled')
  @SseStream({ progress: { total: 20, intervalMs: 60_000, percentStep: 0 } })
  throttled() {
    return this.engine.stream([{ role: 'user', content: 'hi' }], { engine: 'twenty' });
  }

  @Get('progress-interceptor')
  @SseStream()
  @UseInterceptors(SseProgressInterceptor({ total: (req) => Number(req.query?.expected), intervalMs: 0, percentStep: 25 }))
  progressInterceptor() {
    return this.engine.stream([{ role: 'user', content: 'hi' }], { engine: 'twenty' });
  }

  @Get('transform')
  @SseStream({
    transform: (chunk) => {
      const c = chunk as EngineChunk;
      if (c.content.includes('t3') || c.content.includes('t7')) throw new Error(`cannot map ${c.content.trim()} (key sk-abcdefghijklmnopqrstuv)`);
      return c.content.toUpperCase();
    },
  })
  transform() {
    return this.engine.stream([{ role: 'user', content: 'hi' }], { engine: 'twenty' });
  }

  @Get('transform-interceptor')
  @UseInterceptors(
    SseTransformInterceptor((chunk) => ((chunk as EngineChunk).index === 0 ? undefined : sseEvent('word', (chunk as EngineChunk).content.trim()))),
  )
  @SseStream()
  transformInterceptor() {
    return this.engine.stream([{ role: 'user', content: 'hi' }], { engine: 'twenty' });
  }

  @Get('named')
  @SseStream({ startImmediately: true })
  named() {
    return concat(
      of(sseEvent('sources', [{ url: 'https://example.com' }])),
      of({ data: { hello: 'world' }, type: 'greeting' }),
      of({ data: 'plain message' }),
      interval(1).pipe(
        take(2),
        map((i) => `text ${i}`),
      ),
    );
  }

  @Get('keepalive')
  @SseStream({ keepaliveMs: 80 })
  keepalive() {
    return this.engine.stream([{ role: 'user', content: 'hi' }], { engine: 'pausing' });
  }

  @Get('keepalive-comment')
  @SseStream({ keepaliveMs: 80, keepaliveMode: 'comment' })
  keepaliveComment() {
    return this.engine.stream([{ role: 'user', content: 'hi' }], { engine: 'pausing' });
  }

  @Get('early')
  @SseStream()
  early(@Query('engine') engine: string) {
    return this.engine.stream([{ role: 'user', content: 'hi' }], { engine, retry: { maxRetries: 0 } });
  }

  @Get('early-immediate')
  @SseStream({ startImmediately: true, retryMs: 500 })
  earlyImmediate(@Query('engine') engine: string) {
    return this.engine.stream([{ role: 'user', content: 'hi' }], { engine, retry: { maxRetries: 0 } });
  }

  @Get('fallback')
  @SseStream()
  fallback() {
    return this.engine.stream([{ role: 'user', content: 'hi' }], { engine: 'broken', fallback: ['twenty'], retry: { maxRetries: 0 } });
  }

  @Get('retry')
  @SseStream()
  retry() {
    return this.engine.stream([{ role: 'user', content: 'hi' }], { engine: 'flaky', retry: { maxRetries: 1, initialDelayMs: 1, afterContent: 'restart' } });
  }
}

describe.each(PLATFORMS)('SSE events on %s', (platform) => {
  let app: INestApplication;
  let base: string;

  beforeAll(async () => {
    const engines = {
      twenty: new OfflineDriver('twenty', { tokenDelayMs: 1, chunks: twenty.chunks }),
      broken: new OfflineDriver('broken', { failAt: { afterChunks: 0, kind: 'provider_error' }, chunks: ['x'] }),
      limited: new OfflineDriver('limited', { failAt: { afterChunks: 0, beforeStart: true, kind: 'rate_limit', retryAfterMs: 2000 } }),
      pausing: new OfflineDriver('pausing', { tokenDelayMs: 300, chunks: ['a', 'b'] }),
      flaky: new OfflineDriver('flaky', { tokenDelayMs: 1, chunks: ['a', 'b', 'c'], failAt: { afterChunks: 2, kind: 'overloaded' } }),
    };
    ({ app, base } = await startApp(platform, {
      imports: [BuppleEngineModule.forRoot({ engine: { drivers: engines } })],
      controllers: [EventsController],
    }));
  });
  afterAll(() => app.close());

  it('sends progress against ?maxTokens=, each percent step at most, and 100 exactly once at the end', async () => {
    const result = await read(`${base}/ev/progress?maxTokens=40`);
    const progress = dataOf(result, 'progress');
    // 20 chunks against 40: 5 %, 10 %, … 50 %, in 10 % steps, then 100 once
    expect(progress.map((p) => p.percent)).toEqual([10, 20, 30, 40, 50, 100]);
    expect(progress[0]).toEqual({ processed: 4, total: 40, percent: 10 });
    // at the end: the answer's 20 tokens (the engine's usage), of 20, at 100 %
    expect(progress.at(-1)).toEqual({ processed: 20, total: 20, percent: 100 });
    const names = result.events.map((e) => e.event);
    expect(names.indexOf('progress', names.lastIndexOf('content'))).toBeLessThan(names.indexOf('complete'));
    expect(names.at(-1)).toBe('complete');
    // every event numbered in order, progress included
    const { seqs } = seqsOf(result.events);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
  });

  it('reports progress against options.maxTokens of a POST body', async () => {
    const result = await read(`${base}/ev/progress`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ options: { maxTokens: 10 } }),
    });
    const progress = dataOf(result, 'progress');
    // the engine stops at 10 tokens (finish reason length); percent never says 100 before the end
    expect(progress.slice(0, -1).every((p) => p.percent < 100)).toBe(true);
    expect(progress.filter((p) => p.percent === 100)).toEqual([{ processed: 10, total: 10, percent: 100 }]);
    expect(dataOf(result, 'complete')[0].finishReason).toBe('length');
  });

  it('sends no progress when no total is known', async () => {
    const result = await read(`${base}/ev/progress`);
    expect(dataOf(result, 'progress')).toEqual([]);
    expect(textOf(result.events)).toBe(twenty.text);
  });

  it('throttles progress by time: only the final 100 when the interval never passes', async () => {
    const result = await read(`${base}/ev/progress-throttled`);
    const progress = dataOf(result, 'progress');
    expect(progress.length).toBeLessThanOrEqual(2);
    expect(progress.at(-1)).toEqual({ processed: 20, total: 20, percent: 100 });
    expect(progress.filter((p) => p.percent === 100)).toHaveLength(1);
  });

  it('takes progress settings from SseProgressInterceptor and its resolver', async () => {
    const result = await read(`${base}/ev/progress-interceptor?expected=20`);
    expect(dataOf(result, 'progress').map((p) => p.percent)).toEqual([25, 50, 75, 100]);
  });

  it('skips a chunk whose transform throws with a sanitised chunk_error, and completes', async () => {
    const result = await read(`${base}/ev/transform`);
    const errors = dataOf(result, 'chunk_error');
    expect(errors.map((e) => e.index)).toEqual([3, 7]);
    expect(errors[0].message).toMatch(/^cannot map t3/);
    expect(JSON.stringify(errors)).not.toContain('sk-abcdefghijklmnopqrstuv');
    const expected = twenty.chunks
      .filter((_, i) => i !== 3 && i !== 7)
      .join('')
      .toUpperCase();
    expect(textOf(result.events)).toBe(expected);
    expect(result.events.at(-1)!.event).toBe('complete');
  });

  it('maps chunks to named events through SseTransformInterceptor; undefined skips', async () => {
    const result = await read(`${base}/ev/transform-interceptor`);
    expect(result.events.filter((e) => e.event === 'word').map((e) => e.data)).toEqual(twenty.chunks.slice(1).map((c) => c.trim()));
    expect(dataOf(result, 'content')).toEqual([]);
  });

  it('sends named events, Nest MessageEvents and plain values through the same numbered pipe', async () => {
    const result = await read(`${base}/ev/named`);
    expect(result.events.map((e) => e.event)).toEqual(['start', 'sources', 'greeting', 'message', 'content', 'content', 'complete']);
    expect(dataOf(result, 'sources')).toEqual([[{ url: 'https://example.com' }]]);
    expect(dataOf(result, 'greeting')).toEqual([{ hello: 'world' }]);
    expect(result.events[3].data).toBe('plain message');
    expect(dataOf(result, 'content')).toEqual([{ content: 'text 0' }, { content: 'text 1' }]);
    expect(seqsOf(result.events).seqs).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('sends keepalive events (without ids) only while idle, none after the end', async () => {
    const result = await read(`${base}/ev/keepalive`);
    const names = result.events.map((e) => e.event);
    // 300 ms of silence between chunks with an 80 ms keepalive: 2 to 4 keepalives in each gap
    const between = names.slice(names.indexOf('content'), names.lastIndexOf('content'));
    expect(between.filter((n) => n === 'keepalive').length).toBeGreaterThanOrEqual(2);
    expect(names.at(-1)).toBe('complete');
    const keepalives = result.events.filter((e) => e.event === 'keepalive');
    expect(keepalives.every((e) => e.id === undefined && e.data === '{"type":"keepalive"}')).toBe(true);
    // ids stay contiguous: keepalives are not numbered (a reconnect never needs them)
    expect(seqsOf(result.events).seqs).toEqual(seqsOf(result.events).seqs.map((_, i) => i + 1));
    // never two keepalives without 80 ms of silence before each
    const times = result.events.map((e) => e.at);
    result.events.forEach((e, i) => {
      if (e.event === 'keepalive' && i > 0) expect(times[i] - times[i - 1]).toBeGreaterThanOrEqual(60);
    });
  });

  it('sends keepalive comments in comment mode', async () => {
    const result = await read(`${base}/ev/keepalive-comment`);
    expect(result.events.some((e) => e.event === 'keepalive')).toBe(false);
    expect(result.comments.filter((c) => c.trim() === 'keepalive').length).toBeGreaterThanOrEqual(2);
    expect(result.raw).toContain('\n: keepalive\n\n');
  });

  it('answers a failure before the provider accepted with a real HTTP status (429 + Retry-After), no event', async () => {
    const result = await read(`${base}/ev/early?engine=limited`);
    expect(result.status).toBe(429);
    expect(result.headers.get('retry-after')).toBe('2');
    expect(result.events).toEqual([]);
    expect(JSON.parse(result.raw)).toMatchObject({ code: 'rate_limit', retryable: true });
  });

  it('with startImmediately: 200, retry:, start at once, then stream_error for the same failure', async () => {
    const result = await read(`${base}/ev/early-immediate?engine=limited`);
    expect(result.status).toBe(200);
    expect(result.raw.startsWith('retry: 500\n\n')).toBe(true);
    expect(result.events.map((e) => e.event)).toEqual(['start', 'stream_error']);
    expect(dataOf(result, 'start')[0]).toEqual({ streamId: expect.any(String), engine: null, model: null });
    expect(dataOf(result, 'stream_error')[0]).toMatchObject({ code: 'rate_limit', retryable: true });
  });

  it('sends a fallback event when the engine falls back', async () => {
    const result = await read(`${base}/ev/fallback`);
    expect(result.status).toBe(200);
    expect(dataOf(result, 'fallback')).toEqual([{ from: 'broken', to: 'twenty', reason: 'provider_error', reset: false }]);
    expect(result.events.map((e) => e.event).slice(0, 2)).toEqual(['start', 'fallback']);
    expect(textOf(result.events)).toBe(twenty.text);
  });

  it('sends a retry event with reset when the engine restarts after content', async () => {
    const result = await read(`${base}/ev/retry`);
    const retries = dataOf(result, 'retry');
    expect(retries).toEqual([{ attempt: 1, maxAttempts: 1, delayMs: expect.any(Number), reset: true }]);
    expect(dataOf(result, 'stream_error')).toHaveLength(1);
    expect(dataOf(result, 'stream_error')[0]).toEqual({ code: 'overloaded', message: expect.any(String), retryable: true });
  });
});

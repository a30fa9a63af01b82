import 'reflect-metadata';
import { randomBytes, randomUUID } from 'node:crypto';
import { Controller, Get, Param, Query, type INestApplication } from '@nestjs/common';
import { Observable } from 'rxjs';
import { BuppleEngineModule, EngineService, MemoryService } from '@bupple/nestjs-ai-engine';
import { type DriverStreamPart, type EngineDriver } from '@bupple/nestjs-ai-engine/drivers';
import { SseStream, SseStreams } from '../../lib/sse/index.js';
import { CONTENT_PIECE_CHARS } from '../../lib/sse/sse-session.js';
import { dataOf, read, sleep, startApp, textOf, type Platform } from './sse-test-app.js';

/** `before `, then one delta of `?size=` characters (a repeating pattern with non-ASCII and a surrogate pair), then ` after`. */
function bigDelta(size: number): string {
  const unit = 'abcdefghij-é-😀-';
  return unit.repeat(Math.ceil(size / unit.length)).slice(0, size);
}

const driver: EngineDriver = {
  name: 'big',
  provider: 'big',
  defaultModel: 'big-1',
  stream: (request) =>
    new Observable<DriverStreamPart>((subscriber) => {
      const size = Number((request.options.providerOptions as { size?: number } | undefined)?.size ?? 0);
      subscriber.next({ type: 'response-start', model: 'big-1', warnings: [] });
      const timer = setTimeout(() => {
        subscriber.next({ type: 'text-delta', text: 'before ' });
        subscriber.next({ type: 'text-delta', text: bigDelta(size) });
        subscriber.next({ type: 'text-delta', text: ' after' });
        subscriber.next({ type: 'finish', finishReason: 'stop', rawFinishReason: 'stop' });
        subscriber.complete();
      }, 20);
      return () => clearTimeout(timer);
    }),
};

@Controller('chat')
class ChatController {
  constructor(
    private readonly engine: EngineService,
    private readonly memory: MemoryService,
    private readonly streams: SseStreams,
  ) {}

  @Get('stream')
  @SseStream({ onDisconnect: 'continue' })
  stream(@Query('size') size: string, @Query('conversationId') conversationId: string) {
    return this.engine.stream([{ role: 'user', content: 'big' }], {
      providerOptions: { size: Number(size) },
      conversation: this.memory.conversation('chat', conversationId),
    });
  }

  @Get('streams/:streamId')
  @SseStream()
  resume(@Param('streamId') streamId: string, @Query('lastEventId') lastEventId?: string) {
    return this.streams.resume(streamId, lastEventId);
  }
}

type Instance = { app: INestApplication; base: string; memory: MemoryService };

describe.each<['memory' | 'redis', Platform]>([
  ['memory', 'express'],
  ['redis', 'fastify'],
])('delta size caps agree between the writer, the %s replay store and memory (%s)', (replayDriver, platform) => {
  const keyPrefix = `bupple-test:sse-caps:${randomBytes(6).toString('hex')}:`;
  let a: Instance;
  let b: Instance | undefined;

  async function instance(): Promise<Instance> {
    const started = await startApp(platform, {
      imports: [
        BuppleEngineModule.forRoot({
          engine: { default: 'big', drivers: { big: driver } },
          sse: {
            keepaliveMs: 0,
            replay: replayDriver === 'redis' ? { driver: 'redis', ttlMs: 30_000, redis: { url: 'redis://127.0.0.1:6379', keyPrefix } } : { ttlMs: 30_000 },
          },
        }),
      ],
      controllers: [ChatController],
    });
    return { ...started, memory: started.app.get(MemoryService) };
  }

  beforeAll(async () => {
    a = await instance();
    // with Redis, a second instance resumes what A streamed
    if (replayDriver === 'redis') b = await instance();
  });

  afterAll(async () => {
    await a?.app.close();
    await b?.app.close();
    if (replayDriver === 'redis') {
      const { Redis } = await import('ioredis');
      const redis = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
      const keys = await redis.keys(`${keyPrefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      await redis.quit();
    }
  });

  it('a 200 000-character delta (under the cap) goes out in content events of at most 16 KiB; the client stays, a resume from the start gets the same text, memory stores the same answer', async () => {
    const conversationId = randomUUID();
    const size = 200_000;
    const whole = await read(`${a.base}/chat/stream?size=${size}&conversationId=${conversationId}`, { timeoutMs: 20_000 });
    expect(whole.status).toBe(200);
    const expected = `before ${bigDelta(size)} after`;
    expect(textOf(whole.events)).toBe(expected);
    expect(whole.events.at(-1)!.event).toBe('complete');
    const contents = dataOf<{ content: string; index: number }>(whole, 'content');
    expect(contents.length).toBeGreaterThan(size / CONTENT_PIECE_CHARS);
    expect(Math.max(...contents.map((c) => c.content.length))).toBeLessThanOrEqual(CONTENT_PIECE_CHARS);
    // no piece splits a surrogate pair
    expect(contents.every((c) => !/[\uD800-\uDBFF]$/.test(c.content) && !/^[\uDC00-\uDFFF]/.test(c.content))).toBe(true);

    const streamId = whole.events[0].id!.replace(/-\d+$/, '');
    await sleep(100);
    for (const from of [a, b].filter((x): x is Instance => x !== undefined)) {
      const again = await read(`${from.base}/chat/streams/${streamId}?lastEventId=${streamId}-1`, { timeoutMs: 20_000 });
      expect(again.status).toBe(200);
      expect(textOf(again.events)).toBe(expected);
      expect(again.events.at(-1)!.event).toBe('complete');
    }
    const messages = await a.memory.conversation('chat', conversationId).getMessages();
    expect(messages.map((m) => [m.role, m.content.length])).toEqual([
      ['user', 3],
      ['assistant', expected.length],
    ]);
    expect(messages[1].content).toBe(expected);
  }, 30_000);

  it('a 10 MB delta fails the answer cleanly for everyone: stream_error delta_too_large to the client and in the replay, the answer stored flagged without it', async () => {
    const conversationId = randomUUID();
    const whole = await read(`${a.base}/chat/stream?size=${10 * 1024 * 1024}&conversationId=${conversationId}`, { timeoutMs: 20_000 });
    expect(whole.status).toBe(200);
    expect(whole.events.map((e) => e.event)).toEqual(['start', 'content', 'stream_error']);
    expect(textOf(whole.events)).toBe('before ');
    expect(dataOf(whole, 'stream_error')[0]).toMatchObject({ code: 'delta_too_large', retryable: false });
    expect(whole.raw.length).toBeLessThan(10_000);

    const streamId = whole.events[0].id!.replace(/-\d+$/, '');
    await sleep(100);
    for (const from of [a, b].filter((x): x is Instance => x !== undefined)) {
      const again = await read(`${from.base}/chat/streams/${streamId}?lastEventId=${streamId}-1`);
      expect(again.events.map((e) => e.event)).toEqual(['content', 'stream_error']);
      expect(textOf(again.events)).toBe('before ');
    }
    const messages = await a.memory.conversation('chat', conversationId).getMessages();
    expect(messages.map((m) => m.role)).toEqual(['user', 'assistant']);
    expect(messages[1].content).toBe('before ');
    expect(messages[1].metadata).toMatchObject({ incomplete: true, interruptedBy: 'delta_too_large' });
  }, 30_000);
});

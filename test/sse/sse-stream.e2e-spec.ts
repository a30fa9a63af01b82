import 'reflect-metadata';
import { Body, Controller, Get, Post, Query, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Observable } from 'rxjs';
import { BuppleEngineModule, EngineService, SseStream, type EngineMessage } from '@bupple/nestjs-ai-engine';
import { OfflineDriver, type DriverStreamPart } from '@bupple/nestjs-ai-engine/drivers';
import { streamChat } from '@bupple/nestjs-ai-engine/client';
import { dataOf, postSse, readSse } from '../utils/sse-client.js';

@Controller('chat')
class ChatController {
  constructor(private readonly engine: EngineService) {}

  @Get('stream')
  @SseStream()
  stream(@Query('message') message: string, @Query('engine') engine?: string) {
    return this.engine.stream([{ role: 'user', content: message }], { engine });
  }

  @Post('stream')
  @SseStream()
  post(@Body() body: { messages: EngineMessage[] }) {
    return this.engine.stream(body.messages);
  }
}

describe('@SseStream() over EngineService.stream()', () => {
  let app: INestApplication;
  let base: string;
  const offline = new OfflineDriver('scripted', { tokenDelayMs: 1, chunks: ['Hel', 'lo ', 'wörld 🙂'] });

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [BuppleEngineModule.forRoot({ engine: { offline: { tokenDelayMs: 1 }, drivers: { scripted: offline } } })],
      controllers: [ChatController],
    }).compile();
    app = moduleRef.createNestApplication();
    await app.listen(0, '127.0.0.1');
    base = await app.getUrl();
  });
  afterAll(() => app.close());

  it('streams start, content and complete events with ids over GET', async () => {
    const result = await readSse(`${base}/chat/stream?message=hi&engine=scripted`);
    expect(result.status).toBe(200);
    expect(result.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(result.headers.get('cache-control')).toBe('no-cache, no-transform');
    expect(result.headers.get('x-accel-buffering')).toBe('no');
    expect(result.events.map((e) => e.event)).toEqual(['start', 'content', 'content', 'content', 'complete']);
    const [start] = dataOf(result, 'start');
    expect(start).toEqual({ streamId: expect.any(String), engine: 'scripted', model: 'offline-1' });
    expect(
      dataOf(result, 'content')
        .map((c) => c.content)
        .join(''),
    ).toBe('Hello wörld 🙂');
    expect(dataOf(result, 'complete')).toEqual([{ finishReason: 'stop', usage: { promptTokens: 1, completionTokens: 3, totalTokens: 4 } }]);
    result.events.forEach((event, i) => expect(event.id).toBe(`${start.streamId}-${i + 1}`));
    expect(result.raw.startsWith('retry: 3000\n\n')).toBe(true);
  });

  it('answers POST with status 200', async () => {
    const result = await postSse(`${base}/chat/stream`, { messages: [{ role: 'user', content: 'hello' }] });
    expect(result.status).toBe(200);
    expect(dataOf(result, 'complete')).toHaveLength(1);
    expect(dataOf(result, 'start')[0].engine).toBe('offline');
  });

  it('answers an unknown engine with 400 before any event', async () => {
    const result = await readSse(`${base}/chat/stream?message=hi&engine=nope`);
    expect(result.status).toBe(400);
    expect(result.events).toEqual([]);
    expect(JSON.parse(result.raw)).toMatchObject({ code: 'unknown_engine', message: expect.stringContaining('"nope"') });
  });

  it('aborts the engine request when the client leaves', async () => {
    const slow = new OfflineDriver('slow', { tokenDelayMs: 50, chunks: Array.from({ length: 100 }, (_, i) => `t${i} `) });
    app.get(EngineService).register('slow', slow);
    await readSse(`${base}/chat/stream?message=hi&engine=slow`, { stopAfter: 3 });
    const deadline = Date.now() + 1000;
    while (slow.lastRequest?.state === 'running' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(slow.lastRequest?.state).toBe('aborted');
    expect(slow.lastRequest!.chunksSent).toBeLessThan(100);
  });

  it('sends a warning event for an option the provider could not honour, and the client hands it to onWarning', async () => {
    const warning = { type: 'unsupported-option', option: 'presencePenalty', message: 'cautious does not support presencePenalty' };
    app.get(EngineService).register('cautious', {
      name: 'cautious',
      provider: 'cautious',
      defaultModel: 'c-1',
      stream: () =>
        new Observable<DriverStreamPart>((subscriber) => {
          subscriber.next({ type: 'response-start', model: 'c-1', warnings: [warning as never] });
          subscriber.next({ type: 'text-delta', text: 'ok' });
          subscriber.next({ type: 'finish', finishReason: 'stop', rawFinishReason: 'stop' });
          subscriber.complete();
        }),
    });
    const result = await readSse(`${base}/chat/stream?message=hi&engine=cautious`);
    expect(result.events.map((e) => e.event)).toEqual(['start', 'warning', 'content', 'complete']);
    expect(dataOf(result, 'warning')).toEqual([warning]);
    const seen: unknown[] = [];
    const stream = streamChat({ url: `${base}/chat/stream?message=hi&engine=cautious`, onWarning: (data) => seen.push(data) });
    await stream.done;
    expect(seen).toEqual([warning]);
  });
});

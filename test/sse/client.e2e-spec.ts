import 'reflect-metadata';
import { Body, Controller, Get, Post, Query, ValidationPipe, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { IsIn, IsNotEmpty, IsString } from 'class-validator';
import { BuppleEngineModule, EngineService, SseStream } from '@bupple/nestjs-ai-engine';
import { StreamHttpError, isStreamEvent, streamChat, type StreamEvent } from '@bupple/nestjs-ai-engine/client';
import { OfflineDriver, cutAfter, parseSseBytes, readSseResponse, scriptedEngine, waitForRequestEnd } from '@bupple/nestjs-ai-engine/testing';

/**
 * The client and the testing helpers against a real NestJS app: BuppleEngineModule,
 * @SseStream() routes and scripted offline engines, on a real port.
 */

class AskDto {
  @IsString()
  @IsNotEmpty()
  message!: string;

  @IsIn(['user', 'system'])
  role!: 'user' | 'system';
}

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
  post(@Body() body: AskDto, @Query('engine') engine?: string) {
    return this.engine.stream([{ role: body.role, content: body.message }], { engine });
  }
}

const CHUNKS = ['Hel', 'lo ', 'wörld ', '🙂', '\nnew line', ' "quoted"', ' end'];

describe('client and testing helpers against a NestJS app', () => {
  let app: INestApplication;
  let base: string;
  const { driver, options } = scriptedEngine({ chunks: CHUNKS, tokenDelayMs: 2 });

  function register(name: string, script: ConstructorParameters<typeof OfflineDriver>[1]): OfflineDriver {
    const extra = new OfflineDriver(name, script);
    app.get(EngineService).register(name, extra);
    return extra;
  }

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [BuppleEngineModule.forRoot({ ...options, engine: { ...options.engine, retry: { maxRetries: 0 } } })],
      controllers: [ChatController],
    }).compile();
    app = moduleRef.createNestApplication();
    app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true }));
    await app.listen(0, '127.0.0.1');
    base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  });
  afterAll(() => app.close());

  it('streams a GET answer through the typed handlers, in order', async () => {
    const log: string[] = [];
    const stream = streamChat({
      url: `${base}/chat/stream?message=${encodeURIComponent('hi there')}`,
      onStatus: (s) => log.push(`status:${s.state}`),
      onStart: (d) => log.push(`start:${d.engine}:${d.model}`),
      onContent: (d) => log.push(`content:${d.index}`),
      onComplete: (d) => log.push(`complete:${d.finishReason}:${d.usage?.completionTokens}`),
    });
    const outcome = await stream.done;
    expect(outcome.reason).toBe('complete');
    expect(outcome.content).toBe(CHUNKS.join(''));
    expect(outcome.complete).toEqual({ finishReason: 'stop', usage: { promptTokens: 2, completionTokens: CHUNKS.length, totalTokens: 2 + CHUNKS.length } });
    expect(log).toEqual([
      'status:connecting',
      'status:open',
      'start:scripted:offline-1',
      ...CHUNKS.map((_, i) => `content:${i}`),
      `complete:stop:${CHUNKS.length}`,
      'status:closed',
    ]);
    expect(stream.lastEventId).toBe(`${outcome.streamId}-${CHUNKS.length + 2}`);
    expect(driver.lastRequest?.state).toBe('completed');
  });

  it('POSTs a JSON body and iterates the events', async () => {
    const events: StreamEvent[] = [];
    let text = '';
    for await (const event of streamChat({ url: `${base}/chat/stream`, body: { message: 'hello', role: 'user' } })) {
      events.push(event);
      if (isStreamEvent(event, 'content')) text += event.data.content;
    }
    expect(text).toBe(CHUNKS.join(''));
    expect(events[0].event).toBe('start');
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(driver.lastRequest?.messages).toEqual([{ role: 'user', content: 'hello' }]);
  });

  it('reports validation errors (400) with the field messages', async () => {
    const outcome = await streamChat({ url: `${base}/chat/stream`, body: { message: '', role: 'admin', extra: 1 } }).done;
    const error = outcome.error as StreamHttpError;
    expect(error).toBeInstanceOf(StreamHttpError);
    expect(error.status).toBe(400);
    expect(error.fieldMessages).toEqual(
      expect.arrayContaining(['property extra should not exist', 'message should not be empty', expect.stringMatching(/^role must be one of/)]),
    );
  });

  it('reports an unknown engine as a 400 with its code', async () => {
    const outcome = await streamChat({ url: `${base}/chat/stream?message=hi&engine=nope` }).done;
    expect(outcome.error).toMatchObject({ status: 400, code: 'unknown_engine', retryable: false });
  });

  it('reports a provider rate limit before the stream as 429 with Retry-After', async () => {
    register('limited', { failAt: { afterChunks: 0, beforeStart: true, kind: 'rate_limit', retryAfterMs: 3000 } });
    const outcome = await streamChat({ url: `${base}/chat/stream?message=hi&engine=limited` }).done;
    expect(outcome.error).toMatchObject({ status: 429, code: 'rate_limit', retryAfterMs: 3000, retryable: true });
  });

  it('ends with stream_error when the engine fails mid-answer, keeping the partial text', async () => {
    register('flaky', { chunks: ['one ', 'two ', 'three'], tokenDelayMs: 1, failAt: { afterChunks: 2, kind: 'provider_error' } });
    const errors: unknown[] = [];
    const outcome = await streamChat({ url: `${base}/chat/stream?message=hi&engine=flaky`, onStreamError: (d) => errors.push(d) }).done;
    expect(outcome).toMatchObject({ reason: 'stream_error', content: 'one two ', streamError: { code: 'provider_error' } });
    expect(errors).toHaveLength(1);
  });

  it('abort() closes the connection and the engine request is aborted', async () => {
    const slow = register('slow', { chunks: Array.from({ length: 200 }, (_, i) => `t${i} `), tokenDelayMs: 20 });
    const stream = streamChat({
      url: `${base}/chat/stream?message=hi&engine=slow`,
      onContent: (d) => {
        if (d.index === 2) stream.abort();
      },
    });
    const outcome = await stream.done;
    expect(outcome).toMatchObject({ reason: 'aborted', content: 't0 t1 t2 ' });
    const record = await waitForRequestEnd(slow);
    expect(record?.state).toBe('aborted');
    expect(record!.chunksSent).toBeLessThan(200);
  });

  it('readSseResponse collects the events, and stopAfter cuts the connection (the engine is aborted)', async () => {
    const whole = await readSseResponse(`${base}/chat/stream?message=hi`);
    expect(whole.status).toBe(200);
    expect(whole.cut).toBe(false);
    expect(whole.retry).toBe(3000);
    expect(whole.events.map((e) => e.event)).toEqual(['start', ...CHUNKS.map(() => 'content'), 'complete']);
    expect(whole.events.map((e) => (e.json as { content?: string }).content ?? '').join('')).toBe(CHUNKS.join(''));
    expect(parseSseBytes(whole.raw)).toEqual(whole.events);

    const slow = register('slow2', { chunks: Array.from({ length: 200 }, (_, i) => `t${i} `), tokenDelayMs: 20 });
    const cut = await readSseResponse(`${base}/chat/stream?message=hi&engine=slow2`, { stopAfter: 3 });
    expect(cut.cut).toBe(true);
    expect(cut.events).toHaveLength(3);
    expect((await waitForRequestEnd(slow))?.state).toBe('aborted');
  });

  it('cutAfter(n) drops the connection after event n, as a network would: the server aborts the engine', async () => {
    const slow = register('slow3', { chunks: Array.from({ length: 200 }, (_, i) => `t${i} `), tokenDelayMs: 20 });
    const seqs: number[] = [];
    const outcome = await streamChat({
      url: `${base}/chat/stream?engine=slow3`,
      body: { message: 'hi', role: 'user' },
      fetch: cutAfter(4),
      onEvent: (e) => seqs.push(e.seq!),
    }).done;
    // a POST stream without resumeUrl cannot be resumed: it fails, and is never posted twice
    expect(outcome.reason).toBe('failed');
    expect(outcome.error?.code).toBe('connection_lost');
    expect(seqs).toEqual([1, 2, 3, 4]);
    expect(slow.requests).toHaveLength(1);
    const record = await waitForRequestEnd(slow);
    expect(record?.state).toBe('aborted');
    expect(record!.chunksSent).toBeLessThan(200);
  });
});

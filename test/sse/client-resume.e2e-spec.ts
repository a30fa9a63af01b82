import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { Body, Controller, Delete, Get, Headers, HttpCode, NotFoundException, Param, Post, Query, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { BuppleEngineModule, EngineService } from '@bupple/nestjs-ai-engine';
// SseStreams comes from the SSE barrel until lib/index.ts re-exports it
import { SseStream, SseStreams } from '../../lib/sse/index.js';
import { streamChat } from '@bupple/nestjs-ai-engine/client';
import { OfflineDriver, cutAfter, scriptedEngine, waitForRequestEnd } from '@bupple/nestjs-ai-engine/testing';
import { describeRedis, REDIS_URL } from '../memory/services.js';

/**
 * The client's resumption against the library's own: a dropped connection resumes the same
 * answer (one generation, nothing twice), on the GET route itself or on a resume route for
 * POST streams, and abort() stops the generation through DELETE.
 */

@Controller('chat')
class ChatController {
  constructor(
    private readonly engine: EngineService,
    private readonly streams: SseStreams,
  ) {}

  @Get('stream')
  @SseStream({ onDisconnect: { graceMs: 5000 } })
  stream(@Query('message') message: string, @Query('engine') engine?: string) {
    return this.engine.stream([{ role: 'user', content: message }], { engine });
  }

  @Post('stream')
  @SseStream({ onDisconnect: { graceMs: 5000 } })
  post(@Body() body: { message: string }, @Query('engine') engine?: string) {
    return this.engine.stream([{ role: 'user', content: body.message }], { engine });
  }

  @Get('quiet')
  @SseStream({ keepaliveMs: 50, keepaliveMode: 'comment' })
  quiet(@Query('engine') engine: string) {
    return this.engine.stream([{ role: 'user', content: 'hi' }], { engine });
  }

  @Get('streams/:streamId')
  @SseStream()
  resume(@Param('streamId') streamId: string, @Headers('last-event-id') header?: string, @Query('lastEventId') query?: string) {
    return this.streams.resume(streamId, header ?? query);
  }

  @Delete('streams/:streamId')
  @HttpCode(204)
  async stop(@Param('streamId') streamId: string) {
    if ((await this.streams.stop(streamId)) === 'not_found') throw new NotFoundException();
  }
}

const TOKENS = Array.from({ length: 30 }, (_, i) => `w${i} `);

describe('client resumption against @SseStream() resumption', () => {
  let app: INestApplication;
  let base: string;
  const { options } = scriptedEngine({ chunks: TOKENS, tokenDelayMs: 2 });

  function register(name: string, script: ConstructorParameters<typeof OfflineDriver>[1]): OfflineDriver {
    const driver = new OfflineDriver(name, script);
    app.get(EngineService).register(name, driver);
    return driver;
  }

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [BuppleEngineModule.forRoot({ ...options, sse: { retryMs: 20 } })],
      controllers: [ChatController],
    }).compile();
    app = moduleRef.createNestApplication();
    await app.listen(0, '127.0.0.1');
    base = await app.getUrl();
  });
  afterAll(() => app.close());

  it('a GET stream cut after event 8 resumes on its own URL with Last-Event-ID: one generation, no duplicate', async () => {
    const driver = register('get1', { chunks: TOKENS, tokenDelayMs: 10 });
    const seqs: number[] = [];
    const statuses: string[] = [];
    const outcome = await streamChat({
      url: `${base}/chat/stream?message=hi&engine=get1`,
      fetch: cutAfter(8),
      onEvent: (e) => seqs.push(e.seq!),
      onStatus: (s) => statuses.push(s.state),
    }).done;
    expect(outcome.reason).toBe('complete');
    expect(outcome.content).toBe(TOKENS.join(''));
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    expect(statuses).toEqual(['connecting', 'open', 'reconnecting', 'resumed', 'closed']);
    expect(driver.requests).toHaveLength(1);
    expect(driver.lastRequest?.state).toBe('completed');
  });

  it('a POST stream resumes on resumeUrl (sent as ?lastEventId=), never posted twice', async () => {
    const driver = register('post1', { chunks: TOKENS, tokenDelayMs: 10 });
    const outcome = await streamChat({
      url: `${base}/chat/stream?engine=post1`,
      body: { message: 'hi' },
      resumeUrl: (id) => `${base}/chat/streams/${id}`,
      lastEventIdIn: 'query',
      fetch: cutAfter(5, { times: 2 }),
    }).done;
    expect(outcome).toMatchObject({ reason: 'complete', content: TOKENS.join('') });
    expect(driver.requests).toHaveLength(1);
  });

  it('keepalive comments keep a slow answer alive past the idle timeout: no reconnect', async () => {
    // 600 ms between chunks, a keepalive every 50 ms of silence, 400 ms of silence would mean dead
    const driver = register('slowpoke', { chunks: ['a', 'b', 'c'], tokenDelayMs: 600 });
    const keepalives: string[] = [];
    const statuses: string[] = [];
    const outcome = await streamChat({
      url: `${base}/chat/quiet?engine=slowpoke`,
      keepaliveInterval: 50,
      idleTimeout: 400,
      onKeepalive: (k) => keepalives.push(k.via),
      onStatus: (s) => statuses.push(s.state),
    }).done;
    expect(outcome).toMatchObject({ reason: 'complete', content: 'abc' });
    expect(statuses).toEqual(['connecting', 'open', 'closed']);
    expect(keepalives.length).toBeGreaterThanOrEqual(12);
    expect(new Set(keepalives)).toEqual(new Set(['comment']));
    expect(driver.requests).toHaveLength(1);
  });

  it('abort() sends DELETE to stopUrl and the generation stops', async () => {
    const driver = register('slow', { chunks: Array.from({ length: 300 }, (_, i) => `t${i} `), tokenDelayMs: 20 });
    const stream = streamChat({
      url: `${base}/chat/stream?engine=slow`,
      body: { message: 'hi' },
      stopUrl: (id) => `${base}/chat/streams/${id}`,
      onContent: (d) => {
        if (d.index === 3) stream.abort();
      },
    });
    expect((await stream.done).reason).toBe('aborted');
    const record = await waitForRequestEnd(driver);
    expect(record?.state).toBe('aborted');
    expect(record!.chunksSent).toBeLessThan(300);
  });
});

/** Redis must be up for the shared-replay test; say so clearly instead of hanging. */
function redisUp(): Promise<boolean> {
  return new Promise((resolve) => {
    const target = new URL(REDIS_URL);
    const socket = connect(Number(target.port || 6379), target.hostname);
    const done = (up: boolean) => {
      socket.destroy();
      resolve(up);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

describeRedis('client resumption across two app instances sharing Redis', () => {
  const apps: INestApplication[] = [];
  const bases: string[] = [];
  const drivers: OfflineDriver[] = [];
  const TOTAL = 100;
  const chunks = Array.from({ length: TOTAL }, (_, i) => `c${i} `);

  beforeAll(async () => {
    if (!(await redisUp())) throw new Error(`Redis is not reachable at ${REDIS_URL} (start it, e.g. with .ci/run)`);
    const keyPrefix = `bupple-test:client-resume:${randomBytes(6).toString('hex')}:`;
    for (let i = 0; i < 2; i++) {
      const driver = new OfflineDriver('shared', { chunks, tokenDelayMs: 5 });
      drivers.push(driver);
      const moduleRef = await Test.createTestingModule({
        imports: [
          BuppleEngineModule.forRoot({
            engine: { default: 'shared', drivers: { shared: driver } },
            sse: { retryMs: 20, replay: { driver: 'redis', ttlMs: 30_000, redis: { url: REDIS_URL, keyPrefix } } },
          }),
        ],
        controllers: [ChatController],
      }).compile();
      const app = moduleRef.createNestApplication();
      await app.listen(0, '127.0.0.1');
      apps.push(app);
      bases.push(await app.getUrl());
    }
  }, 20_000);
  afterAll(async () => {
    for (const app of apps) await app.close();
  });

  it('a POST answer cut after event 20 on instance A resumes on instance B: all 100 chunks once, in order', async () => {
    const [a, b] = bases;
    const seqs: number[] = [];
    const indexes: number[] = [];
    const outcome = await streamChat({
      url: `${a}/chat/stream`,
      body: { message: 'hi' },
      resumeUrl: (id) => `${b}/chat/streams/${id}`,
      fetch: cutAfter(20),
      onEvent: (e) => seqs.push(e.seq!),
      onContent: (d) => indexes.push(d.index!),
    }).done;
    expect(outcome.reason).toBe('complete');
    expect(outcome.content).toBe(chunks.join(''));
    expect(indexes).toEqual(chunks.map((_, i) => i));
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    expect(drivers[0].requests).toHaveLength(1);
    expect(drivers[1].requests).toHaveLength(0); // B only relayed A's generation
  });
});

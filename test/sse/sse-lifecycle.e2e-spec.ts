import 'reflect-metadata';
import { Controller, Get, Query, UseInterceptors, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { filter, map, NEVER, Observable, takeUntil } from 'rxjs';
import { AuthenticationException, BuppleEngineModule, ConnectionException, EngineService, SseStream } from '@bupple/nestjs-ai-engine';
import type { DriverStreamPart, EngineDriver } from '@bupple/nestjs-ai-engine/drivers';
import { SseProgressInterceptor } from '@bupple/nestjs-ai-engine/sse';
import { dataOf, readSse } from '../utils/sse-client.js';

/** Answers by script: each call takes the next script (the last one repeats). */
function scripted(name: string, scripts: ((subscriber: import('rxjs').Subscriber<DriverStreamPart>) => void)[]): EngineDriver & { calls: number } {
  const driver = {
    name,
    provider: name,
    defaultModel: `${name}-1`,
    calls: 0,
    stream: () =>
      new Observable<DriverStreamPart>((subscriber) => {
        const script = scripts[Math.min(driver.calls++, scripts.length - 1)];
        const timer = setTimeout(() => script(subscriber), 5);
        return () => clearTimeout(timer);
      }),
  };
  return driver;
}

const warning = { type: 'unsupported-option' as const, option: 'topP', message: 'topP is not supported' };
const answer = (subscriber: import('rxjs').Subscriber<DriverStreamPart>) => {
  subscriber.next({ type: 'response-start', model: 'm-2', warnings: [warning] });
  subscriber.next({ type: 'text-delta', text: 'fine' });
  subscriber.next({ type: 'finish', finishReason: 'stop', rawFinishReason: 'stop' });
  subscriber.complete();
};

@Controller('life')
class LifecycleController {
  constructor(private readonly engine: EngineService) {}

  /** The chunks mapped away: nothing of the engine is left in the values. */
  @Get('mapped')
  @SseStream()
  mapped(@Query('engine') engine: string) {
    return this.engine.stream([{ role: 'user', content: 'hi' }], { engine, retry: { afterContent: 'restart' } }).pipe(
      filter((chunk) => chunk.content !== ''),
      map((chunk) => chunk.content.toUpperCase()),
      takeUntil(NEVER),
    );
  }

  @Get('fallback')
  @SseStream()
  fallback() {
    return this.engine.stream([{ role: 'user', content: 'hi' }], { engine: 'primary', fallback: ['backup'] }).pipe(
      map((chunk) => chunk.content),
      filter((text) => text !== ''),
    );
  }

  /** A feature interceptor inside @SseStream(): it configures the stream while it is subscribed. */
  @Get('progress')
  @SseStream()
  @UseInterceptors(SseProgressInterceptor({ total: 1, percentStep: 1 }))
  async progress(@Query('engine') engine: string) {
    await new Promise((resolve) => setTimeout(resolve, 1));
    return this.engine.stream([{ role: 'user', content: 'hi' }], { engine }).pipe(map((chunk) => chunk));
  }
}

describe('@SseStream(): the engine lifecycle travels with the subscription', () => {
  let app: INestApplication;
  let base: string;
  const restart = scripted('restart', [
    (subscriber) => {
      subscriber.next({ type: 'response-start', model: 'm-1', warnings: [] });
      subscriber.next({ type: 'text-delta', text: 'half' });
      subscriber.error(new ConnectionException('reset by peer', { provider: 'restart' }));
    },
    answer,
  ]);
  const refused = scripted('refused', [(subscriber) => subscriber.error(new AuthenticationException('bad key', { provider: 'refused', status: 401 }))]);
  const primary = scripted('primary', [(subscriber) => subscriber.error(new AuthenticationException('bad key', { provider: 'primary', status: 401 }))]);
  const backup = scripted('backup', [answer]);

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        BuppleEngineModule.forRoot({
          engine: { drivers: { restart, refused, primary, backup }, retry: { maxRetries: 2, initialDelayMs: 1, maxDelayMs: 5 } },
        }),
      ],
      controllers: [LifecycleController],
    }).compile();
    app = moduleRef.createNestApplication();
    await app.listen(0, '127.0.0.1');
    base = await app.getUrl();
  });
  afterAll(() => app.close());

  it('sends start with the accepted engine and model, retry with reset, and the warning, though the route maps chunks to strings', async () => {
    const result = await readSse(`${base}/life/mapped?engine=restart`);
    expect(result.status).toBe(200);
    expect(result.events.map((e) => e.event)).toEqual(['start', 'content', 'retry', 'warning', 'content', 'complete']);
    expect(dataOf(result, 'start')[0]).toMatchObject({ engine: 'restart', model: 'm-1' });
    expect(dataOf(result, 'retry')[0]).toMatchObject({ attempt: 1, reset: true });
    expect(dataOf(result, 'warning')).toEqual([warning]);
    expect(dataOf(result, 'content').map((c) => c.content)).toEqual(['HALF', 'FINE']);
  });

  it('commits the status only once a provider accepted: a refusal is a real HTTP error, not an event', async () => {
    const result = await readSse(`${base}/life/mapped?engine=refused`);
    expect(result.status).toBe(502);
    expect(result.events).toEqual([]);
    expect(JSON.parse(result.raw)).toMatchObject({ code: 'authentication' });
  });

  it('holds a fallback that happened before the commit, and sends it right after start', async () => {
    const result = await readSse(`${base}/life/fallback`);
    expect(result.status).toBe(200);
    expect(result.events.map((e) => e.event)).toEqual(['start', 'fallback', 'warning', 'content', 'complete']);
    expect(dataOf(result, 'start')[0]).toMatchObject({ engine: 'backup', model: 'm-2' });
    expect(dataOf(result, 'fallback')[0]).toEqual({ from: 'primary', to: 'backup', reason: 'authentication', reset: false });
  });

  it('lets an inner feature interceptor configure the stream it is subscribed by', async () => {
    const result = await readSse(`${base}/life/progress?engine=backup`);
    expect(result.status).toBe(200);
    // the content's 99 %, then the end's 100 %
    expect(result.events.map((e) => e.event)).toEqual(['start', 'warning', 'content', 'progress', 'progress', 'complete']);
    expect(dataOf(result, 'progress').at(-1)).toMatchObject({ percent: 100 });
  });
});

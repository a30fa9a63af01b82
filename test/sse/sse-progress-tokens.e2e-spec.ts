import 'reflect-metadata';
import { Controller, Get, Query, type INestApplication } from '@nestjs/common';
import { Observable } from 'rxjs';
import { BuppleEngineModule, EngineService } from '@bupple/nestjs-ai-engine';
import { type DriverStreamPart, type EngineDriver } from '@bupple/nestjs-ai-engine/drivers';
import { SseStream } from '../../lib/sse/index.js';
import { estimateTokens } from '../../lib/sse/sse-progress.js';
import { dataOf, read, startApp, textOf } from './sse-test-app.js';

/**
 * Progress counts output tokens, not chunks: a provider that sends several tokens a chunk (as
 * Claude and Gemini do) is not undercounted, and the last event is the answer's real size,
 * N of N at 100 % (from the provider's usage when it reports one, else the estimate).
 */
const CHUNKS = ['Server-Sent Events let a server push ', 'text to the browser over one long-lived ', 'HTTP response, event by event.'];

class ChunkyDriver implements EngineDriver {
  readonly provider = 'test';
  readonly defaultModel = 'chunky-1';
  constructor(
    readonly name: string,
    private readonly usageTokens: number | undefined,
  ) {}

  stream(): Observable<DriverStreamPart> {
    return new Observable<DriverStreamPart>((subscriber) => {
      subscriber.next({ type: 'response-start', model: this.defaultModel, warnings: [] });
      for (const text of CHUNKS) subscriber.next({ type: 'text-delta', text });
      const usage = this.usageTokens === undefined ? undefined : { promptTokens: 5, completionTokens: this.usageTokens, totalTokens: 5 + this.usageTokens };
      subscriber.next({ type: 'finish', finishReason: 'stop', rawFinishReason: 'stop', usage });
      subscriber.complete();
    });
  }
}

@Controller('p')
class ProgressController {
  constructor(private readonly engine: EngineService) {}

  @Get()
  @SseStream({ progress: { intervalMs: 0, percentStep: 0 } })
  stream(@Query('engine') engine: string, @Query('maxTokens') _maxTokens?: string) {
    return this.engine.stream([{ role: 'user', content: 'hi' }], { engine });
  }
}

describe('progress in tokens', () => {
  let app: INestApplication;
  let base: string;

  beforeAll(async () => {
    ({ app, base } = await startApp('express', {
      imports: [
        BuppleEngineModule.forRoot({ engine: { drivers: { withUsage: new ChunkyDriver('withUsage', 23), noUsage: new ChunkyDriver('noUsage', undefined) } } }),
      ],
      controllers: [ProgressController],
    }));
  });
  afterAll(() => app.close());

  it('estimates tokens from text: words by length, punctuation and CJK one each', () => {
    expect(estimateTokens('')).toBe(0);
    expect(estimateTokens(' ')).toBe(1);
    expect(estimateTokens('t0 ')).toBe(1);
    expect(estimateTokens('Hello, world!')).toBe(4);
    expect(estimateTokens('internationalization')).toBe(4);
    expect(estimateTokens('日本語')).toBe(3);
  });

  it('counts several tokens a chunk while streaming, and ends at the usage the provider reports', async () => {
    const result = await read(`${base}/p?engine=withUsage&maxTokens=100`);
    const progress = dataOf(result, 'progress');
    const estimates = CHUNKS.map((_, i) => CHUNKS.slice(0, i + 1).reduce((sum, text) => sum + estimateTokens(text), 0));
    expect(progress.slice(0, -1).map((p) => p.processed)).toEqual(estimates);
    expect(estimates[0]).toBeGreaterThan(1); // a chunk is not one token
    expect(progress.slice(0, -1).every((p) => p.total === 100 && p.percent === Math.floor(p.processed))).toBe(true);
    expect(progress.at(-1)).toEqual({ processed: 23, total: 23, percent: 100 });
    expect(textOf(result.events)).toBe(CHUNKS.join(''));
  });

  it('ends at the estimate when the provider sends no usage', async () => {
    const progress = dataOf(await read(`${base}/p?engine=noUsage&maxTokens=100`), 'progress');
    const estimate = CHUNKS.reduce((sum, text) => sum + estimateTokens(text), 0);
    expect(progress.at(-1)).toEqual({ processed: estimate, total: estimate, percent: 100 });
  });

  it('never reports more than total, nor 100 %, before the end', async () => {
    const progress = dataOf(await read(`${base}/p?engine=noUsage&maxTokens=5`), 'progress');
    expect(progress.slice(0, -1).every((p) => p.processed <= 5 && p.total === 5 && p.percent < 100)).toBe(true);
    expect(progress.filter((p) => p.percent === 100)).toHaveLength(1);
  });
});

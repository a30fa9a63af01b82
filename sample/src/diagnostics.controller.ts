import { Controller, Get, HttpCode, Logger, ParseIntPipe, Post, Query, type OnModuleInit } from '@nestjs/common';
import { EngineService, OfflineDriver, type EngineChunk } from '@bupple/nestjs-ai-engine';
import { Observable } from 'rxjs';
import { engineOptionsFromEnv } from './config.js';

type Env = Record<string, string | undefined>;

/**
 * Test hooks are off unless `BUPPLE_SAMPLE_TEST_HOOKS=1` (or `true`): the browser tests need
 * to see whether a provider request was aborted and to make one chunk fail. Never turn them on
 * in production: they let any client break the next answer.
 */
export function testHooksEnabled(env: Env = process.env): boolean {
  return env.BUPPLE_SAMPLE_TEST_HOOKS === '1' || env.BUPPLE_SAMPLE_TEST_HOOKS === 'true';
}

/** Marks the chunk a transform should fail on. */
const FAIL_HERE = Symbol('bupple.sample.failHere');

let armedChunkError: number | undefined;

/**
 * With the hooks on and a failure armed (`POST /diagnostics/chunk-error?at=N`), marks the N-th
 * content chunk (1-based) of the next stream, once. Without hooks it returns the source as is.
 */
export function withInjectedFaults<T>(source: Observable<T>): Observable<T> {
  const at = armedChunkError;
  if (at === undefined) return source;
  armedChunkError = undefined;
  return new Observable<T>((subscriber) => {
    let contentChunks = 0;
    return source.subscribe({
      next: (value) => {
        const chunk = value as Partial<EngineChunk>;
        if (typeof chunk?.content === 'string' && chunk.content !== '' && ++contentChunks === at) {
          subscriber.next({ ...(value as object), [FAIL_HERE]: true } as T);
        } else subscriber.next(value);
      },
      error: (error: unknown) => subscriber.error(error),
      complete: () => subscriber.complete(),
    });
  });
}

/**
 * A per-chunk transform for `@SseStream({ transform })`: it throws on the chunk
 * `withInjectedFaults` marked, so the stream reports `chunk_error`, skips that chunk and goes
 * on; every other engine chunk is sent as its text.
 */
export function failMarkedChunk(chunk: unknown): unknown {
  if (typeof chunk !== 'object' || chunk === null) return chunk;
  if ((chunk as Record<symbol, unknown>)[FAIL_HERE] === true) throw new Error('Injected failure (sample test hook).');
  const content = (chunk as Partial<EngineChunk>).content;
  return typeof content === 'string' ? content : chunk;
}

/**
 * Routes for the browser tests, mounted only when the hooks are on. The offline engine is
 * replaced at startup by an instance of the same configuration that this controller can read,
 * so a test can ask whether the provider request behind a stream was aborted.
 */
@Controller('diagnostics')
export class DiagnosticsController implements OnModuleInit {
  private readonly logger = new Logger('SampleDiagnostics');
  private offline?: OfflineDriver;

  constructor(private readonly engine: EngineService) {}

  onModuleInit(): void {
    const offline = engineOptionsFromEnv().engine.offline;
    if (offline === undefined || offline === false) return;
    this.offline = new OfflineDriver('offline', offline === true ? {} : offline);
    this.engine.register('offline', this.offline);
    this.logger.warn('Test hooks are ON (BUPPLE_SAMPLE_TEST_HOOKS): /diagnostics/* is open to any client');
  }

  /** The offline engine's latest requests, oldest first: `state` is running, completed, aborted or failed. */
  @Get('offline-requests')
  offlineRequests() {
    return {
      requests: (this.offline?.requests ?? []).map(({ id, model, state, chunksSent, startedAt, endedAt }) => ({
        id,
        model,
        state,
        chunksSent,
        startedAt,
        endedAt: endedAt ?? null,
      })),
    };
  }

  /** Makes the `at`-th content chunk (1-based) of the next stream fail in the route's transform. */
  @Post('chunk-error')
  @HttpCode(200)
  armChunkError(@Query('at', ParseIntPipe) at: number) {
    armedChunkError = Math.max(1, at);
    return { armed: armedChunkError };
  }
}

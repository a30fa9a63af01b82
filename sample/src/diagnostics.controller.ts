import { Controller, Get, HttpCode, Logger, ParseIntPipe, Post, Query, type OnModuleInit } from '@nestjs/common';
import { EngineService, ProviderServerException, type EngineChunk } from '@bupple/nestjs-ai-engine';
import { OfflineDriver } from '@bupple/nestjs-ai-engine/drivers';
import { Observable } from 'rxjs';
import { engineOptionsFromEnv } from './config.js';

type Env = Record<string, string | undefined>;

/**
 * Test hooks are off unless `BUPPLE_SAMPLE_TEST_HOOKS=1` (or `true`): the browser tests need
 * to see whether a provider request was aborted, to make one chunk fail and to make a stream idle. Never turn them on
 * in production: they let any client break the next answer.
 */
export function testHooksEnabled(env: Env = process.env): boolean {
  return env.BUPPLE_SAMPLE_TEST_HOOKS === '1' || env.BUPPLE_SAMPLE_TEST_HOOKS === 'true';
}

/** Marks the chunk a transform should fail on. */
const FAIL_HERE = Symbol('bupple.sample.failHere');

/** What the next stream gets: a failing chunk, a pause, or both. */
interface Faults {
  /** The content chunk (1-based) whose transform throws. */
  chunkErrorAt?: number;
  /** After this many content chunks, nothing is sent for `ms` (the stream idles: keepalives go out). */
  stall?: { after: number; ms: number };
  /** After this many content chunks, the stream fails as a provider error would (`stream_error`). */
  failAfter?: number;
}

let armed: Faults = {};

/**
 * With the hooks on and faults armed (`POST /diagnostics/chunk-error?at=N`,
 * `POST /diagnostics/stall?after=N&ms=M`, `POST /diagnostics/stream-error?after=N`), applies
 * them to the next stream, once: marks the N-th content chunk for `failMarkedChunk`, holds the
 * chunks after the N-th for M ms, fails the stream after the N-th. With nothing armed (always,
 * without hooks) it returns the source as it is.
 */
export function withInjectedFaults<T>(source: Observable<T>): Observable<T> {
  const faults = armed;
  if (faults.chunkErrorAt === undefined && faults.stall === undefined && faults.failAfter === undefined) return source;
  armed = {};
  return new Observable<T>((subscriber) => {
    let contentChunks = 0;
    let stalled = false;
    let timer: NodeJS.Timeout | undefined;
    const held: (() => void)[] = [];
    const forward = (fn: () => void) => (stalled ? held.push(fn) : fn());
    const subscription = source.subscribe({
      next: (value) => {
        const chunk = value as Partial<EngineChunk>;
        const isContent = typeof chunk?.content === 'string' && chunk.content !== '';
        if (isContent) contentChunks++;
        const out = isContent && contentChunks === faults.chunkErrorAt ? ({ ...(value as object), [FAIL_HERE]: true } as T) : value;
        forward(() => subscriber.next(out));
        if (isContent && contentChunks === faults.failAfter) {
          // the provider request is aborted as the subscription ends
          forward(() =>
            subscriber.error(new ProviderServerException('offline failed on its side (injected by a sample test hook).', { provider: 'offline', status: 500 })),
          );
          return;
        }
        if (isContent && faults.stall && contentChunks === faults.stall.after) {
          stalled = true;
          timer = setTimeout(() => {
            timer = undefined;
            stalled = false;
            for (const fn of held.splice(0)) fn();
          }, faults.stall.ms);
        }
      },
      error: (error: unknown) => forward(() => subscriber.error(error)),
      complete: () => forward(() => subscriber.complete()),
    });
    return () => {
      if (timer) clearTimeout(timer);
      subscription.unsubscribe();
    };
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
    armed = { ...armed, chunkErrorAt: Math.max(1, at) };
    return { armed };
  }

  /** Makes the next stream fail after its `after`-th content chunk, as a provider error would. */
  @Post('stream-error')
  @HttpCode(200)
  armStreamError(@Query('after', ParseIntPipe) after: number) {
    armed = { ...armed, failAfter: Math.max(1, after) };
    return { armed };
  }

  /** Makes the next stream send nothing for `ms` after its `after`-th content chunk (keepalives still go out). */
  @Post('stall')
  @HttpCode(200)
  armStall(@Query('after', ParseIntPipe) after: number, @Query('ms', ParseIntPipe) ms: number) {
    armed = { ...armed, stall: { after: Math.max(1, after), ms: Math.min(Math.max(0, ms), 60_000) } };
    return { armed };
  }
}

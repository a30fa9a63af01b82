import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { Controller, Get, Query } from '@nestjs/common';
import { Redis } from 'ioredis';
import { BuppleEngineModule, EngineService, OfflineDriver } from '@bupple/nestjs-ai-engine';
import { SseStream, type SseDisconnectPolicy } from '../../lib/sse/index.js';
import { read, sleep, startApp, tokens, waitFor } from './sse-test-app.js';

const answer = tokens(200);

@Controller('c')
class CleanupController {
  constructor(private readonly engine: EngineService) {}

  @Get('abort')
  @SseStream({ keepaliveMs: 50, progress: { total: 200 } })
  abort() {
    return this.engine.stream([{ role: 'user', content: 'hi' }]);
  }

  @Get('continue')
  @SseStream({ keepaliveMs: 50, onDisconnect: 'continue' })
  continue() {
    return this.engine.stream([{ role: 'user', content: 'hi' }]);
  }

  @Get('grace')
  @SseStream({ keepaliveMs: 50, onDisconnect: { graceMs: 60_000 } satisfies SseDisconnectPolicy })
  grace(@Query('x') _x?: string) {
    return this.engine.stream([{ role: 'user', content: 'hi' }]);
  }
}

/** Timers, immediates, sockets and servers of this process, by kind. */
function resources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) counts[kind] = (counts[kind] ?? 0) + 1;
  return counts;
}

describe('SSE cleanup', () => {
  it.each([
    ['express', 'memory'],
    ['fastify', 'redis'],
  ] as const)('leaves no timer, socket or handle behind when the app closes mid-stream (%s, %s replay)', async (platform, driver) => {
    const before = resources();
    const engine = new OfflineDriver('slow', { tokenDelayMs: 20, chunks: answer.chunks });
    const keyPrefix = `bupple-test:sse-cleanup:${randomBytes(6).toString('hex')}:`;
    const { app, base } = await startApp(platform, {
      imports: [
        BuppleEngineModule.forRoot({
          engine: { drivers: { slow: engine } },
          sse: driver === 'redis' ? { replay: { driver: 'redis', ttlMs: 5000, redis: { keyPrefix } } } : {},
        }),
      ],
      controllers: [CleanupController],
    });
    // a stream the client leaves (aborted), one that goes on without a client, one in its grace
    // period, and one still being read when the app closes
    const t0 = Date.now();
    await read(`${base}/c/abort`, { stopAfter: 3 });
    await read(`${base}/c/continue`, { stopAfter: 3 });
    await read(`${base}/c/grace`, { stopAfter: 3 });
    const open = read(`${base}/c/continue`, { timeoutMs: 5000 }).catch(() => undefined);
    await waitFor(() => engine.requests.length === 4 && engine.lastRequest!.chunksSent > 2);
    expect(engine.requests.filter((r) => r.state === 'running').length).toBe(3);
    await app.close();
    await open;
    expect(engine.requests.every((r) => r.state !== 'running')).toBe(true);
    await sleep(50);
    const after = resources();
    if (driver === 'redis') {
      const redis = new Redis('redis://127.0.0.1:6379', { lazyConnect: true, connectTimeout: 2000, maxRetriesPerRequest: 0, retryStrategy: () => null });
      await redis.connect();
      const keys = await redis.keys(`${keyPrefix}*`);
      expect(keys.length).toBeGreaterThan(0); // the streams were really kept in Redis
      await redis.del(...keys);
      await redis.quit();
    }
    // (the runner's own timers come and go: fewer is fine, more is a leak)
    for (const kind of ['Timeout', 'Immediate', 'TCPSocketWrap', 'TCPServerWrap']) {
      expect({ kind, count: Math.min(after[kind] ?? 0, before[kind] ?? 0) }).toEqual({ kind, count: after[kind] ?? 0 });
    }
  });
});

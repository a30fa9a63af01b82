import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { Controller, Get, Query } from '@nestjs/common';
import { Redis } from 'ioredis';
import { BuppleEngineModule, EngineService } from '@bupple/nestjs-ai-engine';
import { OfflineDriver } from '@bupple/nestjs-ai-engine/drivers';
import { SseStream, type SseDisconnectPolicy } from '../../lib/sse/index.js';
import { request } from 'node:http';
import { sleep, startApp, tokens, waitFor } from './sse-test-app.js';
import { REDIS_UNAVAILABLE, REDIS_URL } from '../memory/services.js';

/**
 * Reads an SSE response over node:http without keep-alive (fetch keeps spare connections the
 * server would wait for), cutting it after `stopAfter` events; resolves when the socket closed.
 */
function readRaw(url: string, stopAfter = Infinity): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false, headers: { connection: 'close' } }, (res) => {
      let events = 0;
      res.setEncoding('utf8');
      res.on('data', (text: string) => {
        events += text.split('\n\n').length - 1;
        if (events >= stopAfter) req.destroy();
      });
      res.on('error', () => undefined);
    });
    req.on('error', (error: Error & { code?: string }) => (error.code === 'ECONNRESET' ? undefined : reject(error)));
    req.on('close', () => resolve(0));
    req.end();
  });
}

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
  it.each([['express', 'memory'], ...(REDIS_UNAVAILABLE ? [] : [['fastify', 'redis'] as const])] as const)(
    'leaves no timer, socket or handle behind when the app closes mid-stream (%s, %s replay)',
    async (platform, driver) => {
      const before = resources();
      const engine = new OfflineDriver('slow', { tokenDelayMs: 20, chunks: answer.chunks });
      const keyPrefix = `bupple-test:sse-cleanup:${randomBytes(6).toString('hex')}:`;
      const { app, base } = await startApp(
        platform,
        {
          imports: [
            BuppleEngineModule.forRoot({
              engine: { drivers: { slow: engine } },
              sse: driver === 'redis' ? { replay: { driver: 'redis', ttlMs: 5000, redis: { url: REDIS_URL, keyPrefix } } } : {},
            }),
          ],
          controllers: [CleanupController],
        },
        undefined,
        { forceCloseConnections: false },
      );
      // a stream the client leaves (aborted), one that goes on without a client, one in its grace
      // period, and one still being read when the app closes
      await readRaw(`${base}/c/abort`, 3);
      await readRaw(`${base}/c/continue`, 3);
      await readRaw(`${base}/c/grace`, 3);
      const open = readRaw(`${base}/c/continue`);
      await waitFor(() => engine.requests.length === 4 && engine.lastRequest!.chunksSent > 2);
      expect(engine.requests.filter((r) => r.state === 'running').length).toBe(3);
      const closing = Date.now();
      await app.close();
      await open;
      // nothing kept the server open: the streams were ended before it closed
      expect(Date.now() - closing).toBeLessThan(2000);
      expect(engine.requests.every((r) => r.state !== 'running')).toBe(true);
      // (the runner's own timers come and go: fewer is fine, more is a leak if it stays)
      const kinds = ['Timeout', 'Immediate', 'TCPSocketWrap', 'TCPServerWrap'];
      let after = resources();
      for (let i = 0; i < 20 && kinds.some((kind) => (after[kind] ?? 0) > (before[kind] ?? 0)); i++) {
        await sleep(50);
        after = resources();
      }
      if (driver === 'redis') {
        const redis = new Redis(REDIS_URL, { lazyConnect: true, connectTimeout: 2000, maxRetriesPerRequest: 0, retryStrategy: () => null });
        await redis.connect();
        const keys = await redis.keys(`${keyPrefix}*`);
        expect(keys.length).toBeGreaterThan(0); // the streams were really kept in Redis
        await redis.del(...keys);
        await redis.quit();
      }
      for (const kind of kinds) {
        expect({ kind, count: Math.min(after[kind] ?? 0, before[kind] ?? 0) }).toEqual({ kind, count: after[kind] ?? 0 });
      }
    },
  );
});

import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import type { INestApplication, LoggerService } from '@nestjs/common';
import { BuppleEngineModule, EngineExceptionFilter } from '@bupple/nestjs-ai-engine';
import { OfflineDriver } from '@bupple/nestjs-ai-engine/drivers';
import { SseStreams } from '../../lib/sse/index.js';
import { countConnections, PrivateRedis } from '../utils/private-redis.js';
import { createParser } from 'eventsource-parser';
import { read, seqsOf, sleep, startApp, textOf, tokens, waitFor, type ReadEvent } from './sse-test-app.js';
import { resumableChatController } from './resumable-chat.controller.js';

const long = tokens(150);

/** Opens a stream and stays on it: its id once `start` arrived, and all its events at the end. */
async function openStream(url: string): Promise<{ streamId: string; rest: Promise<ReadEvent[]> }> {
  const events: ReadEvent[] = [];
  let gotStart: (id: string) => void = () => undefined;
  const started = new Promise<string>((resolve) => (gotStart = resolve));
  const parser = createParser({
    onEvent: (m) => {
      events.push({ id: m.id, event: m.event ?? 'message', data: m.data, at: 0 });
      if (m.event === 'start') gotStart((JSON.parse(m.data) as { streamId: string }).streamId);
    },
  });
  const response = await fetch(url, { signal: AbortSignal.timeout(15_000) });
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  const rest = (async () => {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return events;
      parser.feed(decoder.decode(value, { stream: true }));
    }
  })();
  return { streamId: await started, rest };
}

const ChatController = resumableChatController({ graceMs: 5000, question: 'count' });

/** Every log line of the apps under test (Nest's logger is process-wide). */
const lines: { level: string; message: string }[] = [];
const collect = (level: string) => (message: unknown) => void lines.push({ level, message: String(message) });
const logger: LoggerService = { log: collect('log'), warn: collect('warn'), error: collect('error'), debug: () => undefined, verbose: () => undefined };
const count = (pattern: RegExp, level?: string) => lines.filter((l) => pattern.test(l.message) && (!level || l.level === level)).length;

describe('the Redis replay store through an outage (a private redis-server, killed, paused and restarted)', () => {
  const redis = new PrivateRedis();
  const keyPrefix = `bupple-test:sse-outage:${randomBytes(6).toString('hex')}:`;
  type Instance = { app: INestApplication; base: string; streams: SseStreams; driver: OfflineDriver };
  let a: Instance;
  let b: Instance;

  async function instance(): Promise<Instance> {
    const driver = new OfflineDriver('counter', { tokenDelayMs: 12, chunks: long.chunks });
    const fast = new OfflineDriver('fast', { tokenDelayMs: 0, chunks: long.chunks.slice(0, 10) });
    const started = await startApp(
      'express',
      {
        imports: [
          BuppleEngineModule.forRoot({
            engine: { default: 'counter', drivers: { counter: driver, fast } },
            sse: {
              keepaliveMs: 0,
              replay: {
                driver: 'redis',
                ttlMs: 60_000,
                // a short backoff cap: the old client gave up after 20 tries (~31 s); this one must not
                redis: { url: redis.url, keyPrefix, connectTimeoutMs: 500, commandTimeoutMs: 600, maxReconnectDelayMs: 40 },
              },
            },
          }),
        ],
        controllers: [ChatController],
      },
      (app) => {
        app.useLogger(logger);
        // what the docs ask of apps with a stop route (an EngineException answers with its status)
        app.useGlobalFilters(new EngineExceptionFilter());
      },
    );
    return { ...started, streams: started.app.get(SseStreams), driver };
  }

  beforeAll(async () => {
    await redis.start();
    a = await instance();
    b = await instance();
  });

  afterAll(async () => {
    redis.resume();
    await a?.app.close();
    await b?.app.close();
    await redis.kill();
  });

  it('resumes across instances while Redis is up (and reports ready)', async () => {
    expect(a.streams.replayReady).toBe(true);
    expect(b.streams.replayReady).toBe(true);
    const first = await read(`${a.base}/chat/stream?engine=fast`, { stopAfter: 3 });
    await sleep(100);
    const rest = await read(`${b.base}/chat/stream`, { lastEventId: first.events.at(-1)!.id });
    expect(rest.status).toBe(200);
    expect(textOf([...first.events, ...rest.events])).toBe(long.chunks.slice(0, 10).join(''));
  });

  it('killed for longer than 20 reconnection attempts: 503 replay_unavailable with Retry-After meanwhile, streams keep going, one warning per instance, and it recovers by itself', async () => {
    lines.length = 0;
    // a stream on A that runs through the whole outage; its client stays on A
    const { streamId, rest: whole } = await openStream(`${a.base}/chat/stream`);
    await sleep(100);
    await redis.kill();

    // B cannot read Redis: 503 with Retry-After, never 500, never a hang
    const started = Date.now();
    const resumed = await fetch(`${b.base}/chat/streams/${streamId}?lastEventId=${streamId}-3`);
    expect(Date.now() - started).toBeLessThan(1500);
    expect(resumed.status).toBe(503);
    expect(Number(resumed.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await resumed.json()).toMatchObject({ statusCode: 503, code: 'replay_unavailable', retryable: true });
    const stopped = await fetch(`${b.base}/chat/streams/${streamId}`, { method: 'DELETE' });
    expect(stopped.status).toBe(503);
    expect(stopped.headers.get('retry-after')).not.toBeNull();
    await waitFor(() => !a.streams.replayReady && !b.streams.replayReady, 2000);
    expect(a.streams.replayReady).toBe(false);
    expect(b.streams.replayReady).toBe(false);

    // every reconnection attempt of both instances lands here: well past the old 20-try limit
    const standIn = await countConnections(redis.port);
    const enough = await waitFor(() => standIn.count >= 60, 10_000);
    const attempts = standIn.count;
    await standIn.close();
    expect(enough).toBe(true);
    expect(attempts).toBeGreaterThanOrEqual(60);

    // A's client got its whole answer from A, Redis or not
    const result = await whole;
    expect(textOf(result)).toBe(long.text);
    expect(result.at(-1)!.event).toBe('complete');

    await redis.start();
    expect(await waitFor(() => a.streams.replayReady && b.streams.replayReady, 5000)).toBe(true);

    // the stream that ran through the outage: its end was written again, the dropped events are gone: resync, not a hang
    await sleep(200);
    const afterOutage = await read(`${b.base}/chat/streams/${streamId}?lastEventId=${streamId}-3`);
    expect(afterOutage.status).toBe(200);
    expect(afterOutage.events.map((e) => e.event)).toEqual(['resync']);

    // a new stream resumes across instances again, without a restart
    const first = await read(`${a.base}/chat/stream?engine=fast`, { stopAfter: 3 });
    await sleep(100);
    const rest = await read(`${b.base}/chat/stream`, { lastEventId: first.events.at(-1)!.id });
    expect(rest.status).toBe(200);
    expect(seqsOf([...first.events, ...rest.events]).seqs).toEqual(seqsOf([...first.events, ...rest.events]).seqs.map((_, i) => i + 1));
    expect(textOf([...first.events, ...rest.events])).toBe(long.chunks.slice(0, 10).join(''));

    // logged once per outage and instance (with a count at the end), not once per write
    const outageLines = lines.filter((l) => /Redis is/.test(l.message)).map((l) => `${l.level} ${l.message}`);
    expect([count(/SSE replay store: Redis is unreachable/, 'warn'), outageLines]).toEqual([2, outageLines]);
    expect(count(/SSE replay store: Redis is back after [0-9.]+ s; \d+ operation\(s\) failed/, 'log')).toBe(2);
    // no other warning at all: not one per failed write
    expect(lines.filter((l) => l.level === 'warn').map((l) => l.message)).toEqual(
      outageLines.filter((l) => l.startsWith('warn ')).map((l) => l.slice('warn '.length)),
    );
    // A, which kept writing its stream, counted what it dropped
    const failed = lines
      .map((l) => /back after [0-9.]+ s; (\d+) operation/.exec(l.message))
      .filter(Boolean)
      .map((m) => Number(m![1]));
    expect(Math.max(...failed)).toBeGreaterThan(0);
  }, 30_000);

  it('paused (a Redis that hangs): a resume answers 503 within the command timeout instead of hanging, and works again after SIGCONT', async () => {
    lines.length = 0;
    const first = await read(`${a.base}/chat/stream?engine=fast`, { stopAfter: 3 });
    await sleep(100);
    redis.pause();
    try {
      const started = Date.now();
      const resumed = await fetch(`${b.base}/chat/streams/${seqsOf(first.events).streamId}?lastEventId=${first.events.at(-1)!.id}`);
      const took = Date.now() - started;
      expect(resumed.status).toBe(503);
      expect(resumed.headers.get('retry-after')).not.toBeNull();
      expect(took).toBeLessThan(2000);
      expect(b.streams.replayReady).toBe(false);
      // while it hangs, the next one is refused at once
      const again = Date.now();
      expect((await fetch(`${b.base}/chat/streams/${seqsOf(first.events).streamId}?lastEventId=${first.events.at(-1)!.id}`)).status).toBe(503);
      expect(Date.now() - again).toBeLessThan(500);
    } finally {
      redis.resume();
    }
    expect(await waitFor(() => b.streams.replayReady, 5000)).toBe(true);
    const rest = await read(`${b.base}/chat/streams/${seqsOf(first.events).streamId}?lastEventId=${first.events.at(-1)!.id}`);
    expect(rest.status).toBe(200);
    expect(textOf([...first.events, ...rest.events])).toBe(long.chunks.slice(0, 10).join(''));
    // B saw the outage; A too if it was still writing its stream when Redis froze: once per instance at most
    const outages = count(/SSE replay store: Redis is unreachable/, 'warn');
    expect(outages).toBeGreaterThanOrEqual(1);
    expect(outages).toBeLessThanOrEqual(2);
    expect(await waitFor(() => count(/SSE replay store: Redis is back/, 'log') === outages, 3000)).toBe(true);
  }, 20_000);
});

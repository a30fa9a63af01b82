import 'reflect-metadata';
import { Controller, Get, Query, type INestApplication } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import compression from 'compression';
import fastifyCompress from '@fastify/compress';
import { BuppleEngineModule, EngineService } from '@bupple/nestjs-ai-engine';
import { OfflineDriver } from '@bupple/nestjs-ai-engine/drivers';
import { SseStream } from '../../lib/sse/index.js';
import { PLATFORMS, read, startApp, textOf } from './sse-test-app.js';

const ORIGIN = 'http://page.example';

@Controller('chat')
class ChatController {
  constructor(private readonly engine: EngineService) {}

  @Get('stream')
  @SseStream({ onDisconnect: 'continue' })
  stream(@Query('engine') engine?: string) {
    return this.engine.stream([{ role: 'user', content: 'hi' }], { engine });
  }

  @Get('json')
  json() {
    return { text: 'compress me '.repeat(500) };
  }
}

describe.each(PLATFORMS)('SSE behind compression and CORS on %s', (platform) => {
  let app: INestApplication;
  let base: string;

  beforeAll(async () => {
    const paced = new OfflineDriver('paced', { tokenDelayMs: 200, chunks: ['one ', 'two ', 'three'] });
    const quick = new OfflineDriver('quick', { tokenDelayMs: 1, chunks: ['a', 'b'] });
    ({ app, base } = await startApp(
      platform,
      {
        imports: [BuppleEngineModule.forRoot({ engine: { default: 'paced', drivers: { paced, quick } } })],
        controllers: [ChatController],
      },
      async (nest) => {
        if (platform === 'express') nest.use(compression({ threshold: 0 }));
        else await (nest as NestFastifyApplication).register(fastifyCompress as never, { threshold: 0 } as never);
        nest.enableCors({ origin: ORIGIN, exposedHeaders: ['X-Request-Id'] });
      },
    ));
  });
  afterAll(() => app.close());

  it('has compression on (a JSON route is compressed)', async () => {
    const response = await fetch(`${base}/chat/json`, { headers: { 'accept-encoding': 'gzip' } });
    expect(response.headers.get('content-encoding')).toBe('gzip');
    expect((await response.json()).text).toContain('compress me');
  });

  it('delivers events one by one as they are produced, not all at the end', async () => {
    const result = await read(`${base}/chat/stream`, { headers: { 'accept-encoding': 'gzip, deflate, br', origin: ORIGIN } });
    expect(textOf(result.events)).toBe('one two three');
    const contents = result.events.filter((e) => e.event === 'content');
    // the engine waits 200 ms between chunks: so must the client between events
    expect(contents[1].at - contents[0].at).toBeGreaterThan(120);
    expect(contents[2].at - contents[1].at).toBeGreaterThan(120);
    expect(result.headers.get('content-type')).toMatch(/^text\/event-stream/);
  });

  it('keeps the CORS headers the app set, on the stream and on a 204 for a finished stream', async () => {
    const result = await read(`${base}/chat/stream?engine=quick`, { headers: { origin: ORIGIN } });
    expect(result.status).toBe(200);
    expect(result.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(result.headers.get('access-control-expose-headers')).toContain('X-Request-Id');
    const again = await read(`${base}/chat/stream?engine=quick`, { headers: { origin: ORIGIN }, lastEventId: result.events.at(-1)!.id });
    expect(again.status).toBe(204);
    expect(again.headers.get('access-control-allow-origin')).toBe(ORIGIN);
  });

  it('answers the CORS preflight of a reconnect that sends Last-Event-ID', async () => {
    const response = await fetch(`${base}/chat/stream`, {
      method: 'OPTIONS',
      headers: { origin: ORIGIN, 'access-control-request-method': 'GET', 'access-control-request-headers': 'last-event-id' },
    });
    expect(response.status).toBeLessThan(300);
    expect(response.headers.get('access-control-allow-origin')).toBe(ORIGIN);
  });
});

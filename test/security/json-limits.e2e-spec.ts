import 'reflect-metadata';
import { Body, Controller, HttpCode, Post, ValidationPipe, type INestApplication } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsArray, IsOptional, IsString, ValidateNested } from 'class-validator';
import { connect } from 'node:net';
import { BuppleEngineModule, EngineService, JsonLimitsGuard, SseStream, applyRequestTimeouts } from '@bupple/nestjs-ai-engine';
import { OfflineDriver } from '@bupple/nestjs-ai-engine/drivers';
import { jsonLimitProblem, requestJsonProblem } from '@bupple/nestjs-ai-engine/security';
import { PLATFORMS, read, startApp } from '../sse/sse-test-app.js';

class ItemDto {
  @IsString() content!: string;
  @IsOptional() @IsArray() tags?: unknown[];
}

class BodyDto {
  @IsArray() @ValidateNested({ each: true }) @Type(() => ItemDto) messages!: ItemDto[];
  @IsOptional() extra?: unknown;
}

@Controller()
class LimitsController {
  constructor(private readonly engine: EngineService) {}

  @Post('stream')
  @SseStream()
  stream(@Body() body: BodyDto) {
    return this.engine.stream([{ role: 'user', content: body.messages[0]?.content ?? 'hi' }]);
  }

  @Post('slow')
  @SseStream()
  slow() {
    return this.engine.stream([{ role: 'user', content: 'hi' }], { engine: 'slow' });
  }

  @Post('plain')
  @HttpCode(200)
  plain(@Body() body: BodyDto) {
    return { n: body.messages.length };
  }
}

/** `{"messages":[[[…]]]}` nested `depth` levels: about 2 bytes a level. */
const deep = (depth: number) => `{"messages":${'['.repeat(depth)}${']'.repeat(depth)}}`;

describe('JSON limits (unit)', () => {
  it('measures depth and size without recursion, so a million levels are fine', () => {
    expect(jsonLimitProblem({ a: [1, { b: 'x' }] })).toBeUndefined();
    expect(jsonLimitProblem(JSON.parse('['.repeat(33) + ']'.repeat(33)))).toBe('the JSON nests deeper than 32 levels');
    expect(jsonLimitProblem(JSON.parse('['.repeat(32) + ']'.repeat(32)))).toBeUndefined();
    let value: unknown = 1;
    for (let i = 0; i < 1_000_000; i++) value = [value];
    expect(jsonLimitProblem(value, { maxDepth: 2_000_000, maxNodes: 2_000_000 })).toBeUndefined();
    expect(jsonLimitProblem(value)).toBe('the JSON nests deeper than 32 levels');
    expect(jsonLimitProblem(new Array(10_001).fill(0))).toBe('the JSON holds more than 10000 values');
    expect(requestJsonProblem({ headers: { 'content-length': '2000000' }, body: {} })).toBe('the body is larger than 1048576 bytes');
    expect(requestJsonProblem({ headers: {}, body: { s: 'x'.repeat(2_000_000) } })).toBe('the body is larger than 1048576 bytes');
    expect(requestJsonProblem({ headers: {}, query: { a: { b: { c: {} } } } }, { maxDepth: 2 })).toBe('the query nests deeper than 2 levels');
  });
});

describe.each(PLATFORMS)('JSON limits and request timeouts on %s', (platform) => {
  let app: INestApplication;
  let base: string;
  let unguarded: INestApplication;
  let unguardedBase: string;
  // its own app: a body upload on a loaded machine must not race the short bounds of the timeout tests
  let timed: INestApplication;
  let timedBase: string;
  const modules = () => ({
    imports: [
      BuppleEngineModule.forRoot({
        engine: {
          offline: { tokenDelayMs: 1 },
          drivers: { slow: new OfflineDriver('slow', { tokenDelayMs: 120, chunks: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'] }) },
        },
      }),
    ],
    controllers: [LimitsController],
  });

  beforeAll(async () => {
    ({ app, base } = await startApp(platform, modules(), (a) => {
      a.useGlobalGuards(new JsonLimitsGuard());
      a.useGlobalPipes(new ValidationPipe({ transform: true }));
    }));
    ({ app: timed, base: timedBase } = await startApp(platform, modules(), (a) => {
      a.useGlobalPipes(new ValidationPipe({ transform: true }));
      applyRequestTimeouts(a.getHttpServer(), { headersTimeoutMs: 400, bodyTimeoutMs: 400 });
    }));
    ({ app: unguarded, base: unguardedBase } = await startApp(platform, modules(), (a) => {
      a.useGlobalPipes(new ValidationPipe({ transform: true }));
    }));
  });
  afterAll(async () => {
    await app?.close();
    await unguarded?.close();
    await timed?.close();
  });

  const post = (url: string, body: string) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

  it('without the guard, a 10 kB body nested 5 000 levels deep overflows class-transformer on a plain route (500)', async () => {
    const body = deep(5000);
    expect(body.length).toBeLessThan(10_100);
    expect((await post(`${unguardedBase}/plain`, body)).status).toBe(500);
  });

  it("the library's own @SseStream() routes answer 400 by themselves, before the ValidationPipe", async () => {
    const response = await post(`${unguardedBase}/stream`, deep(5000));
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ statusCode: 400, error: 'Bad Request', message: ['the body nests deeper than 32 levels'] });
  });

  it('with JsonLimitsGuard, every route answers 400 naming the limit', async () => {
    for (const path of ['/plain', '/stream']) {
      const response = await post(`${base}${path}`, deep(5000));
      expect(response.status).toBe(400);
      expect((await response.json()).message).toEqual(['the body nests deeper than 32 levels']);
    }
    const wide = await post(`${base}/plain`, JSON.stringify({ messages: [{ content: 'x', tags: new Array(20_000).fill(0) }] }));
    // Express's body parser stops at 100 kB (413) before the guard; Fastify's at 1 MiB, then the guard
    expect([400, 413]).toContain(wide.status);
    // ordinary bodies go through
    expect(await (await post(`${base}/plain`, JSON.stringify({ messages: [{ content: 'x', tags: [[1, [2]]] }] }))).json()).toEqual({ n: 1 });
    const stream = await read(`${base}/stream`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ messages: [{ content: 'hi' }] }),
    });
    expect(stream.status).toBe(200);
    expect(stream.events.at(-1)!.event).toBe('complete');
  });

  /** Opens a raw connection, writes `text`, resolves with what came back and when the connection closed. */
  function rawRequest(text: string): Promise<{ ms: number; received: string }> {
    const started = Date.now();
    const url = new URL(timedBase);
    return new Promise((resolve) => {
      const socket = connect(Number(url.port), url.hostname, () => socket.write(text));
      let received = '';
      socket.on('data', (chunk) => (received += chunk));
      socket.on('error', () => undefined);
      socket.on('close', () => resolve({ ms: Date.now() - started, received }));
    });
  }

  it('cuts a client that promises a body and never sends it (408), and one that never ends its headers', async () => {
    const [body, headers] = await Promise.all([
      rawRequest('POST /plain HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"mess'),
      rawRequest('POST /plain HTTP/1.1\r\nHost: x\r\n'),
    ]);
    expect(body.received).toMatch(/^HTTP\/1\.1 408/);
    expect(body.ms).toBeLessThan(3000);
    expect(headers.ms).toBeLessThan(3000);
  });

  it('does not limit the answer: a stream outlasting both timeouts completes', async () => {
    const started = Date.now();
    const result = await read(`${timedBase}/slow`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(result.events.at(-1)!.event).toBe('complete');
    expect(result.events.filter((e) => e.event === 'content')).toHaveLength(10);
    // 10 chunks 120 ms apart: well past the 400 ms bounds on headers and body
    expect(Date.now() - started).toBeGreaterThan(1000);
  });
});

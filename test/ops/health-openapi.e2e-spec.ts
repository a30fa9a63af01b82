import 'reflect-metadata';
import { Controller, Get, Module, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { randomBytes } from 'node:crypto';
import { BuppleEngineModule, SseStream } from '@bupple/nestjs-ai-engine';
import { ApiSseResponse, EngineHealthIndicator } from '@bupple/nestjs-ai-engine/integrations';
import { describeRedis, REDIS_URL, requireRedis } from '../memory/services.js';
import { TcpProxy } from '../utils/tcp-proxy.js';
import { startSample } from '../utils/sample-app.js';

describe('operations: health and OpenAPI', () => {
  describe('the sample', () => {
    let app: INestApplication;
    let base: string;
    beforeAll(async () => {
      ({ app, base } = await startSample());
    });
    afterAll(() => app.close());

    it('GET /health answers 200 with the memory store and the replay store up', async () => {
      const response = await fetch(`${base}/health`);
      expect(response.status).toBe(200);
      const body = (await response.json()) as { status: string; info: Record<string, unknown> };
      expect(body.status).toBe('ok');
      expect(body.info.engine).toEqual({ status: 'up', memory: { store: 'memory', status: 'up' }, replay: { driver: 'memory', status: 'up' } });
    });

    it('serves Swagger UI at /docs and the OpenAPI document with the SSE routes as text/event-stream', async () => {
      const page = await fetch(`${base}/docs`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toContain('text/html');
      expect(await page.text()).toContain('swagger-ui');
      const document = (await (await fetch(`${base}/docs-json`)).json()) as {
        paths: Record<
          string,
          Record<
            string,
            {
              responses: Record<
                string,
                { content?: Record<string, { itemSchema?: { oneOf: { title: string; properties: { data: { contentSchema: unknown } } }[] } }> }
              >;
            }
          >
        >;
      };
      for (const [path, method] of [
        ['/chat/stream', 'get'],
        ['/chat/stream', 'post'],
        ['/chat/streams/{streamId}', 'get'],
      ] as const) {
        const content = document.paths[path]?.[method]?.responses['200']?.content;
        expect(Object.keys(content ?? {})).toEqual(['text/event-stream']);
        const items = content!['text/event-stream'].itemSchema!.oneOf;
        expect(items.map((item) => item.title)).toEqual(
          expect.arrayContaining(['start', 'content', 'progress', 'keepalive', 'complete', 'chunk_error', 'stream_error', 'retry']),
        );
        const start = items.find((item) => item.title === 'start')!;
        expect(start.properties.data.contentSchema).toMatchObject({ type: 'object', required: ['streamId', 'engine', 'model'] });
      }
      // a JSON route keeps its JSON response
      expect(document.paths['/chat/engines'].get.responses['200'].content?.['text/event-stream']).toBeUndefined();
    });
  });

  describeRedis('EngineHealthIndicator with terminus, the replay store in Redis behind a proxy', () => {
    let app: INestApplication;
    let base: string;
    let proxy: TcpProxy;

    @Controller('health')
    class HealthController {
      constructor(
        private readonly health: HealthCheckService,
        private readonly engineHealth: EngineHealthIndicator,
      ) {}
      @Get() @HealthCheck() check() {
        return this.health.check([() => this.engineHealth.isHealthy('engine', { timeoutMs: 300 })]);
      }
    }

    beforeAll(async () => {
      await requireRedis();
      const target = new URL(REDIS_URL);
      proxy = new TcpProxy(target.hostname, Number(target.port || 6379));
      await proxy.up();
      @Module({
        imports: [
          TerminusModule,
          BuppleEngineModule.forRoot({
            engine: { offline: true },
            sse: {
              replay: {
                driver: 'redis',
                redis: { url: `redis://127.0.0.1:${proxy.port}`, keyPrefix: `bupple-test:health:${randomBytes(6).toString('hex')}:` },
              },
            },
          }),
        ],
        controllers: [HealthController],
      })
      class HealthAppModule {}
      const moduleRef = await Test.createTestingModule({ imports: [HealthAppModule] }).compile();
      app = moduleRef.createNestApplication({ logger: false });
      await app.listen(0, '127.0.0.1');
      base = await app.getUrl();
    });
    afterAll(async () => {
      await app?.close();
      await proxy?.down();
    });

    it('is up while Redis answers, 503 with the reason while it is unreachable, up again after', async () => {
      let response = await fetch(`${base}/health`);
      expect(response.status).toBe(200);
      expect(((await response.json()) as { info: Record<string, unknown> }).info.engine).toMatchObject({
        status: 'up',
        replay: { driver: 'redis', status: 'up' },
      });

      await proxy.down();
      const started = Date.now();
      response = await fetch(`${base}/health`);
      expect(response.status).toBe(503);
      const body = (await response.json()) as { status: string; error: Record<string, { status: string; replay: { status: string; message: string } }> };
      expect(body.status).toBe('error');
      expect(body.error.engine.status).toBe('down');
      expect(body.error.engine.replay.status).toBe('down');
      expect(body.error.engine.replay.message).toMatch(/Redis/);
      expect(Date.now() - started).toBeLessThan(3000);

      await proxy.up();
      const deadline = Date.now() + 10_000;
      do {
        await new Promise((resolve) => setTimeout(resolve, 200));
        response = await fetch(`${base}/health`);
      } while (response.status !== 200 && Date.now() < deadline);
      expect(response.status).toBe(200);
    });
  });

  describe('@ApiSseResponse()', () => {
    it('documents only the events named, with an app event of its own; an unknown library event is an error naming it', async () => {
      @Controller('x')
      class XController {
        @Get('s')
        @SseStream()
        @ApiSseResponse({ events: ['start', 'content', { name: 'sources', data: { type: 'array', items: { type: 'string' } } }], description: 'Answer' })
        s() {
          return [];
        }
      }
      const moduleRef = await Test.createTestingModule({
        imports: [BuppleEngineModule.forRoot({ engine: { offline: true } })],
        controllers: [XController],
      }).compile();
      const app = moduleRef.createNestApplication({ logger: false });
      await app.init();
      try {
        const document = SwaggerModule.createDocument(app, new DocumentBuilder().build()) as unknown as {
          paths: Record<
            string,
            { get: { responses: Record<string, { description: string; content: Record<string, { itemSchema: { oneOf: { title: string }[] } }> }> } }
          >;
        };
        const response = document.paths['/x/s'].get.responses['200'];
        expect(response.description).toBe('Answer');
        expect(response.content['text/event-stream'].itemSchema.oneOf.map((item) => item.title)).toEqual(['start', 'content', 'sources']);
      } finally {
        await app.close();
      }
      expect(() => ApiSseResponse({ events: ['contents'] })).toThrow('"contents" is not an event of the library');
    });
  });
});

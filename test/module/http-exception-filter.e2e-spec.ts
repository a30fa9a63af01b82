import 'reflect-metadata';
import { Body, Controller, Injectable, Module, Post, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { BuppleEngineModule, EngineService, type BuppleEngineModuleOptions, type OfflineEngineConfig } from '@bupple/nestjs-ai-engine';

/** `http: { exceptionFilter: true }`: `send()` routes answer 4xx/5xx with no filter of the app's own. */
@Controller('chat')
class ChatController {
  constructor(private readonly engine: EngineService) {}

  @Post()
  send(@Body() body: { message: string }) {
    return this.engine.send([{ role: 'user', content: body.message }]);
  }
}

async function boot(
  imports: unknown[],
): Promise<{ app: INestApplication; post: (body: string) => Promise<{ status: number; json: any; retryAfter: string | null }> }> {
  const moduleRef = await Test.createTestingModule({ imports: imports as never[], controllers: [ChatController] }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.listen(0, '127.0.0.1');
  const url = `${await app.getUrl()}/chat`;
  return {
    app,
    post: async (body) => {
      const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      return { status: response.status, json: await response.json(), retryAfter: response.headers.get('retry-after') };
    },
  };
}

const offline = (failAt?: OfflineEngineConfig['failAt']): BuppleEngineModuleOptions => ({
  engine: { offline: { tokenDelayMs: 0, failAt }, retry: { maxRetries: 0 } },
});

describe('forRoot({ http: { exceptionFilter: true } })', () => {
  it('answers 400 for bad input and 201 for good input', async () => {
    const { app, post } = await boot([BuppleEngineModule.forRoot({ ...offline(), http: { exceptionFilter: true } })]);
    try {
      expect(await post('{}')).toMatchObject({ status: 400, json: { statusCode: 400, code: 'invalid_request', retryable: false } });
      expect(await post('{"message":"hi"}')).toMatchObject({ status: 201, json: { role: 'assistant', engine: 'offline' } });
    } finally {
      await app.close();
    }
  });

  it.each([
    ['rate_limit', 429, '2'],
    ['overloaded', 503, null],
    ['connection', 504, null],
    ['authentication', 502, null],
  ] as const)('answers a %s provider failure with %i', async (kind, status, retryAfter) => {
    const failAt = { afterChunks: 0, beforeStart: true, kind, retryAfterMs: kind === 'rate_limit' ? 1500 : undefined };
    const { app, post } = await boot([BuppleEngineModule.forRoot({ ...offline(failAt), http: { exceptionFilter: true } })]);
    try {
      const answer = await post('{"message":"hi"}');
      expect(answer).toMatchObject({ status, json: { statusCode: status, code: kind }, retryAfter });
    } finally {
      await app.close();
    }
  });

  it('without it, Nest answers 500 (the filter is opt-in)', async () => {
    const { app, post } = await boot([BuppleEngineModule.forRoot(offline())]);
    try {
      expect((await post('{}')).status).toBe(500);
    } finally {
      await app.close();
    }
  });

  it('forRootAsync takes it beside the factory', async () => {
    @Injectable()
    class Settings {
      readonly delay = 0;
    }
    @Module({ providers: [Settings], exports: [Settings] })
    class SettingsModule {}
    const { app, post } = await boot([
      BuppleEngineModule.forRootAsync({
        imports: [SettingsModule],
        inject: [Settings],
        useFactory: (settings: Settings) => ({ engine: { offline: { tokenDelayMs: settings.delay } } }),
        http: { exceptionFilter: true },
      }),
    ]);
    try {
      expect(await post('{"message":""}')).toMatchObject({ status: 400, json: { code: 'invalid_request' } });
    } finally {
      await app.close();
    }
  });
});

// Relay (a): this library, as the sample app uses it: a route with `@SseStream()` over
// `EngineService.stream()` with the OpenAI driver pointed at the mock upstream. With
// BENCH_FEATURES=1 the route turns on the optional events too: `progress` (total: the N of
// the `bench-N-D` model, default throttling) and `keepaliveMs: 15000`. Express platform.
// BENCH_PROVIDER=gemini points the Gemini driver at the mock upstream's Gemini route instead
// (the same answers in Gemini's wire format); BENCH_PROVIDER=claude the Claude driver at its
// Messages API route. BENCH_PROTOCOL=ui-message answers in the AI SDK's UI message stream
// protocol (`@SseStream({ protocol: 'ui-message' })`, what `useChat` reads).
// BENCH_PLATFORM=fastify serves the app with @nestjs/platform-fastify instead of express.
//
// Imports the built package (dist/, through the package's own "exports"), so run
// `npm run build` first (`npm run bench` does). Plain ESM without a build step: the
// decorators are applied with Reflect.decorate, exactly as TypeScript's emitted code does.
import 'reflect-metadata';
import { Controller, Get, Inject, Module, Query } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { BuppleEngineModule, EngineService, SseStream } from '@bupple/nestjs-ai-engine';
import { dieWithParent, fail, relayReady } from '../lib/ipc-child.mjs';
import { param } from './decorate.mjs';

const upstream = process.env.UPSTREAM_URL;
if (!upstream) fail(new Error('UPSTREAM_URL is not set'));
/** N of the `bench-N-D[-tag]` model in `?m=`: the number of chunks the answer will have. */
const expectedTokens = (request) => Number(/^bench-(\d+)-/.exec(String(request.query?.m ?? ''))?.[1]) || undefined;
const engines = {
  openai: { default: 'openai', openai: { apiKey: 'bench-key', baseURL: `${upstream}/v1`, model: 'bench-10-0' } },
  gemini: { default: 'gemini', gemini: { apiKey: 'bench-key', baseURL: upstream, model: 'bench-10-0' } },
  claude: { default: 'claude', claude: { apiKey: 'bench-key', baseURL: upstream, model: 'bench-10-0' } },
};
const engine = engines[process.env.BENCH_PROVIDER ?? 'openai'];
if (!engine) fail(new Error(`BENCH_PROVIDER=${process.env.BENCH_PROVIDER}: no such engine in this relay`));
const sseOptions = {
  ...(process.env.BENCH_FEATURES === '1' ? { progress: { total: expectedTokens }, keepaliveMs: 15_000 } : {}),
  ...(process.env.BENCH_PROTOCOL ? { protocol: process.env.BENCH_PROTOCOL } : {}),
};

class StreamController {
  constructor(engine) {
    this.engine = engine;
  }

  stream(model) {
    return this.engine.stream([{ role: 'user', content: 'hi' }], { model });
  }
}
Reflect.decorate(
  [Get('stream'), SseStream(sseOptions), param(0, Query('m'))],
  StreamController.prototype,
  'stream',
  Object.getOwnPropertyDescriptor(StreamController.prototype, 'stream'),
);
Reflect.decorate([Controller(), param(0, Inject(EngineService))], StreamController);

class AppModule {}
Reflect.decorate(
  [
    Module({
      imports: [BuppleEngineModule.forRoot({ engine })],
      controllers: [StreamController],
    }),
  ],
  AppModule,
);

dieWithParent();
try {
  const logger = ['error', 'warn'];
  const fastify = process.env.BENCH_PLATFORM === 'fastify' ? new (await import('@nestjs/platform-fastify')).FastifyAdapter() : undefined;
  const app = fastify ? await NestFactory.create(AppModule, fastify, { logger }) : await NestFactory.create(AppModule, { logger });
  // express's listen takes the backlog as its third argument; Fastify's (through Nest) a callback there
  await (fastify ? app.listen(0, '127.0.0.1') : app.listen(0, '127.0.0.1', 4096));
  relayReady(app.getHttpServer().address().port);
} catch (error) {
  fail(error);
}

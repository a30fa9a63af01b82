// Relay (b): NestJS `@Sse()` over the `openai` SDK, the way the Nest docs suggest: the
// handler returns an Observable of MessageEvent `{ data }` built with `new Observable`
// around the SDK's stream; unsubscribing (Nest does it when the client goes away) and
// `@SseSignal()` both abort the SDK request. Express platform.
//
// Plain ESM without a build step, so the decorators are applied with Reflect.decorate,
// exactly as TypeScript's emitted code does.
import 'reflect-metadata';
import { Controller, Module, Query, Sse, SseSignal } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import OpenAI from 'openai';
import { Observable } from 'rxjs';
import { dieWithParent, fail, relayReady } from '../lib/ipc-child.mjs';
import { param } from './decorate.mjs';

const upstream = process.env.UPSTREAM_URL;
if (!upstream) fail(new Error('UPSTREAM_URL is not set'));

class StreamController {
  client = new OpenAI({ apiKey: 'bench-key', baseURL: `${upstream}/v1` });

  stream(model, signal) {
    return new Observable((subscriber) => {
      const controller = new AbortController();
      const abort = () => controller.abort();
      signal?.addEventListener('abort', abort, { once: true });
      (async () => {
        const stream = await this.client.chat.completions.create(
          { model, messages: [{ role: 'user', content: 'hi' }], stream: true, stream_options: { include_usage: true } },
          { signal: controller.signal },
        );
        for await (const chunk of stream) {
          const content = chunk.choices[0]?.delta?.content;
          if (content) subscriber.next({ data: { content } });
        }
        subscriber.complete();
      })().catch((error) => {
        if (!controller.signal.aborted) subscriber.error(error);
      });
      return () => {
        signal?.removeEventListener('abort', abort);
        controller.abort();
      };
    });
  }
}
Reflect.decorate(
  [Sse('stream'), param(0, Query('m')), param(1, SseSignal())],
  StreamController.prototype,
  'stream',
  Object.getOwnPropertyDescriptor(StreamController.prototype, 'stream'),
);
Reflect.decorate([Controller()], StreamController);

class AppModule {}
Reflect.decorate([Module({ controllers: [StreamController] })], AppModule);

dieWithParent();
try {
  const app = await NestFactory.create(AppModule, { logger: ['error', 'warn'] });
  await app.listen(0, '127.0.0.1', 4096);
  relayReady(app.getHttpServer().address().port);
} catch (error) {
  fail(error);
}

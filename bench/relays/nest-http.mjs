// Relay (d): the node:http floor's relay inside a Nest app. A controller route (express
// platform, Nest's defaults: body parsers on) hands `@Req()` and `@Res()` to the very function
// the node:http relay runs (node-http-relay.mjs). What it costs above node:http is the per-request
// work of Nest and express alone, which any Nest route pays; what the library's relay costs
// above this one is the library's own.
//
// Plain ESM without a build step: the decorators are applied with Reflect.decorate, exactly as
// TypeScript's emitted code does.
import 'reflect-metadata';
import { Controller, Get, Module, Req, Res } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { dieWithParent, fail, relayReady } from '../lib/ipc-child.mjs';
import { param } from './decorate.mjs';
import { relay } from './node-http-relay.mjs';

class StreamController {
  stream(req, res) {
    return relay(req, res);
  }
}
Reflect.decorate(
  [Get('stream'), param(0, Req()), param(1, Res())],
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

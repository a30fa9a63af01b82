import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EngineService } from '@bupple/nestjs-ai-engine';
import { AppModule } from './app.module.js';
import { configureApp } from './bootstrap.js';

async function main(): Promise<void> {
  const app = configureApp(await NestFactory.create(AppModule));
  const port = Number(process.env.PORT ?? 3000);
  await app.listen(port, process.env.HOST ?? '127.0.0.1');
  const engine = app.get(EngineService);
  Logger.log(`Active engine: ${engine.defaultEngine} (configured: ${engine.engines().join(', ')}) on ${await app.getUrl()}`, 'Sample');
}

main().catch((error: unknown) => {
  Logger.error(error instanceof Error ? error.message : String(error), 'Sample');
  process.exit(1);
});

import 'reflect-metadata';
import type { INestApplication, LoggerService } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { EngineService } from '@bupple/nestjs-ai-engine';
import { OfflineDriver, type OfflineEngineConfig } from '@bupple/nestjs-ai-engine/drivers';
import { AppModule } from '../../sample/src/app.module.js';
import { configureApp } from '../../sample/src/bootstrap.js';

/** The sample app as a spec runs it in-process, and its base URL (`http://127.0.0.1:<port>`). */
export interface SampleApp {
  app: INestApplication;
  base: string;
}

/**
 * The sample app as main.ts builds it (its AppModule and configureApp) from the current
 * environment, listening on 127.0.0.1, port 0. Logs go to `logger` (none by default).
 */
export async function startSample(logger: LoggerService | false = false): Promise<SampleApp> {
  const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
  const app = configureApp(moduleRef.createNestApplication({ logger }));
  await app.listen(0, '127.0.0.1');
  return { app, base: (await app.getUrl()).replace('[::1]', '127.0.0.1') };
}

/**
 * The sample app with its `offline` engine replaced by one configured with `config`, whose
 * requests the spec can see (`offline.lastRequest`, `offline.requests`).
 */
export async function startOfflineSample(config: OfflineEngineConfig): Promise<SampleApp & { offline: OfflineDriver }> {
  const sample = await startSample();
  const offline = new OfflineDriver('offline', config);
  sample.app.get(EngineService).register('offline', offline);
  return { ...sample, offline };
}

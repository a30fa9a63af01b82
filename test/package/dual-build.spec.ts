import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * An app may load both builds in one process (a CommonJS dependency requires the package, the
 * app imports it). They share their state: the module's injection tokens, the SSE reporter
 * storage, and `instanceof` of every engine and client error works across them. Plain Node,
 * not Jest (whose module registry is not Node's).
 */
const root = join(import.meta.dirname, '..', '..');

function run(script: string): unknown {
  return JSON.parse(execFileSync(process.execPath, ['--input-type=commonjs', '-e', script], { cwd: root, encoding: 'utf8' }));
}

describe('the CommonJS and ESM builds in one process', () => {
  let result: Record<string, unknown>;

  beforeAll(() => {
    result = run(`
      const cjs = require('./dist/cjs/index.js');
      const cjsClient = require('./dist/cjs/client/index.js');
      const cjsTesting = require('./dist/cjs/testing/index.js');
      const cjsErrors = require('./dist/cjs/errors/index.js');
      Promise.all([import('./dist/index.js'), import('./dist/client/index.js'), import('./dist/testing/index.js'), import('./dist/errors/index.js')]).then(([esm, esmClient, esmTesting, esmErrors]) => {
        const fromCjs = new cjs.RateLimitException('slow down', { retryAfter: 1000 });
        const fromEsm = new esmErrors.MemoryConnectionException('down');
        const tokens = (m) => m.BuppleEngineModule.forRoot({ engine: { offline: true } }).providers.map((p) => p.provide);
        console.log(JSON.stringify({
          twoCopies: cjs.EngineService !== esm.EngineService,
          cjsErrorIsEsmEngineException: fromCjs instanceof esm.EngineException,
          cjsErrorIsEsmRateLimit: fromCjs instanceof esm.RateLimitException,
          cjsErrorIsNotEsmValidation: !(fromCjs instanceof esm.ValidationException),
          esmErrorIsCjsMemoryException: fromEsm instanceof cjsErrors.MemoryException && fromEsm instanceof cjs.EngineException,
          esmErrorIsNotCjsRateLimit: !(fromEsm instanceof cjs.RateLimitException),
          plainErrorIsNot: !(new Error('x') instanceof esm.EngineException) && !({ code: 'rate_limit' } instanceof cjs.EngineException),
          clientErrors: new cjsClient.StreamHttpError(429, { code: 'rate_limit', message: 'x' }) instanceof esmClient.StreamClientError,
          optionsToken: typeof esm.ENGINE_MODULE_OPTIONS === 'symbol' && esm.ENGINE_MODULE_OPTIONS === cjs.ENGINE_MODULE_OPTIONS,
          sameProviderTokens: JSON.stringify(tokens(esm).map(String)) === JSON.stringify(tokens(cjs).map(String)) && tokens(esm).every((t, i) => t === tokens(cjs)[i]),
          testingLoads: typeof cjsTesting.scriptedEngine === 'function' && typeof esmTesting.scriptedEngine === 'function',
        }));
      });
    `) as Record<string, unknown>;
  }, 60_000);

  it('are two copies of the code', () => expect(result.twoCopies).toBe(true));
  it('share the module options token', () => expect(result.optionsToken).toBe(true));
  it('register the same provider tokens', () => expect(result.sameProviderTokens).toBe(true));
  it('recognise each other’s engine errors with instanceof, class by class', () => {
    expect(result).toMatchObject({
      cjsErrorIsEsmEngineException: true,
      cjsErrorIsEsmRateLimit: true,
      cjsErrorIsNotEsmValidation: true,
      esmErrorIsCjsMemoryException: true,
      esmErrorIsNotCjsRateLimit: true,
      plainErrorIsNot: true,
    });
  });
  it('recognise each other’s client errors', () => expect(result.clientErrors).toBe(true));
  it('load the testing entry in both formats', () => expect(result.testingLoads).toBe(true));
});

/**
 * The classes themselves are one per build: an app that imports the module from one format and
 * injects `EngineService` (or `MemoryService`, `SseStreams`…) from the other gets the module's
 * one instance, through the aliases each build adds for the other's classes when both are loaded.
 */
describe('a service class of one build injected into an app that imports the module from the other', () => {
  let result: Record<string, Record<string, unknown>>;

  beforeAll(() => {
    result = run(`
      const cjs = require('./dist/cjs/index.js');
      const { Module, Injectable, Inject } = require('@nestjs/common');
      const { NestFactory } = require('@nestjs/core');
      const { firstValueFrom } = require('rxjs');
      import('./dist/index.js').then(async (esm) => {
        const out = {};
        for (const [name, host, injected] of [['cjsModuleEsmClasses', cjs, esm], ['esmModuleCjsClasses', esm, cjs]]) {
          class Consumer {
            constructor(engine, memory, streams) { Object.assign(this, { engine, memory, streams }); }
          }
          Inject(injected.EngineService)(Consumer, undefined, 0);
          Inject(injected.MemoryService)(Consumer, undefined, 1);
          Inject(injected.SseStreams)(Consumer, undefined, 2);
          Injectable()(Consumer);
          class AppModule {}
          Module({ imports: [host.BuppleEngineModule.forRoot({ engine: { offline: { reply: 'Hello from one instance' } } })], providers: [Consumer] })(AppModule);
          try {
            const app = await NestFactory.createApplicationContext(AppModule, { logger: false, abortOnError: false });
            const consumer = app.get(Consumer);
            const answer = await firstValueFrom(consumer.engine.send([{ role: 'user', content: 'hi' }]));
            out[name] = {
              sameEngine: consumer.engine === app.get(host.EngineService) && consumer.engine === app.get(injected.EngineService),
              hostClass: consumer.engine instanceof host.EngineService,
              sameMemory: consumer.memory === app.get(host.MemoryService),
              sameStreams: consumer.streams === app.get(host.SseStreams),
              content: answer.content,
            };
            await app.close();
          } catch (error) {
            out[name] = { error: String(error && error.message) };
          }
        }
        console.log(JSON.stringify(out));
      });
    `) as Record<string, Record<string, unknown>>;
  }, 60_000);

  it.each(['cjsModuleEsmClasses', 'esmModuleCjsClasses'])('%s: the one instance of each service, whichever class names it', (name) => {
    expect(result[name]).toEqual({ sameEngine: true, hostClass: true, sameMemory: true, sameStreams: true, content: 'Hello from one instance' });
  });
});

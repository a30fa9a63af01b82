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

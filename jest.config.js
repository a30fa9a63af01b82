/**
 * Jest runs in ESM mode (NestJS 12 is ESM-only): see the "test" script for NODE_OPTIONS.
 * `BUPPLE_TEST_NESTJS=11` (`npm run test:nest11`) runs the suite on NestJS 11 instead: the
 * @nestjs packages come from .ci/nest11/node_modules (`npm ci --prefix .ci/nest11`), everything
 * else from node_modules; the browser suite runs on NestJS 12 only.
 */
const nest11 = process.env.BUPPLE_TEST_NESTJS === '11';
const NEST11_PACKAGES = '^@nestjs/(common|core|testing|platform-express|platform-fastify|swagger|terminus)(/.*)?$';

export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'json'],
  moduleNameMapper: {
    '^@bupple/nestjs-ai-engine$': '<rootDir>/lib/index.ts',
    '^@bupple/nestjs-ai-engine/(client|testing|memory|drivers|sse|schema|tools|security|errors|integrations)$': '<rootDir>/lib/$1/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
    // CommonJS that require()s NestJS 12's ES modules: bundled as ESM by test/setup/esm-throttler.mjs
    '^@nestjs/throttler$': '<rootDir>/node_modules/.cache/bupple-jest/nestjs-throttler.mjs',
    ...(nest11 ? { [NEST11_PACKAGES]: '<rootDir>/.ci/nest11/node_modules/@nestjs/$1$2' } : {}),
  },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }],
  },
  testMatch: ['<rootDir>/lib/**/*.spec.ts', '<rootDir>/test/**/*.spec.ts', '<rootDir>/test/**/*.e2e-spec.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '/sample/dist/', ...(nest11 ? ['/test/browser/'] : [])],
  testTimeout: 20000,
  // Redis and PostgreSQL: the configured ones, else private ones started for the run
  globalSetup: '<rootDir>/test/setup/global-setup.mjs',
  globalTeardown: '<rootDir>/test/setup/global-teardown.mjs',
};

import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The suite runs on the NestJS major it says it runs on: 12 (node_modules) by default, 11
 * (.ci/nest11/node_modules, see jest.config.js) with BUPPLE_TEST_NESTJS=11 (`npm run test:nest11`).
 */
const expected = Number(process.env.BUPPLE_TEST_NESTJS ?? 12);
const root = join(import.meta.dirname, '..', '..');

describe(`NestJS ${expected}`, () => {
  it.each(['common', 'core', 'platform-express', 'platform-fastify', 'swagger', 'terminus'])(
    'the @nestjs/%s the tests load is the tested major',
    async (name) => {
      const { default: manifest } = await import(`@nestjs/${name}/package.json`, { with: { type: 'json' } });
      expect(Number(manifest.version.split('.')[0])).toBe(expected);
    },
  );

  it('@nestjs/testing comes from the same install', () => {
    // (its exports map hides package.json from import)
    const dir = expected === 11 ? join(root, '.ci', 'nest11', 'node_modules') : join(root, 'node_modules');
    const manifest = JSON.parse(readFileSync(join(dir, '@nestjs', 'testing', 'package.json'), 'utf8'));
    expect(Number(manifest.version.split('.')[0])).toBe(expected);
  });
});

import 'reflect-metadata';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DynamicModule } from '@nestjs/common';
import { Test } from '@nestjs/testing';

/**
 * The ```ts blocks of docs/operations.md are type-checked by test/docs/docs-examples.spec.ts;
 * here the module options they show are validated by compiling a module with them.
 */
const root = join(import.meta.dirname, '..', '..');
const outDir = join(root, 'test-output', 'docs-operations');
const doc = readFileSync(join(root, 'docs', 'operations.md'), 'utf8');
const blocks = [...doc.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1]);

describe('docs/operations.md examples', () => {
  beforeAll(() => {
    rmSync(outDir, { recursive: true, force: true });
    mkdirSync(outDir, { recursive: true });
    blocks.forEach((block, i) => writeFileSync(join(outDir, `example-${i + 1}.ts`), block));
    writeFileSync(
      join(outDir, 'tsconfig.json'),
      JSON.stringify({ extends: '../../tsconfig.json', compilerOptions: { rootDir: '../..', noEmit: true }, include: ['./*.ts'] }),
    );
  });

  it('has examples', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(4);
  });

  it('the module options it shows pass validation (every exported `engine` module boots its options)', async () => {
    const withModule = blocks
      .map((block, i) => ({ block, file: join(outDir, `example-${i + 1}.ts`) }))
      .filter(({ block }) => /export const engine = /.test(block));
    expect(withModule.length).toBeGreaterThanOrEqual(1);
    for (const { file } of withModule) {
      const { engine } = (await import(file)) as { engine: DynamicModule };
      // options are validated when the options provider is created; nothing connects before init
      const moduleRef = await Test.createTestingModule({ imports: [engine] }).compile();
      await moduleRef.close();
    }
  });
});

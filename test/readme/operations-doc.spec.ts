import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Test } from '@nestjs/testing';

/**
 * Every ```ts block of docs/operations.md is written to test-output/docs-operations/ and
 * type-checked against the library; the module options it shows are validated by booting them.
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
    expect(blocks.length).toBeGreaterThanOrEqual(2);
  });

  it('type-check against the library', () => {
    try {
      execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(outDir, 'tsconfig.json')], { encoding: 'utf8' });
    } catch (error) {
      throw new Error(`docs/operations.md examples do not compile:\n${(error as { stdout?: string }).stdout}`, { cause: error });
    }
  }, 60_000);

  it('the module options it shows pass validation (every exported `engine` module boots its options)', async () => {
    const withModule = blocks.map((block, i) => ({ block, file: join(outDir, `example-${i + 1}.ts`) })).filter(({ block }) => /export const engine = /.test(block));
    expect(withModule.length).toBeGreaterThanOrEqual(1);
    for (const { file } of withModule) {
      const { engine } = (await import(file)) as { engine: Parameters<typeof Test.createTestingModule>[0]['imports'][number] };
      // options are validated when the options provider is created; nothing connects before init
      const moduleRef = await Test.createTestingModule({ imports: [engine] }).compile();
      await moduleRef.close();
    }
  });
});

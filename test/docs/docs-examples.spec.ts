import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Every ```ts block of every `docs/*.md` page is written to test-output/docs/<page>/ and
 * type-checked against the library (a block fenced ```ts fragment is left out: use it only
 * for a piece that cannot stand alone, such as one method of a class shown whole elsewhere).
 * An example may import './app.module.js': the README's quick start module. The module, service
 * and driver examples are also run, by test/readme/readme-examples.spec.ts; the blocks of the
 * other languages (json, SSE text, shell, js, html, sql) are checked by docs-blocks.e2e-spec.ts.
 */
const root = join(import.meta.dirname, '..', '..');
const docsDir = join(root, 'docs');
const outDir = join(root, 'test-output', 'docs');
const pages = existsSync(docsDir) ? readdirSync(docsDir).filter((name) => name.endsWith('.md')) : [];
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const quickStart = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)]
  .map((match) => match[1])
  .find((block) => block.includes("// Browser: new EventSource('/chat/stream?message=Hello')"));
const blocksOf = (page: string) => [...readFileSync(join(docsDir, page), 'utf8').matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1]);

describe('docs/ examples', () => {
  beforeAll(() => {
    rmSync(outDir, { recursive: true, force: true });
    for (const page of pages) {
      const dir = join(outDir, page.replace(/\.md$/, ''));
      mkdirSync(dir, { recursive: true });
      blocksOf(page).forEach((block, i) => writeFileSync(join(dir, `example-${i + 1}.ts`), block));
      writeFileSync(join(dir, 'app.module.ts'), quickStart ?? '');
    }
    mkdirSync(outDir, { recursive: true });
    writeFileSync(
      join(outDir, 'tsconfig.json'),
      JSON.stringify({ extends: '../../tsconfig.json', compilerOptions: { rootDir: '../..', noEmit: true }, include: ['./*/*.ts'] }),
    );
  });

  it('has pages with examples', () => {
    expect(quickStart).toBeDefined();
    expect(pages.length).toBeGreaterThan(0);
    expect(pages.some((page) => blocksOf(page).length > 0)).toBe(true);
  });

  it('type-check against the library', () => {
    try {
      execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(outDir, 'tsconfig.json')], { encoding: 'utf8' });
    } catch (error) {
      const output = String((error as { stdout?: string }).stdout).replaceAll(/test-output\/docs\/([^/]+)\/example-(\d+)\.ts/g, 'docs/$1.md (```ts block $2)');
      throw new Error(
        `docs/ examples do not compile (a complete example needs its imports; fence a piece that cannot stand alone as \`\`\`ts fragment):\n${output}`,
        { cause: error },
      );
    }
  }, 120_000);
});

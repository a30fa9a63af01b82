// @nestjs/throttler ships CommonJS that require()s @nestjs/common. Node (>= 20.19) loads that on
// NestJS 12 (ESM only) through require(esm), but Jest's ESM mode can only do so on Node >= 24.9.
// So, for the test run only, the package is re-bundled as one ES module whose imports of NestJS,
// reflect-metadata and Node's built-ins stay imports (jest.config.js maps `@nestjs/throttler`
// to it). The code run is the package's own, unchanged.
import { mkdirSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const ESM_THROTTLER = join(root, 'node_modules', '.cache', 'bupple-jest', 'nestjs-throttler.mjs');

const builtins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));
const external = (path) => builtins.has(path) || /^(@nestjs\/(common|core)|reflect-metadata)(\/.*)?$/.test(path);

export async function bundleThrottlerAsEsm() {
  mkdirSync(dirname(ESM_THROTTLER), { recursive: true });
  // the names the package exports, read from the package itself (Node loads it through require(esm))
  const names = Object.keys(await import('@nestjs/throttler')).filter((name) => name !== 'default' && /^[A-Za-z_$][\w$]*$/.test(name));
  await build({
    stdin: {
      contents: `import throttler from '@nestjs/throttler';\nexport const { ${names.join(', ')} } = throttler;\n`,
      resolveDir: root,
      sourcefile: 'nestjs-throttler-esm.mjs',
    },
    absWorkingDir: root,
    bundle: true,
    format: 'esm',
    platform: 'node',
    outfile: ESM_THROTTLER,
    logLevel: 'warning',
    plugins: [
      {
        name: 'imports-stay-imports',
        setup(b) {
          // a require() of an external becomes a require() of a tiny module that re-exports it with `import`
          b.onResolve({ filter: /.*/ }, (args) => {
            if (!external(args.path)) return undefined;
            return args.namespace === 'reexport' ? { path: args.path, external: true } : { path: args.path, namespace: 'reexport' };
          });
          b.onLoad({ filter: /.*/, namespace: 'reexport' }, (args) => ({ contents: `export * from ${JSON.stringify(args.path)};`, resolveDir: root }));
        },
      },
    ],
  });
}

// `npm run build`: the ESM build (dist/) and the CommonJS build (dist/cjs/) of lib/, from
// one list of entry points: the `exports` map of package.json. Each `./name` entry is
// lib/name/index.ts ("." is lib/index.ts); this checks that both builds have it and that
// `typesVersions` (TypeScript's `moduleResolution: node10`) names it too.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');

/** What package.json must say for one entry point: `.` or `./client`. */
export function entryManifest(entry) {
  const base = entry === '.' ? '' : `${entry.slice(2)}/`;
  return {
    import: { types: `./dist/${base}index.d.ts`, default: `./dist/${base}index.js` },
    require: { types: `./dist/cjs/${base}index.d.ts`, default: `./dist/cjs/${base}index.js` },
  };
}

const entries = Object.keys(manifest.exports).filter((key) => key !== './package.json');
const problems = [];
for (const entry of entries) {
  const want = entryManifest(entry);
  const source = join(root, 'lib', entry === '.' ? '' : entry.slice(2), 'index.ts');
  if (!existsSync(source)) problems.push(`exports["${entry}"]: ${source} does not exist`);
  if (JSON.stringify(manifest.exports[entry]) !== JSON.stringify(want)) {
    problems.push(`exports["${entry}"] must be ${JSON.stringify(want)}`);
  }
  if (entry !== '.') {
    const name = entry.slice(2);
    const types = manifest.typesVersions?.['*']?.[name];
    if (JSON.stringify(types) !== JSON.stringify([want.require.types])) problems.push(`typesVersions["*"]["${name}"] must be ["${want.require.types}"]`);
  }
}
if (problems.length > 0) {
  console.error(`package.json does not match its entry points:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}

rmSync(join(root, 'dist'), { recursive: true, force: true });
for (const config of ['tsconfig.build.json', 'tsconfig.build-cjs.json']) {
  execFileSync(process.execPath, [tsc, '-p', join(root, config)], { stdio: 'inherit', cwd: root });
}
// dist/cjs/*.js are CommonJS (the package is "type": "module"), and so are its .d.ts files
writeFileSync(join(root, 'dist', 'cjs', 'package.json'), '{\n  "type": "commonjs"\n}\n');
const missing = entries
  .flatMap((entry) => Object.values(entryManifest(entry)).flatMap((format) => Object.values(format)))
  .filter((file) => !existsSync(join(root, file)));
if (missing.length > 0) {
  console.error(`the build did not produce: ${missing.join(', ')}`);
  process.exit(1);
}
console.log(`built ${entries.length} entry points (${entries.join(', ')}) as ESM (dist/) and CommonJS (dist/cjs/)`);

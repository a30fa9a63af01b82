#!/usr/bin/env node
// Consumer tests: the package as users get it. `npm pack`s the built package, then for each app
// of .ci/consumer/apps/ (NestJS 11 CommonJS + Jest, NestJS 12 ESM + Vitest, NestJS 12 ESM + Jest
// with the offline engine only) generates the app in a temporary folder, installs the tarball
// (any peer-dependency conflict fails the install: --strict-peer-deps, then `npm ls`), builds
// it, imports every entry point of the package (src/entry-points.ts, under the app's module
// resolution and format), boots it and streams a GET SSE answer, checks its POST route answers 400 on bad input,
// and runs the "Testing your app" file of docs/testing.md verbatim with the runner configuration
// from the same page.
//
// The apps' files: src/main.ts and package.json/tsconfig from the app folder; src/app.module.ts
// is the README's quick start; test/chat.spec.ts is docs/testing.md's test file; the runner config
// is the block of docs/testing.md that starts with `// <file name>`.
//
// Usage: node .ci/consumer/run.mjs [app…]   (after `npm run build`; keeps nothing but logs)
// Env: BUPPLE_CONSUMER_KEEP=1 keeps the temporary folder.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');
const appsDir = join(import.meta.dirname, 'apps');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const testingDoc = readFileSync(join(root, 'docs', 'testing.md'), 'utf8');

/** The apps, what each runs its tests with, and which docs/testing.md file configures it. */
const APPS = {
  'nest11-cjs-jest': { nest: 11, format: 'CommonJS', runner: 'Jest (ts-jest default CommonJS preset)', config: 'jest.config.cjs' },
  'nest12-esm-vitest': { nest: 12, format: 'ESM', runner: 'Vitest (SWC)', config: 'vitest.config.ts' },
  'nest12-esm-jest-offline': { nest: 12, format: 'ESM', runner: 'Jest (ts-jest ESM preset)', config: 'jest.config.js', offlineOnly: true },
};
const OPTIONAL_PACKAGES = ['openai', '@anthropic-ai/sdk', 'ioredis', 'pg'];

function block(text, needle, what) {
  const blocks = [...text.matchAll(/```(?:ts|js)(?: fragment)?\n([\s\S]*?)```/g)].map((match) => match[1]);
  const found = blocks.filter((b) => needle(b));
  if (found.length !== 1) throw new Error(`expected one ${what}, found ${found.length}`);
  return found[0];
}

const quickStart = block(readme, (b) => b.includes("// Browser: new EventSource('/chat/stream?message=Hello')"), 'README quick start block');
const testFile = block(
  testingDoc,
  (b) => b.includes("from '@bupple/nestjs-ai-engine/testing'") && b.includes("describe('chat stream'"),
  'docs/testing.md "Testing your app" block',
);
const docConfig = (name) => block(testingDoc, (b) => b.startsWith(`// ${name}\n`), `docs/testing.md block "// ${name}"`);

function log(message) {
  process.stdout.write(`${message}\n`);
}

/** Runs a command in `cwd`; throws with its output when it fails. */
function run(cwd, command, args, { env = {}, timeoutMs = 600_000 } = {}) {
  const started = Date.now();
  const result = spawnSync(command, args, { cwd, env: { ...process.env, ...env }, encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 << 20 });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  if (result.status !== 0) {
    throw new Error(`\`${command} ${args.join(' ')}\` failed in ${cwd} (${result.error?.message ?? `exit ${result.status}`}):\n${output}`);
  }
  log(`   ${command} ${args.join(' ')}: ok (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  return output;
}

/** Boots `node dist/main.js`, streams GET /chat/stream and POSTs bad input; always stops the app. */
async function bootAndStream(cwd) {
  const child = spawn(process.execPath, ['dist/main.js'], { cwd, env: { ...process.env, PORT: '0', OPENAI_API_KEY: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (data) => (output += data));
  child.stderr.on('data', (data) => (output += data));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    const url = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the app did not start in 30 s:\n${output}`)), 30_000);
      const check = () => {
        const match = /listening on (http:\/\/\S+)/.exec(output);
        if (match) {
          clearTimeout(timer);
          resolve(match[1].replace('[::1]', '127.0.0.1'));
        }
      };
      child.stdout.on('data', check);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the app exited (${code}) before listening:\n${output}`));
      });
    });
    const response = await fetch(`${url}/chat/stream?message=Hello`, { signal: AbortSignal.timeout(20_000) });
    const text = await response.text();
    const events = [...text.matchAll(/^event: (\S+)$/gm)].map((match) => match[1]);
    const content = [...text.matchAll(/^event: content\r?\ndata: (.*)$/gm)].map((match) => JSON.parse(match[1]).content).join('');
    if (response.status !== 200 || !response.headers.get('content-type')?.startsWith('text/event-stream')) {
      throw new Error(`GET /chat/stream answered ${response.status} ${response.headers.get('content-type')}:\n${text}`);
    }
    if (events[0] !== 'start' || events.at(-1) !== 'complete' || !events.includes('content') || !content.includes('Hello')) {
      throw new Error(`GET /chat/stream did not stream start, content…, complete with the answer:\n${text}`);
    }
    const bad = await fetch(`${url}/chat`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    const badBody = await bad.json();
    if (bad.status !== 400 || badBody.code !== 'invalid_request') throw new Error(`POST /chat {} answered ${bad.status} ${JSON.stringify(badBody)}`);
    log(
      `   booted, GET /chat/stream: ${events.length} events (${events.filter((e) => e === 'content').length} content, "${content.slice(0, 40)}…"), POST /chat {}: 400`,
    );
  } finally {
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }
}

const ENTRY_POINTS = Object.keys(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).exports).filter((key) => key !== './package.json');

/** src/entry-points.ts: imports every entry point of the package, as the app's TypeScript and Node resolve it. */
function entryPointsFile() {
  const lines = ENTRY_POINTS.map((entry, i) => `import * as entry${i} from '@bupple/nestjs-ai-engine${entry.slice(1)}';`);
  const counts = ENTRY_POINTS.map((entry, i) => `  '${entry}': Object.keys(entry${i}).length,`);
  return `${lines.join('\n')}\n\nconsole.log(JSON.stringify({\n${counts.join('\n')}\n}));\n`;
}

/** Runs the built src/entry-points.ts: every entry point loads in the app's format and exports values. */
function checkEntryPoints(cwd) {
  const output = run(cwd, process.execPath, ['dist/entry-points.js']);
  const counts = JSON.parse(output.split('\n').findLast((line) => line.startsWith('{')) ?? '{}');
  const empty = ENTRY_POINTS.filter((entry) => !(counts[entry] > 0));
  if (empty.length > 0) throw new Error(`entry points with no exports in this app: ${empty.join(', ')}`);
  log(`   entry points: ${ENTRY_POINTS.map((entry) => `${entry} (${counts[entry]})`).join(', ')}`);
}

/** Passed/failed test counts from Jest's or Vitest's summary. */
function testCounts(output) {
  // eslint-disable-next-line no-control-regex -- ANSI colour codes
  const clean = output.replace(/\x1b\[[0-9;]*m/g, '');
  const jest = /^Tests:\s+(.*)$/m.exec(clean);
  if (jest) return jest[1].trim();
  const vitest = /^\s*Tests\s+(.*)$/m.exec(clean);
  return vitest ? vitest[1].trim() : 'unknown';
}

async function testApp(name, work, tarball) {
  const app = APPS[name];
  const dir = join(work, name);
  log(`\n== consumer app ${name}: NestJS ${app.nest}, ${app.format}, ${app.runner}`);
  cpSync(join(appsDir, name), dir, { recursive: true });
  writeFileSync(join(dir, 'src', 'app.module.ts'), quickStart);
  mkdirSync(join(dir, 'test'), { recursive: true });
  writeFileSync(join(dir, 'test', 'chat.spec.ts'), testFile);
  writeFileSync(join(dir, app.config), docConfig(app.config));
  writeFileSync(join(dir, 'src', 'entry-points.ts'), entryPointsFile());

  // the tarball and the app's own dependencies in one install: npm resolves every peer range
  const install = run(dir, 'npm', ['install', '--strict-peer-deps', '--no-audit', '--no-fund', tarball]);
  if (/ERESOLVE|peer dep|conflicting peer/i.test(install)) throw new Error(`npm reported a peer-dependency problem:\n${install}`);
  run(dir, 'npm', ['ls', '--all']); // exits non-zero on a missing or invalid (peer) dependency
  const installed = JSON.parse(readFileSync(join(dir, 'node_modules', '@nestjs', 'core', 'package.json'), 'utf8')).version;
  if (Number(installed.split('.')[0]) !== app.nest) throw new Error(`expected NestJS ${app.nest}, got ${installed}`);
  if (app.offlineOnly) {
    const present = OPTIONAL_PACKAGES.filter((pkg) => existsSync(join(dir, 'node_modules', pkg)));
    if (present.length > 0) throw new Error(`an offline-only app got optional packages installed: ${present.join(', ')}`);
  }
  const format = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).type === 'module' ? 'ESM' : 'CommonJS';
  if (format !== app.format) throw new Error(`${name} is ${format}, not ${app.format}`);

  run(dir, 'npm', ['run', 'build']);
  run(dir, 'npm', ['run', 'typecheck']);
  checkEntryPoints(dir);
  await bootAndStream(dir);
  const output = run(dir, 'npm', ['test']);
  const counts = testCounts(output);
  log(`   docs/testing.md test file: ${counts}`);
  return { name, nest: installed, format: app.format, runner: app.runner, tests: counts };
}

async function main() {
  const wanted = process.argv.slice(2);
  const names = wanted.length > 0 ? wanted : Object.keys(APPS);
  for (const name of names) if (!APPS[name] || !existsSync(join(appsDir, name))) throw new Error(`unknown consumer app ${name}`);
  if (!existsSync(join(root, 'dist', 'cjs', 'index.js'))) throw new Error('dist/ is not built: run `npm run build` first');

  const work = mkdtempSync(join(tmpdir(), 'bupple-consumer-'));
  const started = Date.now();
  try {
    const packed = JSON.parse(run(root, 'npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work]).replace(/^[^[]*/, ''));
    const tarball = join(work, packed[0].filename);
    log(`   packed ${packed[0].filename}: ${packed[0].entryCount} files, ${(packed[0].size / 1024).toFixed(0)} kB`);
    const results = [];
    for (const name of names) results.push(await testApp(name, work, tarball));
    log(`\n== consumer matrix (${((Date.now() - started) / 1000).toFixed(0)} s)`);
    for (const r of results) log(`   NestJS ${r.nest} x ${r.format} x ${r.runner}: ${r.tests}`);
  } finally {
    if (process.env.BUPPLE_CONSUMER_KEEP === '1') log(`kept ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(`\nconsumer tests failed: ${error.message}`);
  process.exit(1);
});

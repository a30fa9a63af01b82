import { execFileSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The sample serves dist/client/ as static files to a browser, which loads it as a plain ES
 * module: the built client may import nothing but its own files, by relative path. This
 * builds lib/client alone into an empty folder (no node_modules anywhere above it), vendors the
 * protocol files it imports from lib/protocol/ the way `npm run build` does
 * (scripts/bundle-client.mjs), removes everything but the client folder, and runs it.
 */
const root = join(import.meta.dirname, '..', '..');
let build: string;
let out: string;

beforeAll(async () => {
  build = mkdtempSync(join(tmpdir(), 'bupple-client-'));
  out = join(build, 'client');
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const config = join(build, '..', `${build.split(/[\\/]/).pop()}.tsconfig.json`);
  // DOM and ES2022 only, no @types/node: a Node-only API in the client would not compile
  writeFileSync(
    config,
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        lib: ['ES2022', 'DOM'],
        types: [],
        strict: true,
        declaration: true,
        rootDir: join(root, 'lib'),
        outDir: build,
      },
      files: [join(root, 'lib', 'client', 'index.ts')],
    }),
  );
  try {
    execFileSync(process.execPath, [tsc, '-p', config], { encoding: 'utf8', cwd: root });
  } catch (error) {
    throw new Error(`lib/client does not build for the browser alone:\n${(error as { stdout?: string }).stdout}`, { cause: error });
  } finally {
    rmSync(config, { force: true });
  }
  const { bundleClient } = (await import(pathToFileURL(join(root, 'scripts', 'bundle-client.mjs')).href)) as { bundleClient(dist: string): string[] };
  expect(bundleClient(build)).toEqual(['event-id', 'events', 'retry', 'sse-parser', 'ui-message-resets']);
  rmSync(join(build, 'protocol'), { recursive: true, force: true });
  writeFileSync(join(out, 'package.json'), '{"type":"module"}');
}, 60_000);

afterAll(() => rmSync(build, { recursive: true, force: true }));

describe('the built client', () => {
  it('imports only its own files, by relative path', () => {
    const files = readdirSync(out).filter((name) => name.endsWith('.js'));
    expect(files).toEqual(
      expect.arrayContaining([
        'index.js',
        'chat-stream.js',
        'sse-parser.js',
        'stream-errors.js',
        'stream-events.js',
        'protocol-sse-parser.js',
        'protocol-events.js',
        'protocol-ui-message-resets.js',
      ]),
    );
    expect(readdirSync(build)).toEqual(['client']);
    const specifiers = files.flatMap((name) =>
      [...readFileSync(join(out, name), 'utf8').matchAll(/(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)].map(
        (match) => ({ file: name, specifier: match[1] ?? match[2] }),
      ),
    );
    expect(specifiers.length).toBeGreaterThan(0);
    const outside = specifiers.filter(({ specifier }) => !/^\.\/[a-z0-9-]+\.js$/.test(specifier) || !files.includes(specifier.slice(2)));
    expect(outside).toEqual([]);
  });

  it('runs from its folder alone: parses a stream split inside a UTF-8 character, drops a UI message try a reset took back', () => {
    const script = `
      import { parseSse, streamChat, StreamHttpError, withoutDiscardedTries } from './index.js';
      const bytes = new TextEncoder().encode('id: s-1\\r\\nevent: content\\r\\ndata: {"content":"wörld 🙂"}\\r\\n\\r\\n');
      const events = parseSse([bytes.slice(0, 40), bytes.slice(40)]);
      const shown = withoutDiscardedTries({ parts: [{ type: 'text', text: 'lost' }, { type: 'data-retry', data: { reset: true } }, { type: 'text', text: 'kept' }] });
      console.log(JSON.stringify({ events, client: typeof streamChat, error: new StreamHttpError(429, { code: 'rate_limit', message: 'slow down' }, 1000).code, shown: shown.parts.map((p) => p.type) }));
    `;
    const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: out, encoding: 'utf8' });
    expect(JSON.parse(output)).toEqual({
      events: [{ id: 's-1', lastEventId: 's-1', event: 'content', data: '{"content":"wörld 🙂"}' }],
      client: 'function',
      error: 'rate_limit',
      shown: ['data-retry', 'text'],
    });
  });
});

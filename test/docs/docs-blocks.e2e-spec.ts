import 'reflect-metadata';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { Test } from '@nestjs/testing';
import { BuppleEngineModule, type BuppleEngineModuleOptions } from '@bupple/nestjs-ai-engine';
import * as browserClient from '@bupple/nestjs-ai-engine/client';
import { engineMemorySchemaSql } from '@bupple/nestjs-ai-engine/memory';
import { parseEventId, parseSse, STREAM_EVENT_NAMES } from '../../lib/protocol/index.js';
import { freePort, SampleProcess } from '../browser/harness.js';
import { REDIS_UNAVAILABLE, REDIS_URL, uniqueSuffix } from '../memory/services.js';

/**
 * Every fenced block of README.md and docs/*.md that is not TypeScript is checked here, by its
 * language (```ts blocks are type-checked by docs-examples.spec.ts and readme-examples.spec.ts,
 * which also run the runnable ones; ```ts fragment is a piece that cannot stand alone):
 *
 * - `json`: parsed, and compared with what the code answers (the health answer: the sample's
 *   `GET /health` on Redis).
 * - `text` showing SSE (only `id:`, `event:`, `data:`, `retry:` and comment lines): parsed by the
 *   library's own parser; every name is one of the protocol's events, every id ours and in
 *   sequence, and the events have the names and data fields of a real stream of the sample.
 * - other `text` is program output, and each kind says how it is checked: the validation error
 *   is produced again from the options the page names; a span tree (printed by an OpenTelemetry
 *   test exporter, whose ids and timings vary) is not run here, its spans are asserted by
 *   test/ops/telemetry.e2e-spec.ts, and every attribute it shows must be one the library sets.
 * - `bash` / `sh`: every `npm run X` names a script, every repository path exists, `npm install`
 *   names the package and its peers, and each `curl` against the sample (127.0.0.1:3000) is run
 *   against the sample as `npm start` runs it (the built sample/dist/main.js in a child process,
 *   as the browser specs boot it: `npm test` builds it first) and must get the status its
 *   comment starts with. A curl against a provider is not run (it needs a key and the network).
 * - `js`: the test-runner configs of docs/testing.md: valid JavaScript (`node --check`), and
 *   used as they are by the consumer apps (.ci/consumer/run.mjs, not part of `npm test`).
 * - `html`: the module a page imports is served by the sample and exports the names imported.
 * - `sql`: the schema shown is the one the PostgreSQL store creates.
 *
 * A block of any other language fails: give it a check here first.
 */
const root = join(import.meta.dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  name: string;
  scripts: Record<string, string>;
  peerDependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const run = promisify(execFile);

interface Block {
  /** `docs/x.md:12` (the fence line). */
  where: string;
  lang: string;
  text: string;
}

/** The fenced blocks of a page, dedented by their fence's indentation. */
function blocksOf(file: string): Block[] {
  const lines = readFileSync(join(root, file), 'utf8').split('\n');
  const out: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```(.*)$/.exec(lines[i]);
    if (!open) continue;
    const indent = open[1].length;
    let end = i + 1;
    while (end < lines.length && !/^\s*```\s*$/.test(lines[end])) end++;
    const text = lines
      .slice(i + 1, end)
      .map((line) => line.slice(Math.min(indent, line.length - line.trimStart().length)))
      .join('\n');
    out.push({ where: `${file}:${i + 1}`, lang: open[2].trim(), text: `${text}\n` });
    i = end;
  }
  return out;
}

const files = [
  'README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`),
];
const blocks = files.flatMap(blocksOf);
const ofLang = (...langs: string[]) => blocks.filter((block) => langs.includes(block.lang));

const isSseWire = (text: string) => text.split('\n').every((line) => line === '' || line.startsWith(':') || /^(id|event|data|retry):/.test(line));
const TEXT_KINDS: [kind: 'validation' | 'spans', starts: RegExp][] = [
  ['validation', /^Invalid BuppleEngineModule options:\n/],
  ['spans', /^chat [^\n]*\[gen_ai\./],
];
const textKind = (block: Block) => (isSseWire(block.text) ? 'sse' : TEXT_KINDS.find(([, starts]) => starts.test(block.text))?.[0]);

/** Shell words of one command line (quotes, `\` line continuations), with `#` comments apart. */
function shellWords(line: string): { words: string[]; comment: string } {
  const words: string[] = [];
  let word: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === "'" || c === '"') {
      const close = line.indexOf(c, i + 1);
      word = (word ?? '') + line.slice(i + 1, close);
      i = close;
    } else if (c === ' ' || c === '\t') {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if (c === '#' && word === undefined) {
      return { words, comment: line.slice(i + 1).trim() };
    } else word = (word ?? '') + c;
  }
  if (word !== undefined) words.push(word);
  return { words, comment: '' };
}

/** The commands of a shell block: lines joined at `\`, split at `&&`, `|` and `;`. */
function commandsOf(text: string): { words: string[]; comment: string; line: string }[] {
  return text
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .flatMap((line) => {
      const { words, comment } = shellWords(line);
      const commands: string[][] = [[]];
      for (const w of words) {
        if (w === '&&' || w === '|' || w === ';') commands.push([]);
        else commands.at(-1)!.push(w);
      }
      return commands.filter((c) => c.length > 0).map((c) => ({ words: c, comment, line }));
    });
}

const SAMPLE_ORIGIN = 'http://127.0.0.1:3000';

describe('docs/ and README blocks that are not TypeScript', () => {
  let sample: SampleProcess;
  let base: string;

  beforeAll(async () => {
    // the sample as `npm start` runs it (offline engine), its memory and replay stores on Redis
    sample = new SampleProcess(await freePort(), {
      BUPPLE_ENGINE_OFFLINE_TOKEN_DELAY_MS: '0',
      ...(!REDIS_UNAVAILABLE && {
        BUPPLE_MEMORY_DRIVER: 'redis',
        BUPPLE_MEMORY_REDIS_URL: REDIS_URL,
        BUPPLE_MEMORY_REDIS_KEY: `docs-blocks-${uniqueSuffix()}`,
        BUPPLE_SSE_REPLAY_DRIVER: 'redis',
        BUPPLE_SSE_REPLAY_REDIS_URL: REDIS_URL,
      }),
    });
    await sample.start();
    base = sample.url;
  }, 20_000);

  afterAll(() => sample?.kill('SIGTERM'));

  it('every block has a language that is checked (here, or by the TypeScript specs)', () => {
    const checked = new Set(['ts', 'ts fragment', 'json', 'text', 'bash', 'sh', 'js', 'html', 'sql']);
    expect(blocks.filter((block) => !checked.has(block.lang)).map((block) => `${block.where} [${block.lang || 'no language'}]`)).toEqual([]);
    expect(
      ofLang('text')
        .filter((block) => textKind(block) === undefined)
        .map((block) => block.where),
    ).toEqual([]);
    for (const lang of ['json', 'text', 'bash', 'js', 'html', 'sql']) expect(ofLang(lang).length).toBeGreaterThan(0);
  });

  it('json blocks parse, and the health answer is what the sample answers', async () => {
    const parsed = ofLang('json').map((block) => ({ block, value: JSON.parse(block.text) as Record<string, unknown> }));
    const health = parsed.filter(({ block }) => block.where.startsWith('docs/health-and-openapi.md'));
    // every json block is one of those compared below
    expect(health.length).toBe(parsed.length);
    const response = await fetch(`${base}/health`);
    expect(response.status).toBe(200);
    const answer = (await response.json()) as Record<string, unknown>;
    if (REDIS_UNAVAILABLE) expect(answer).toMatchObject({ status: 'ok' });
    else for (const { value } of health) expect(answer).toMatchObject(value);
  });

  it('SSE wire examples parse, name protocol events with our ids, and have the shape of a real stream', async () => {
    const examples = ofLang('text', 'http').filter((block) => textKind(block) === 'sse');
    expect(examples.length).toBeGreaterThan(0);
    const real = await fetch(`${base}/chat/stream?message=Hello`);
    expect(real.status).toBe(200);
    const realText = await real.text();
    const realEvents = parseSse(realText);
    const fieldsOf = (events: ReturnType<typeof parseSse>) =>
      Object.fromEntries(
        events.map((e) => {
          const data = JSON.parse(e.data) as Record<string, unknown>;
          const usage = data.usage as Record<string, unknown> | null | undefined;
          return [e.event, [...Object.keys(data), ...(usage ? Object.keys(usage).map((key) => `usage.${key}`) : [])].sort()];
        }),
      );
    for (const { where, text } of examples) {
      // the closing fence stands for the blank line that ends the last event
      const events = parseSse(`${text}\n`);
      expect({ where, events: events.length > 0 }).toEqual({ where, events: true });
      expect({ where, unknown: events.map((e) => e.event).filter((name) => !(STREAM_EVENT_NAMES as readonly string[]).includes(name)) }).toEqual({
        where,
        unknown: [],
      });
      const ids = events.map((e) => parseEventId(e.id));
      const streamId = (JSON.parse(events[0].data) as { streamId?: string }).streamId;
      expect({ where, ids }).toEqual({ where, ids: events.map((_, i) => ({ streamId, seq: i + 1 })) });
      // a stream id as the server makes them (16 URL-safe characters)
      expect(streamId).toMatch(/^[A-Za-z0-9_-]{16}$/);
      if (text.startsWith('retry:')) expect(realText.startsWith(text.slice(0, text.indexOf('\n\n') + 2))).toBe(true);
      // the same event names, in the same order of kinds, with the same data fields as the sample's answer
      const kinds = (names: string[]) => names.filter((name, i) => name !== names[i - 1]);
      expect(kinds(events.map((e) => e.event))).toEqual(kinds(realEvents.map((e) => e.event)));
      expect({ where, fields: fieldsOf(events) }).toEqual({ where, fields: fieldsOf(realEvents) });
    }
  });

  it('the validation error shown is what the module throws for the options the page names', async () => {
    const [block, ...more] = ofLang('text').filter((b) => textKind(b) === 'validation');
    expect(more).toEqual([]);
    // docs/engine.md names these options above the block
    const options = { engine: { default: 'claude', openai: { temperature: 5 }, offline: true, opneai: { apiKey: 'sk-docs-0000' } } };
    expect(readFileSync(join(root, 'docs', 'engine.md'), 'utf8')).toContain(
      "`engine: { default: 'claude', openai: { temperature: 5 }, offline: true, opneai: { apiKey: 'sk-…' } }`",
    );
    const error = await Test.createTestingModule({ imports: [BuppleEngineModule.forRoot(options as unknown as BuppleEngineModuleOptions)] })
      .compile()
      .then(
        () => undefined,
        (e: unknown) => e as Error,
      );
    expect(error?.name).toBe('EngineConfigurationException');
    expect(`${error?.message}\n`).toBe(block.text);
  });

  it('the span trees show attributes and events the library sets (not run: ids and timings vary; test/ops/telemetry.e2e-spec.ts asserts the spans)', () => {
    const trees = ofLang('text').filter((b) => textKind(b) === 'spans');
    expect(trees.length).toBeGreaterThan(0);
    const sources = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
        entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [join(dir, entry.name)] : [],
      );
    const lib = sources(join(root, 'lib'))
      .map((file) => readFileSync(file, 'utf8'))
      .join('\n');
    for (const { where, text } of trees) {
      const names = new Set([...text.matchAll(/([a-z_]+(?:\.[a-z_]+)+)(?:=|":)/g)].map((match) => match[1]));
      expect(names.size).toBeGreaterThan(3);
      expect({ where, unknown: [...names].filter((name) => !lib.includes(`'${name}'`)) }).toEqual({ where, unknown: [] });
    }
  });

  it('shell blocks: npm scripts exist, repository paths exist, npm install names the package and its peers', () => {
    const problems: string[] = [];
    const known = new Set([pkg.name, ...Object.keys(pkg.peerDependencies), ...Object.keys(pkg.devDependencies)]);
    const isPath = (word: string) => /^\.?[\w.-]+\/[\w./-]*$/.test(word) && !word.startsWith('/');
    for (const block of ofLang('bash', 'sh')) {
      for (const { words: all, line } of commandsOf(block.text)) {
        // leading `NAME=value` words set the environment
        let start = 0;
        while (start < all.length && /^[A-Z_]+=/.test(all[start])) start++;
        const [cmd, ...args] = all.slice(start);
        const say = (what: string) => problems.push(`${block.where}: ${what} (${line.trim()})`);
        for (let i = 0; i < args.length; i++) {
          if (args[i] === '>' || args[i] === '>>') {
            if (!existsSync(join(root, dirname(args[i + 1])))) say(`no folder for ${args[i + 1]}`);
            i++;
          } else if (isPath(args[i]) && !existsSync(join(root, args[i]))) say(`no ${args[i]}`);
        }
        if (cmd === 'npm') {
          const [sub, ...rest] = args;
          if (sub === 'run' && !(rest[0] in pkg.scripts)) say(`no npm script ${rest[0]}`);
          else if ((sub === 'start' || sub === 'test') && !(sub in pkg.scripts)) say(`no npm script ${sub}`);
          else if (sub === 'install' || sub === 'i')
            for (const name of rest.filter((w) => !w.startsWith('-')))
              if (!known.has(name)) say(`${name} is no dependency`);
              else if (!['run', 'start', 'test', 'install', 'i', 'ci'].includes(sub)) say(`npm ${sub} is not checked`);
        } else if (cmd === 'node' || cmd === 'bash') {
          if (!existsSync(join(root, args[0]))) say(`no ${args[0]}`);
        } else if (cmd === 'npx') {
          if (!existsSync(join(root, 'node_modules', '.bin', args[0]))) say(`npx ${args[0]} is not installed`);
        } else if (!['curl', 'sed', 'grep'].includes(cmd)) say(`${cmd} is not checked here`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('curl commands against the sample get the status their comment says, from a booted sample', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'docs-curl-'));
    const results: { where: string; command: string; status: string; expected: string }[] = [];
    try {
      const curls = ofLang('bash', 'sh').flatMap((block) => commandsOf(block.text).map((command) => ({ block, ...command })));
      const sampleCurls = curls.filter(({ words }) => words[0] === 'curl' && words.some((w) => w.startsWith(SAMPLE_ORIGIN)));
      // the others are against a provider (a key and the network): listed, not run
      expect(
        curls
          .filter(({ words }) => words[0] === 'curl' && !sampleCurls.some((c) => c.words === words))
          .every(({ words }) => words.some((w) => /^https:\/\/api\./.test(w))),
      ).toBe(true);
      expect(sampleCurls.length).toBeGreaterThanOrEqual(5);
      for (const [i, { block, words, comment, line }] of sampleCurls.entries()) {
        const expected = /^(\d{3})\b/.exec(comment)?.[1];
        expect({ where: block.where, line, expected: expected !== undefined }).toEqual({ where: block.where, line, expected: true });
        const args = words.slice(1).map((w) => w.replace(SAMPLE_ORIGIN, base));
        const { stdout } = await run('curl', [...args, '--max-time', '15', '-o', join(dir, `body-${i}`), '-w', '%{http_code}']);
        results.push({ where: block.where, command: line.trim(), status: stdout.trim(), expected: expected! });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(results.filter((r) => r.status !== r.expected)).toEqual([]);
  }, 60_000);

  it('js blocks are valid, and the consumer apps use them', async () => {
    const configs = ofLang('js');
    const consumer = readFileSync(join(root, '.ci', 'consumer', 'run.mjs'), 'utf8');
    const dir = mkdtempSync(join(tmpdir(), 'docs-js-'));
    try {
      for (const { where, text } of configs) {
        const name = /^\/\/ (\S+)\n/.exec(text)?.[1];
        expect({ where, name }).toEqual({ where, name: expect.stringMatching(/\.(c?js|mjs)$/) });
        // jest.config.js is an ES module in the ESM apps
        const file = join(dir, name!.replace(/\.js$/, '.mjs'));
        writeFileSync(file, text);
        await run(process.execPath, ['--check', file]);
        expect(consumer).toContain(`'${name}'`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('html: the module a page imports is served by the sample and exports the names imported', async () => {
    for (const { where, text } of ofLang('html')) {
      for (const match of text.matchAll(/import \{([^}]+)\} from '([^']+)'/g)) {
        const names = match[1].split(',').map((name) => name.trim());
        const response = await fetch(`${base}${match[2]}`);
        expect({ where, path: match[2], status: response.status }).toEqual({ where, path: match[2], status: 200 });
        expect(response.headers.get('content-type')).toMatch(/javascript/);
        const served = await response.text();
        for (const name of names) {
          expect(typeof (browserClient as Record<string, unknown>)[name]).toBe('function');
          expect(served).toMatch(new RegExp(`\\b${name}\\b`));
        }
      }
    }
  });

  it('sql: the schema shown is the one the PostgreSQL store creates', () => {
    const [block, ...more] = ofLang('sql');
    expect(more).toEqual([]);
    expect(block.text).toBe(engineMemorySchemaSql());
  });
});

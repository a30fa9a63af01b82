import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Test } from '@nestjs/testing';
import { lastValueFrom, toArray } from 'rxjs';
import { BuppleEngineModule, ConnectionException, EngineService, RateLimitException } from '@bupple/nestjs-ai-engine';
import { dataOf, readSse } from '../utils/sse-client.js';

/**
 * The README's examples and those of the manual it links to (docs/*.md, where the README's
 * sections moved): every ```ts block is written to test-output/readme/ (`readme-example-N.ts`,
 * `<page>-example-N.ts`); the README's are type-checked here (the pages' by
 * test/docs/docs-examples.spec.ts), and the runnable ones of all of them are run.
 */
const root = join(import.meta.dirname, '..', '..');
const outDir = join(root, 'test-output', 'readme');
const fence = /```ts\n([\s\S]*?)```/g;
const pages = readdirSync(join(root, 'docs'))
  .filter((name) => name.endsWith('.md'))
  .sort();
const sources = [
  { name: 'readme', text: readFileSync(join(root, 'README.md'), 'utf8') },
  ...pages.map((page) => ({ name: page.replace(/\.md$/, ''), text: readFileSync(join(root, 'docs', page), 'utf8') })),
];
const examples = sources.flatMap(({ name, text }) =>
  [...text.matchAll(fence)].map((match, i) => ({ page: name, block: match[1], file: join(outDir, `${name}-example-${i + 1}.ts`) })),
);
const blocks = examples.map((example) => example.block);
const readmeBlocks = examples.filter((example) => example.page === 'readme');

/** The example that defines a thing, by a line it contains. */
function exampleWith(needle: string): (typeof examples)[number] {
  const found = examples.filter(({ block }) => block.includes(needle));
  if (found.length !== 1) throw new Error(`expected one README or docs/ block with ${needle}, found ${found.length}`);
  return found[0];
}
const blockWith = (needle: string) => exampleWith(needle).block;

describe('README examples', () => {
  beforeAll(() => {
    rmSync(outDir, { recursive: true, force: true });
    mkdirSync(outDir, { recursive: true });
    examples.forEach(({ block, file }) => writeFileSync(file, block));
    // examples that import './app.module.js' get the quick start's module
    writeFileSync(join(outDir, 'app.module.ts'), blockWith("// Browser: new EventSource('/chat/stream?message=Hello')"));
    writeFileSync(
      join(outDir, 'tsconfig.json'),
      JSON.stringify({
        extends: '../../tsconfig.json',
        compilerOptions: { rootDir: '../..', noEmit: true },
        include: ['./readme-example-*.ts', './app.module.ts'],
      }),
    );
  });

  it('has examples', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(5);
    expect(readmeBlocks.length).toBeGreaterThanOrEqual(1); // the quick start
  });

  it('type-check against the library', () => {
    try {
      execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(outDir, 'tsconfig.json')], { encoding: 'utf8' });
    } catch (error) {
      throw new Error(`README examples do not compile:\n${(error as { stdout?: string }).stdout}`, { cause: error });
    }
  }, 60_000);

  it('the quick start serves an SSE answer (offline engine when no key is set)', async () => {
    delete process.env.OPENAI_API_KEY;
    const { AppModule } = await import(join(outDir, 'app.module.ts'));
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.listen(0, '127.0.0.1');
    try {
      const result = await readSse(`${await app.getUrl()}/chat/stream?message=Hello`);
      expect(result.status).toBe(200);
      expect(result.events.map((e) => e.event)[0]).toBe('start');
      expect(
        dataOf(result, 'content')
          .map((c) => c.content)
          .join(''),
      ).toContain('Hello');
      const post = await fetch(`${await app.getUrl()}/chat`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"message":"Hi"}' });
      expect(await post.json()).toMatchObject({ role: 'assistant', engine: 'offline' });
      // http: { exceptionFilter: true }: bad input is the client's fault, with no filter of the app's own
      for (const body of ['{}', '{"message":""}', '{"message":42}']) {
        const bad = await fetch(`${await app.getUrl()}/chat`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        expect({ body, status: bad.status }).toEqual({ body, status: 400 });
        expect(await bad.json()).toMatchObject({ statusCode: 400, code: 'invalid_request', retryable: false });
      }
    } finally {
      await app.close();
    }
  });

  it('every module example boots (with keys in the environment)', async () => {
    // every API key variable an example reads (BUPPLE_ENGINE_OPENAI_API_KEY, GROQ_API_KEY, ANTHROPIC_API_KEY…)
    const keys = [...new Set(blocks.flatMap((block) => [...block.matchAll(/process\.env\.([A-Z0-9_]*API_KEY)\b/g)].map((match) => match[1])))];
    expect(keys).toEqual(
      expect.arrayContaining(['BUPPLE_ENGINE_OPENAI_API_KEY', 'BUPPLE_ENGINE_CLAUDE_API_KEY', 'BUPPLE_ENGINE_GEMINI_API_KEY', 'GROQ_API_KEY']),
    );
    const saved = keys.map((key) => process.env[key]);
    keys.forEach((key) => (process.env[key] = `test-key-for-${key}`));
    try {
      const modules = examples.filter(
        ({ block }) =>
          /@Module\(/.test(block) && /export class \w+Module\b/.test(block) && !block.includes("// Browser: new EventSource('/chat/stream?message=Hello')"),
      );
      expect(modules.length).toBeGreaterThanOrEqual(4);
      for (const { block, file } of modules) {
        const name = /export class (\w+Module)\b(?![\s\S]*export class \w+Module\b)/.exec(block)![1];
        const exported = await import(file);
        const moduleRef = await Test.createTestingModule({ imports: [exported[name]] })
          .compile()
          .catch((error: Error) => {
            throw new Error(`${file} (${name}) does not boot: ${error.message}`, { cause: error });
          });
        // a module of the engine has engines; one of another package's (a throttler set-up…) only boots
        if (block.includes('BuppleEngineModule')) expect({ file, engines: moduleRef.get(EngineService).engines().length > 0 }).toEqual({ file, engines: true });
        await moduleRef.close();
      }
    } finally {
      keys.forEach((key, i) => (saved[i] === undefined ? delete process.env[key] : (process.env[key] = saved[i])));
    }
  });

  it('the forRootAsync example reads its key and model through ConfigService', async () => {
    const { file } = exampleWith("from '@nestjs/config'");
    const { AppModule } = await import(file);
    const saved = { key: process.env.OPENAI_API_KEY, model: process.env.OPENAI_MODEL };
    try {
      delete process.env.OPENAI_API_KEY;
      let moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
      expect(moduleRef.get(EngineService).engines()).toEqual(['offline']);
      await moduleRef.close();
      process.env.OPENAI_API_KEY = 'sk-test-config-service';
      process.env.OPENAI_MODEL = 'gpt-test-model';
      moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
      const engine = moduleRef.get(EngineService);
      expect(engine.engines()).toEqual(['openai']);
      expect(engine.engine('openai').model).toBe('gpt-test-model');
      await moduleRef.close();
    } finally {
      if (saved.key === undefined) delete process.env.OPENAI_API_KEY;
      else process.env.OPENAI_API_KEY = saved.key;
      if (saved.model === undefined) delete process.env.OPENAI_MODEL;
      else process.env.OPENAI_MODEL = saved.model;
    }
  });

  it('the EngineService example and the custom driver run', async () => {
    const server = createServer((req, res) => req.pipe(res)).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const { SummaryService } = await import(exampleWith('class SummaryService').file);
      const { EchoDriver } = await import(exampleWith('class EchoDriver').file);
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/echo`;
      const moduleRef = await Test.createTestingModule({
        imports: [BuppleEngineModule.forRoot({ engine: { default: 'echo', offline: { tokenDelayMs: 0 }, drivers: { echo: new EchoDriver('echo', url) } } })],
        providers: [SummaryService],
      }).compile();
      const summaries = moduleRef.get(SummaryService);
      await expect(summaries.summarize('some text')).resolves.toContain('some text');
      expect((await summaries.tokens('hi there')).join('')).toContain('hi there');
      const chunks = await lastValueFrom(
        moduleRef
          .get(EngineService)
          .stream([{ role: 'user', content: 'echo me' }])
          .pipe(toArray()),
      );
      expect(chunks[0]).toMatchObject({ engine: 'echo', model: 'echo-1' });
      await moduleRef.close();
    } finally {
      server.close();
    }
  });

  it('the driver over the provider transport runs: text, a rate limit in the body, a stream cut short', async () => {
    const seen: { authorization?: string; body?: unknown }[] = [];
    const server = createServer((req, res) => {
      let text = '';
      req.on('data', (chunk: Buffer) => (text += chunk));
      req.on('end', () => {
        const body = JSON.parse(text) as { messages: { content: string }[] };
        seen.push({ authorization: req.headers.authorization, body });
        const ask = body.messages[0].content;
        if (ask === 'slow') {
          res.writeHead(400, { 'content-type': 'application/json', 'retry-after': '3' });
          res.end(JSON.stringify({ error: { type: 'rate_limit', message: 'Slow down, sk-acme-test.' } }));
          return;
        }
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        // an event split across writes, and one write holding two events
        res.write('data: {"del');
        res.write('ta":"Hel"}\n\ndata: {"delta":"lo"}\n\n');
        if (ask === 'cut') return res.end();
        res.end('data: {"finish":"stop"}\n\n');
      });
    }).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const { AcmeDriver } = await import(exampleWith('class AcmeDriver').file);
    const driver = new AcmeDriver('acme', 'sk-acme-test', `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`);
    try {
      const moduleRef = await Test.createTestingModule({
        imports: [BuppleEngineModule.forRoot({ engine: { default: 'acme', drivers: { acme: driver } } })],
      }).compile();
      const chunks = await lastValueFrom(
        moduleRef
          .get(EngineService)
          .stream([{ role: 'user', content: 'hi' }])
          .pipe(toArray()),
      );
      expect(chunks.map((chunk) => chunk.content).join('')).toBe('Hello');
      expect(chunks.at(-1)).toMatchObject({ engine: 'acme', model: 'acme-1', finishReason: 'stop' });
      expect(seen[0]).toEqual({ authorization: 'Bearer sk-acme-test', body: { model: 'acme-1', messages: [{ role: 'user', content: 'hi' }], stream: true } });

      const request = (content: string) => ({ messages: [{ role: 'user', content }], options: { model: 'acme-1' } });
      const limited = await lastValueFrom(driver.stream(request('slow'))).catch((error: unknown) => error);
      expect(limited).toBeInstanceOf(RateLimitException);
      expect(limited).toMatchObject({ status: 400, retryAfter: 3000, provider: 'acme', engine: 'acme' });
      expect(JSON.stringify({ message: (limited as Error).message, body: (limited as RateLimitException).body })).not.toContain('sk-acme-test');
      const cut = await lastValueFrom(driver.stream(request('cut'))).catch((error: unknown) => error);
      expect(cut).toBeInstanceOf(ConnectionException);
      expect((cut as Error).message).toBe('The Acme stream ended before its finish event.');
      await moduleRef.close();
    } finally {
      driver.close();
      server.close();
    }
  });
});

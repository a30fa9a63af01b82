import 'reflect-metadata';
import { existsSync, readFileSync } from 'node:fs';
import { Test } from '@nestjs/testing';
import { lastValueFrom, toArray } from 'rxjs';
import { BuppleEngineModule, EngineService, type EngineChunk } from '../../lib/index.js';
import { ClaudeDriver, createClaudeDriver } from '../../lib/drivers/claude/claude.driver.js';
import { FakeProviderServer, sleep, startEventStream } from '../utils/fake-provider-server.js';

/**
 * Every `provider: "claude"` stream of ../shared/real-streams (recorded from the real APIs by
 * other projects) replayed through EngineService.stream(): once over HTTP in one write, once
 * over HTTP in pieces of 1 to 7 bytes, and in-process in pieces of exactly k bytes for every k
 * from 1 to 7. Text, reasoning, tool calls, sources, finish reason, raw finish reason and usage
 * must be right, and the same in every split.
 */

const CORPUS = new URL('../../../shared/real-streams/fixtures/', import.meta.url);
const present = existsSync(new URL('manifest.json', CORPUS));
if (!present) {
  console.warn('../shared/real-streams is absent: the recorded Claude streams are not replayed (the rest of the suite runs).');
}

interface ManifestEntry {
  id: string;
  provider: string;
  file: string;
  format: 'chunks' | 'sse';
  expect: { outcome: 'ok' | 'error' | 'ok-or-error'; finishAccept?: string[]; errorAccept?: string[] };
}

interface Expected {
  outcome: string;
  text: string;
  finishRaw: string | null;
  finishAccept: string[];
  errorAccept: string[] | null;
  usage: { promptTokens: number; completionTokens: number; totalTokens: number } | null;
  dropped: { toolCalls: { id: string; name: string; server: boolean }[] };
  sdk: { whole: { final: { thinking: string; toolCalls: { name: string; input: unknown }[] } } };
}

const entries: ManifestEntry[] = present
  ? (JSON.parse(readFileSync(new URL('manifest.json', CORPUS), 'utf8')).fixtures as ManifestEntry[]).filter((f) => f.provider === 'claude')
  : [];
const expectations: Record<string, Expected> = present ? JSON.parse(readFileSync(new URL('expected.json', CORPUS), 'utf8')).fixtures : {};

/** The body as Anthropic sends it: `chunks` files hold one event's JSON per line, framed here. */
function body(entry: ManifestEntry): Buffer {
  const raw = readFileSync(new URL(entry.file, CORPUS));
  if (entry.format === 'sse') return raw;
  const frames = raw
    .toString('utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => `event: ${(JSON.parse(line) as { type: string }).type}\ndata: ${line}\n\n`);
  return Buffer.from(frames.join(''), 'utf8');
}

/** Every `url` in the recording's web-search results and citations (the sources it names). */
function urlsIn(bytes: Buffer): Set<string> {
  const urls = new Set<string>();
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') {
      for (const [key, inner] of Object.entries(value)) {
        if (key === 'url' && typeof inner === 'string') urls.add(inner);
        else walk(inner);
      }
    }
  };
  for (const line of bytes.toString('utf8').split('\n')) {
    const data = line.startsWith('data:') ? line.slice(5) : line;
    if (data.trim().startsWith('{')) walk(JSON.parse(data));
  }
  return urls;
}

/** The outcome of one replay, in the terms the corpus states. */
interface Outcome {
  text: string;
  reasoning: string;
  toolCalls: { name: string; args: unknown }[];
  sources: string[];
  finishReason?: string | null;
  rawFinishReason?: string | null;
  usage?: unknown;
  error?: string;
  message?: string;
}

function outcomeOf(chunks: EngineChunk[], error?: unknown): Outcome {
  const last = chunks[chunks.length - 1];
  return {
    text: chunks.map((c) => c.content).join(''),
    reasoning: chunks.map((c) => c.reasoning ?? '').join(''),
    toolCalls: chunks.flatMap((c) => (c.toolCall ? [{ name: c.toolCall.name, args: c.toolCall.args }] : [])),
    sources: chunks.flatMap((c) => (c.source ? [c.source.url] : [])),
    ...(last?.finishReason && { finishReason: last.finishReason, rawFinishReason: last.rawFinishReason, usage: last.usage }),
    ...(error !== undefined && { error: (error as Error).constructor.name, message: (error as Error).message }),
  };
}

async function replay(engine: EngineService): Promise<Outcome> {
  try {
    return outcomeOf(await lastValueFrom(engine.stream([{ role: 'user', content: 'Hi' }], { engine: 'claude' }).pipe(toArray())));
  } catch (error) {
    return outcomeOf([], error);
  }
}

async function engineWith(options: Parameters<typeof BuppleEngineModule.forRoot>[0]['engine']): Promise<{ engine: EngineService; close: () => Promise<void> }> {
  const moduleRef = await Test.createTestingModule({ imports: [BuppleEngineModule.forRoot({ engine: { ...options, retry: { maxRetries: 0 } } })] }).compile();
  await moduleRef.init();
  return { engine: moduleRef.get(EngineService), close: () => moduleRef.close() };
}

/** A Claude driver whose response body arrives in pieces of exactly `size` bytes, in-process. */
function inProcessDriver(bytes: Buffer, size: number): ClaudeDriver {
  return new ClaudeDriver('claude', { apiKey: 'sk-ant-replay' }, async () => {
    let offset = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (offset >= bytes.length) return controller.close();
        controller.enqueue(new Uint8Array(bytes.subarray(offset, offset + size)));
        offset += size;
      },
    });
    return new Response(stream, { status: 200, headers: { 'content-type': 'text/event-stream' } });
  });
}

(present ? describe : describe.skip)('recorded Claude streams (../shared/real-streams) through EngineService.stream()', () => {
  const server = new FakeProviderServer();
  let overHttp: { engine: EngineService; close: () => Promise<void> };
  let payload: Buffer = Buffer.alloc(0);
  let pieces = false;

  beforeAll(async () => {
    await server.start();
    server.respond(async (_req, res) => {
      startEventStream(res, { 'request-id': 'req_replay' });
      if (!pieces) return void res.end(payload);
      // pieces of 1, 2, … 7 bytes in turn, each its own write
      for (let i = 0, size = 1; i < payload.length; i += size, size = (size % 7) + 1) {
        if (res.destroyed) return;
        res.write(payload.subarray(i, i + size));
        if (i % 64 < size) await sleep(0);
      }
      res.end();
    });
    overHttp = await engineWith({ drivers: { claude: await createClaudeDriver('claude', { apiKey: 'sk-ant-replay', baseURL: server.url }) } });
  });
  afterAll(async () => {
    await overHttp?.close();
    await server.stop();
  });

  it('finds the Claude recordings the manifest lists', () => {
    expect(entries.map((e) => e.id).sort()).toEqual(
      [
        'anthropic-delta-input-tokens',
        'anthropic-refusal',
        'anthropic-text',
        'anthropic-thinking',
        'anthropic-tool-use',
        'anthropic-web-search',
        'vertex-claude-padded',
      ].sort(),
    );
  });

  it.each(entries.map((e) => [e.id, e] as const))('%s: right, and the same whole and in every split', async (id, entry) => {
    const expected = expectations[id];
    const bytes = body(entry);
    payload = bytes;

    pieces = false;
    const whole = await replay(overHttp.engine);
    pieces = true;
    const inPieces = await replay(overHttp.engine);
    const exact: Outcome[] = [];
    for (let size = 1; size <= 7; size++) {
      const local = await engineWith({ drivers: { claude: inProcessDriver(bytes, size) } });
      exact.push(await replay(local.engine));
      await local.close();
    }

    // what a correct engine does with it
    if (expected.outcome === 'ok' || (expected.outcome === 'ok-or-error' && whole.error === undefined)) {
      expect(whole.error).toBeUndefined();
      expect(whole.text).toBe(expected.text);
      expect(entry.expect.finishAccept).toContain(whole.finishReason);
      expect(whole.rawFinishReason).toBe(expected.finishRaw);
      expect(whole.usage).toMatchObject(expected.usage!);
      expect(whole.reasoning).toBe(expected.sdk.whole.final.thinking);
      // the application's tool calls; a server tool (web_search) is run by Anthropic, not by the app
      const serverTools = new Set(expected.dropped.toolCalls.filter((call) => call.server).map((call) => call.name));
      expect(whole.toolCalls).toEqual(
        expected.sdk.whole.final.toolCalls.filter((call) => !serverTools.has(call.name)).map((call) => ({ name: call.name, args: call.input })),
      );
    } else {
      expect(entry.expect.errorAccept).toContain(whole.error);
    }
    // sources: every URL the results and citations name, once each, and nothing else
    expect(new Set(whole.sources).size).toBe(whole.sources.length);
    expect(new Set(whole.sources)).toEqual(urlsIn(bytes));

    // the same outcome however the bytes were split
    for (const other of [inPieces, ...exact]) expect(other).toEqual(whole);
  });

  it('reports the cache fields of a recording apart, and the input tokens of message_delta when they differ', async () => {
    const ids = ['anthropic-text', 'anthropic-delta-input-tokens'];
    const outcomes: Outcome[] = [];
    for (const id of ids) {
      payload = body(entries.find((e) => e.id === id)!);
      pieces = false;
      outcomes.push(await replay(overHttp.engine));
    }
    expect(outcomes.map((o) => o.message)).toEqual([undefined, undefined]);
    // anthropic-text reports cache fields of 0: nothing cached, nothing reported apart
    expect(outcomes[0].usage).toEqual({ promptTokens: 12, completionTokens: 30, totalTokens: 42 });
    // 43 in message_start, 61 in message_delta: the later count wins
    expect(outcomes[1].usage).toEqual({ promptTokens: 61, completionTokens: 2, totalTokens: 63 });
  });
});

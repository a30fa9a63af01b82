import 'reflect-metadata';
import { existsSync, readFileSync } from 'node:fs';
import { Test } from '@nestjs/testing';
import { lastValueFrom, toArray } from 'rxjs';
import { BuppleEngineModule, EngineService, type EngineChunk } from '../../lib/index.js';
import { OpenAIDriver, createOpenAIDriver } from '../../lib/drivers/openai/openai.driver.js';
import type { OpenAIChatClient } from '../../lib/drivers/openai/openai-api.types.js';
import { FakeProviderServer, sleep, startEventStream } from '../utils/fake-provider-server.js';

/**
 * Every `provider: "openai"` stream of ../shared/real-streams (OpenAI, Azure, DeepSeek, Groq,
 * Mistral, Perplexity, recorded from the real APIs by other projects) replayed through
 * EngineService.stream(): over HTTP in one write, over HTTP in pieces of 1 to 7 bytes in turn,
 * and in-process in pieces of exactly k bytes for every k from 1 to 7. Text, reasoning, tool
 * calls, sources, finish reason, raw finish reason and usage must be right, and the same in
 * every split. The decided refusal rule: a refusal streams as text and finishes `content_filter`.
 */
const CORPUS = new URL('../../../shared/real-streams/fixtures/', import.meta.url);
const present = existsSync(new URL('manifest.json', CORPUS));
if (!present) console.warn('../shared/real-streams is absent: the recorded OpenAI-family streams are not replayed (the rest of the suite runs).');

interface ManifestEntry {
  id: string;
  provider: string;
  file: string;
  format: 'chunks' | 'sse';
  expect: { outcome: 'ok' | 'error'; finishAccept?: string[] };
}

interface Expected {
  outcome: string;
  text: string;
  finishRaw: string | null;
  finishAccept: string[];
  usage: { promptTokens: number; completionTokens: number; totalTokens: number } | null;
  dropped: { reasoningChars: number; refusal: string | null; toolCalls: { id: string; name: string; arguments: string }[] };
}

const entries: ManifestEntry[] = present
  ? (JSON.parse(readFileSync(new URL('manifest.json', CORPUS), 'utf8')).fixtures as ManifestEntry[]).filter((f) => f.provider === 'openai')
  : [];
const expectations: Record<string, Expected> = present ? JSON.parse(readFileSync(new URL('expected.json', CORPUS), 'utf8')).fixtures : {};

/** The body as a Chat Completions server sends it: `chunks` files hold one chunk's JSON per line. */
function body(entry: ManifestEntry): Buffer {
  const raw = readFileSync(new URL(entry.file, CORPUS));
  if (entry.format === 'sse') return raw;
  const frames = raw
    .toString('utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => `data: ${line}\n\n`);
  return Buffer.from(frames.join('') + 'data: [DONE]\n\n', 'utf8');
}

/** The `citations` URLs the recording names. */
function citationsIn(bytes: Buffer): string[] {
  const urls = new Set<string>();
  for (const line of bytes.toString('utf8').split('\n')) {
    const data = line.startsWith('data:') ? line.slice(5).trim() : '';
    if (!data.startsWith('{')) continue;
    for (const url of (JSON.parse(data) as { citations?: string[] }).citations ?? []) urls.add(url);
  }
  return [...urls];
}

interface Outcome {
  text: string;
  reasoning: string;
  toolCalls: { id: string; name: string; args: unknown }[];
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
    toolCalls: chunks.flatMap((c) => (c.toolCall ? [{ id: c.toolCall.id, name: c.toolCall.name, args: c.toolCall.args }] : [])),
    sources: chunks.flatMap((c) => (c.source ? [c.source.url] : [])),
    ...(last?.finishReason && { finishReason: last.finishReason, rawFinishReason: last.rawFinishReason, usage: last.usage }),
    ...(error !== undefined && { error: (error as Error).constructor.name, message: (error as Error).message }),
  };
}

async function replay(engine: EngineService): Promise<Outcome> {
  try {
    return outcomeOf(await lastValueFrom(engine.stream([{ role: 'user', content: 'Hi' }], { engine: 'openai' }).pipe(toArray())));
  } catch (error) {
    return outcomeOf([], error);
  }
}

async function engineWith(drivers: Record<string, OpenAIDriver>): Promise<{ engine: EngineService; close: () => Promise<void> }> {
  const moduleRef = await Test.createTestingModule({ imports: [BuppleEngineModule.forRoot({ engine: { drivers, retry: { maxRetries: 0 } } })] }).compile();
  await moduleRef.init();
  return { engine: moduleRef.get(EngineService), close: () => moduleRef.close() };
}

/** An OpenAI driver whose response body arrives in pieces of exactly `size` bytes, in-process. */
function inProcessDriver(bytes: Buffer, size: number): OpenAIDriver {
  const client: OpenAIChatClient = {
    chat: {
      completions: {
        create: () => ({
          asResponse: async () => {
            let offset = 0;
            const stream = new ReadableStream<Uint8Array>({
              pull(controller) {
                if (offset >= bytes.length) return controller.close();
                controller.enqueue(new Uint8Array(bytes.subarray(offset, offset + size)));
                offset += size;
              },
            });
            return new Response(stream, { status: 200, headers: { 'content-type': 'text/event-stream' } });
          },
        }),
      },
    },
  };
  return new OpenAIDriver('openai', { apiKey: 'sk-replay' }, client);
}

const table: string[] = [];

(present ? describe : describe.skip)('recorded OpenAI-family streams (../shared/real-streams) through EngineService.stream()', () => {
  const server = new FakeProviderServer();
  let overHttp: { engine: EngineService; close: () => Promise<void> };
  let payload: Buffer = Buffer.alloc(0);
  let pieces = false;

  beforeAll(async () => {
    await server.start();
    server.respond(async (_req, res) => {
      startEventStream(res);
      if (!pieces) return void res.end(payload);
      for (let i = 0, size = 1; i < payload.length; i += size, size = (size % 7) + 1) {
        if (res.destroyed) return;
        res.write(payload.subarray(i, i + size));
        if (i % 256 < size) await sleep(0);
      }
      res.end();
    });
    overHttp = await engineWith({ openai: await createOpenAIDriver('openai', { apiKey: 'sk-replay', baseURL: `${server.url}/v1` }) });
  });
  afterAll(async () => {
    await overHttp?.close();
    await server.stop();
    if (table.length > 0) {
      console.log(
        [
          '| fixture | text chars | reasoning chars | tool calls | sources | finish (raw) | usage in/out/total (cached, reasoning) | 9 splits agree |',
          '|---|---:|---:|---|---:|---|---|---|',
          ...table,
        ].join('\n'),
      );
    }
  });

  it('finds the OpenAI-family recordings the manifest lists', () => {
    expect(entries.map((e) => e.id).sort()).toEqual(
      [
        'azure-model-router',
        'deepseek-reasoning',
        'deepseek-tool-call',
        'groq-reasoning',
        'mistral-reasoning',
        'openai-leading-newlines',
        'openai-refusal',
        'openai-text',
        'perplexity-citations',
      ].sort(),
    );
  });

  it.each(entries.map((e) => [e.id, e] as const))(
    '%s: right, and the same whole and in every split',
    async (id, entry) => {
      const expected = expectations[id];
      const bytes = body(entry);
      payload = bytes;
      pieces = false;
      const whole = await replay(overHttp.engine);
      pieces = true;
      const inPieces = await replay(overHttp.engine);
      const exact: Outcome[] = [];
      for (let size = 1; size <= 7; size++) {
        const local = await engineWith({ openai: inProcessDriver(bytes, size) });
        exact.push(await replay(local.engine));
        await local.close();
      }

      expect(whole.error).toBeUndefined();
      expect(whole.message).toBeUndefined();
      // a refusal streams as the answer's text (the rule for every provider)
      expect(whole.text).toBe(expected.text + (expected.dropped.refusal ?? ''));
      expect(entry.expect.finishAccept).toContain(whole.finishReason);
      if (expected.dropped.refusal) expect(whole.finishReason).toBe('content_filter');
      expect(whole.rawFinishReason).toBe(expected.finishRaw);
      expect(whole.usage).toMatchObject(expected.usage!);
      expect(whole.reasoning.length).toBe(expected.dropped.reasoningChars);
      expect(whole.toolCalls).toEqual(expected.dropped.toolCalls.map((call) => ({ id: call.id, name: call.name, args: JSON.parse(call.arguments) })));
      expect(whole.sources).toEqual(citationsIn(bytes));

      for (const other of [inPieces, ...exact]) expect(other).toEqual(whole);

      const usage = whole.usage as {
        promptTokens: number;
        completionTokens: number;
        totalTokens: number;
        cachedInputTokens?: number;
        reasoningTokens?: number;
      };
      table.push(
        `| ${id} | ${whole.text.length} | ${whole.reasoning.length} | ${whole.toolCalls.map((c) => `${c.name}(${JSON.stringify(c.args)})`).join(', ') || '–'} | ${whole.sources.length} | ${whole.finishReason} (${whole.rawFinishReason}) | ${usage.promptTokens}/${usage.completionTokens}/${usage.totalTokens} (${usage.cachedInputTokens ?? '–'}, ${usage.reasoningTokens ?? '–'}) | yes |`,
      );
    },
    60_000,
  );
});

import 'reflect-metadata';
import type { EngineService } from '../../lib/index.js';
import { OpenAIDriver, createOpenAIDriver } from '../../lib/drivers/openai/openai.driver.js';
import type { OpenAIChatClient } from '../../lib/drivers/openai/openai-api.types.js';
import {
  corpusExpectations,
  corpusPresent,
  engineWith,
  manifestEntries,
  recordedBody,
  RecordingServer,
  replay,
  responseInPieces,
  type ManifestEntry,
  type ReplayOutcome,
} from './real-streams-harness.js';

/**
 * Every `provider: "openai"` stream of ../shared/real-streams (OpenAI, Azure, DeepSeek, Groq,
 * Mistral, Perplexity, recorded from the real APIs by other projects) replayed through
 * EngineService.stream(): over HTTP in one write, over HTTP in pieces of 1 to 7 bytes in turn,
 * and in-process in pieces of exactly k bytes for every k from 1 to 7. Text, reasoning, tool
 * calls, sources, finish reason, raw finish reason and usage must be right, and the same in
 * every split. The decided refusal rule: a refusal streams as text and finishes `content_filter`.
 */
if (!corpusPresent) console.warn('../shared/real-streams is absent: the recorded OpenAI-family streams are not replayed (the rest of the suite runs).');

interface Expected {
  outcome: string;
  text: string;
  finishRaw: string | null;
  finishAccept: string[];
  usage: { promptTokens: number; completionTokens: number; totalTokens: number } | null;
  dropped: { reasoningChars: number; refusal: string | null; toolCalls: { id: string; name: string; arguments: string }[] };
}

const entries = manifestEntries('openai');
const expectations = corpusExpectations<Expected>();

/** The body as a Chat Completions server sends it: `chunks` files hold one chunk's JSON per line. */
const body = (entry: ManifestEntry): Buffer => recordedBody(entry, (line) => `data: ${line}\n\n`, 'data: [DONE]\n\n');

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

type Outcome = ReplayOutcome<{ id: string; name: string; args: unknown }>;
const replayOpenAI = (engine: EngineService): Promise<Outcome> => replay(engine, 'openai', ({ id, name, args }) => ({ id, name, args }));

/** An OpenAI driver whose response body arrives in pieces of exactly `size` bytes, in-process. */
function inProcessDriver(bytes: Buffer, size: number): OpenAIDriver {
  const client: OpenAIChatClient = { chat: { completions: { create: () => ({ asResponse: async () => responseInPieces(bytes, size) }) } } };
  return new OpenAIDriver('openai', { apiKey: 'sk-replay' }, client);
}

const table: string[] = [];

(corpusPresent ? describe : describe.skip)('recorded OpenAI-family streams (../shared/real-streams) through EngineService.stream()', () => {
  const server = new RecordingServer();
  let overHttp: { engine: EngineService; close: () => Promise<void> };

  beforeAll(async () => {
    await server.start();
    overHttp = await engineWith({ drivers: { openai: await createOpenAIDriver('openai', { apiKey: 'sk-replay', baseURL: `${server.url}/v1` }) } });
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
      server.payload = bytes;
      server.pieces = false;
      const whole = await replayOpenAI(overHttp.engine);
      server.pieces = true;
      const inPieces = await replayOpenAI(overHttp.engine);
      const exact: Outcome[] = [];
      for (let size = 1; size <= 7; size++) {
        const local = await engineWith({ drivers: { openai: inProcessDriver(bytes, size) } });
        exact.push(await replayOpenAI(local.engine));
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

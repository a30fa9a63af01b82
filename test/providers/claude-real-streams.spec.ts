import 'reflect-metadata';
import type { EngineService } from '../../lib/index.js';
import { ClaudeDriver, createClaudeDriver } from '../../lib/drivers/claude/claude.driver.js';
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
 * Every `provider: "claude"` stream of ../shared/real-streams (recorded from the real APIs by
 * other projects) replayed through EngineService.stream(): once over HTTP in one write, once
 * over HTTP in pieces of 1 to 7 bytes, and in-process in pieces of exactly k bytes for every k
 * from 1 to 7. Text, reasoning, tool calls, sources, finish reason, raw finish reason and usage
 * must be right, and the same in every split.
 */

if (!corpusPresent) {
  console.warn('../shared/real-streams is absent: the recorded Claude streams are not replayed (the rest of the suite runs).');
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

const entries = manifestEntries('claude');
const expectations = corpusExpectations<Expected>();

/** The body as Anthropic sends it: `chunks` files hold one event's JSON per line, framed here. */
const body = (entry: ManifestEntry): Buffer => recordedBody(entry, (line) => `event: ${(JSON.parse(line) as { type: string }).type}\ndata: ${line}\n\n`);

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
type Outcome = ReplayOutcome<{ name: string; args: unknown }>;
const replayClaude = (engine: EngineService): Promise<Outcome> => replay(engine, 'claude', ({ name, args }) => ({ name, args }));

/** A Claude driver whose response body arrives in pieces of exactly `size` bytes, in-process. */
function inProcessDriver(bytes: Buffer, size: number): ClaudeDriver {
  return new ClaudeDriver('claude', { apiKey: 'sk-ant-replay' }, async () => responseInPieces(bytes, size));
}

(corpusPresent ? describe : describe.skip)('recorded Claude streams (../shared/real-streams) through EngineService.stream()', () => {
  const server = new RecordingServer({ 'request-id': 'req_replay' });
  let overHttp: { engine: EngineService; close: () => Promise<void> };

  beforeAll(async () => {
    await server.start();
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
    server.payload = bytes;

    server.pieces = false;
    const whole = await replayClaude(overHttp.engine);
    server.pieces = true;
    const inPieces = await replayClaude(overHttp.engine);
    const exact: Outcome[] = [];
    for (let size = 1; size <= 7; size++) {
      const local = await engineWith({ drivers: { claude: inProcessDriver(bytes, size) } });
      exact.push(await replayClaude(local.engine));
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
      server.payload = body(entries.find((e) => e.id === id)!);
      server.pieces = false;
      outcomes.push(await replayClaude(overHttp.engine));
    }
    expect(outcomes.map((o) => o.message)).toEqual([undefined, undefined]);
    // anthropic-text reports cache fields of 0: nothing cached, nothing reported apart
    expect(outcomes[0].usage).toEqual({ promptTokens: 12, completionTokens: 30, totalTokens: 42 });
    // 43 in message_start, 61 in message_delta: the later count wins
    expect(outcomes[1].usage).toEqual({ promptTokens: 61, completionTokens: 2, totalTokens: 63 });
  });
});

import 'reflect-metadata';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { FakeProviderServer } from '../../../test/utils/fake-provider-server.js';
import { EngineService } from '../../engine.service.js';
import { EngineException } from '../../errors/engine.exception.js';
import type { EngineChunk } from '../../interfaces/engine-chunk.interface.js';
import { createProviderTransport, readResponseBody } from '../transport/index.js';
import { createGeminiDriver, type GeminiDriver, type GeminiTransport } from './gemini.driver.js';

/**
 * Every `provider: "gemini"` stream of the shared corpus recorded from the real APIs
 * (`../shared/real-streams/fixtures/`, read in place, never copied), replayed through
 * `EngineService.stream()` from a local HTTP server: whole, and re-cut into pieces of 1 to 7
 * bytes. The text, reasoning, tool calls, sources, finish reason, raw finish reason and usage
 * must be right, and the same in every split.
 */
const ROOT = fileURLToPath(new URL('../../../../shared/real-streams/fixtures/', import.meta.url));
const available = existsSync(`${ROOT}manifest.json`);

interface Fixture {
  id: string;
  provider: string;
  file: string;
  format: 'chunks' | 'sse' | 'json-array' | 'recording';
  appendTerminator?: string;
  expect: { outcome: 'ok' | 'error'; finishAccept?: string[]; errorAccept?: string[]; errorBody?: { path: string; equals: unknown } };
}
interface Expected {
  outcome: 'ok' | 'error';
  text: string | null;
  textBeforeError: string | null;
  finishRaw: string | null;
  usage: { promptTokens: number; completionTokens: number; totalTokens: number } | null;
  dropped: { reasoningChars: number; toolCalls: { name: string; arguments: string }[]; otherCandidateText: string | null };
}

/** What each recording cites, read off the recording by hand (one source per URL, first seen first). */
const SOURCES: Record<string, { url: string; title?: string }[]> = {
  'googleai-recitation': [{ url: 'https://www.google.com/' }, { url: 'https://uc-r.github.io/tidy_text' }],
  'vertex-two-candidates': [
    { url: 'url for former chunk for first candidate', title: 'title for former chunk for first candidate' },
    { url: 'url for later chunk for first candidate', title: 'title for later chunk for first candidate' },
  ],
};

/** What is served for a recording: status, headers, body bytes (framed as Gemini frames `alt=sse`). */
function served(fixture: Fixture): { status: number; headers: Record<string, string>; body: Buffer } {
  const raw = readFileSync(`${ROOT}${fixture.file}`);
  const frame = (chunks: unknown[]) => Buffer.from(chunks.map((chunk) => `data: ${JSON.stringify(chunk)}\r\n\r\n`).join(''), 'utf8');
  const sse = { 'content-type': 'text/event-stream' };
  switch (fixture.format) {
    case 'chunks':
      return {
        status: 200,
        headers: sse,
        body: frame(
          raw
            .toString('utf8')
            .split('\n')
            .filter((line) => line.trim())
            .map((line) => JSON.parse(line)),
        ),
      };
    case 'json-array':
      return { status: 200, headers: sse, body: frame(JSON.parse(raw.toString('utf8')) as unknown[]) };
    case 'sse': {
      const terminator = (fixture.appendTerminator ?? '').replace(/\\r/g, '\r').replace(/\\n/g, '\n');
      return { status: 200, headers: sse, body: Buffer.concat([raw, Buffer.from(terminator, 'utf8')]) };
    }
    case 'recording': {
      const { response } = JSON.parse(raw.toString('utf8')) as {
        response: { statusCode: number; headers: Record<string, string>; bodySegments: unknown[] };
      };
      const headers = Object.fromEntries(Object.entries(response.headers).filter(([name]) => name.toLowerCase() !== 'content-length'));
      const body =
        response.statusCode === 200
          ? frame(response.bodySegments)
          : Buffer.from(response.bodySegments.map((segment) => `${JSON.stringify(segment, null, 2)}\n`).join(''), 'utf8');
      return { status: response.statusCode, headers, body };
    }
  }
}

/** A transport over real HTTP that hands the body on re-cut into pieces of exactly `size` bytes. */
function recutting(size: number): GeminiTransport {
  const http = createProviderTransport();
  return {
    close: () => http.close(),
    request: async (input, init) => {
      const response = await http.request(input, init);
      // the transport's answers are read with readResponseBody() (no WHATWG body)
      const pieces: Uint8Array[] = [];
      await readResponseBody(response, (piece) => pieces.push(piece) > 0);
      const bytes = new Uint8Array(Buffer.concat(pieces));
      let offset = 0;
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (offset >= bytes.length) return controller.close();
          controller.enqueue(bytes.slice(offset, offset + size));
          offset += size;
        },
      });
      return new Response(body, { status: response.status, headers: response.headers });
    },
  };
}

interface Outcome {
  text: string;
  reasoning: string;
  toolCalls: { name: string; args: unknown; signed: boolean }[];
  sources: { url: string; title?: string }[];
  finishReason?: string | null;
  rawFinishReason?: string | null;
  usage?: unknown;
  error?: { name: string; status?: number; body?: unknown };
}

/** One answer through the engine: what streamed (also before an error: the text a client saw), and how it ended. */
async function replay(driver: GeminiDriver): Promise<Outcome> {
  const engine = new EngineService({ engine: { drivers: { gemini: driver }, retry: { maxRetries: 0 } } }, new Map([['gemini', driver]]));
  const chunks: EngineChunk[] = [];
  const error = await new Promise<unknown>((resolve) => {
    engine.stream([{ role: 'user', content: 'replay' }], { engine: 'gemini' }).subscribe({
      next: (chunk) => chunks.push(chunk),
      error: resolve,
      complete: () => resolve(undefined),
    });
  });
  const last = chunks[chunks.length - 1];
  return {
    text: chunks.map((c) => c.content).join(''),
    reasoning: chunks.map((c) => c.reasoning ?? '').join(''),
    toolCalls: chunks.flatMap((c) =>
      c.toolCall ? [{ name: c.toolCall.name, args: c.toolCall.args, signed: typeof c.toolCall.providerMetadata?.thoughtSignature === 'string' }] : [],
    ),
    sources: chunks.flatMap((c) => (c.source ? [c.source] : [])),
    ...(last?.finishReason && { finishReason: last.finishReason, rawFinishReason: last.rawFinishReason, usage: last.usage }),
    ...(error !== undefined && {
      error: { name: (error as Error).name, status: (error as EngineException).status, body: (error as EngineException).body },
    }),
  };
}

const at = (value: unknown, path: string): unknown =>
  path.split('.').reduce<unknown>((node, key) => (typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[key] : undefined), value);

if (!available) {
  describe('Gemini real recorded streams', () => {
    it.skip(`skipped: the shared corpus is absent (${ROOT}manifest.json)`, () => undefined);
  });
  console.warn(`gemini-recordings.spec: ${ROOT} is absent; the real recorded streams are not replayed.`);
} else {
  const manifest = JSON.parse(readFileSync(`${ROOT}manifest.json`, 'utf8')) as { fixtures: Fixture[] };
  const expected = (JSON.parse(readFileSync(`${ROOT}expected.json`, 'utf8')) as { fixtures: Record<string, Expected> }).fixtures;
  const fixtures = manifest.fixtures.filter((f) => f.provider === 'gemini');

  describe('Gemini real recorded streams, replayed through EngineService.stream()', () => {
    const server = new FakeProviderServer();
    beforeAll(() => server.start());
    afterAll(() => server.stop());

    it('covers every gemini recording of the corpus', () => {
      expect(fixtures.length).toBeGreaterThanOrEqual(11);
      for (const fixture of fixtures) expect(expected[fixture.id]).toBeDefined();
    });

    describe.each(fixtures.map((f) => [f.id, f] as const))('%s', (id, fixture) => {
      const want = expected[id];
      const reply = served(fixture);
      const serve = () =>
        server.respond((_req, res) => {
          res.writeHead(reply.status, reply.headers);
          res.end(reply.body);
        });

      let whole: Outcome;
      beforeAll(async () => {
        serve();
        const driver = await createGeminiDriver('gemini', { apiKey: 'AIzaSyREPLAYnotAkey_0123456789abcdef', baseURL: server.url, model: 'gemini-replay' });
        whole = await replay(driver);
        driver.close();
      });

      if (fixture.expect.outcome === 'ok') {
        it('is a whole answer: text, finish reason, raw finish reason and usage as recorded', () => {
          expect(whole.error).toBeUndefined();
          expect(whole.text).toBe(want.text);
          expect(whole.rawFinishReason).toBe(want.finishRaw);
          expect(fixture.expect.finishAccept).toContain(whole.finishReason);
          if (want.usage) expect(whole.usage).toMatchObject(want.usage);
          else expect(whole.usage).toBeUndefined();
          if (want.dropped.otherCandidateText) expect(whole.text).not.toContain(want.dropped.otherCandidateText.slice(0, 16));
        });
      } else {
        it('fails with the expected exception, after the text streamed before the failure', () => {
          expect(whole.error).toBeDefined();
          const accept = fixture.expect.errorAccept ?? ['any'];
          if (!accept.includes('any')) expect(accept).toContain(whole.error!.name);
          expect(whole.text).toBe(want.textBeforeError ?? '');
          if (fixture.expect.errorBody) expect(at(whole.error!.body, fixture.expect.errorBody.path)).toEqual(fixture.expect.errorBody.equals);
        });
      }

      it('streams the reasoning apart from the answer, and the tool calls with their arguments', () => {
        expect(whole.reasoning.length).toBe(want.dropped.reasoningChars);
        if (want.dropped.reasoningChars > 0) expect(whole.text).not.toContain(whole.reasoning.slice(0, 40));
        expect(whole.toolCalls.map(({ name, args }) => ({ name, args }))).toEqual(
          want.dropped.toolCalls.map((call) => ({ name: call.name, args: JSON.parse(call.arguments) })),
        );
        if (whole.toolCalls.length > 0) {
          expect(whole.finishReason).toBe('tool_calls');
          expect(whole.toolCalls.every((call) => call.signed)).toBe(true); // the thoughtSignature travels with the call
        }
        expect(whole.sources).toEqual(SOURCES[id] ?? []);
      });

      it.each([1, 2, 3, 4, 5, 6, 7])('gives the same outcome when the body arrives in %i-byte pieces', async (size) => {
        serve();
        const driver = await createGeminiDriver(
          'gemini',
          { apiKey: 'AIzaSyREPLAYnotAkey_0123456789abcdef', baseURL: server.url, model: 'gemini-replay' },
          recutting(size),
        );
        const split = await replay(driver);
        driver.close();
        expect(split).toEqual(whole);
      });
    });
  });
}

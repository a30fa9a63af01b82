import type { INestApplication } from '@nestjs/common';
import { dataOf, readSse, type SseReadResult } from '../utils/sse-client.js';
import { bootSample, CapturingLogger, engineEnv, ScriptedProvider, within, type SampleApp } from './provider-harness.js';
import { sendGeminiInvalidKey, WIRES, type EngineName, type ProviderWire, type Usage } from './provider-wire.js';

/**
 * The same end-to-end suite for the three provider engines: the sample app, configured only
 * through its environment variables (BUPPLE_DEFAULT_ENGINE_DRIVER, BUPPLE_ENGINE_<X>_*), talks
 * to a local server that speaks the provider's real wire format; the test reads the sample's
 * raw SSE (or JSON) answers and what the provider server saw.
 */

/** Deltas with multi-byte text, a lone emoji and a ZWJ emoji; every write splits them. */
const DELTAS = ['Grüße aus Köln! ', '日本語のテキスト ', '🎉', ' und ein Astronaut 👩‍🚀', ' — fertig.'];
const TEXT = DELTAS.join('');
const USAGE: Usage = { promptTokens: 12, completionTokens: 19, totalTokens: 31 };
const QUESTION = 'Grüß mich auf Deutsch und Japanisch 🙂';
/** Bounds every SSE read: a hang fails with a clear message instead of the Jest timeout. */
const READ_MS = 8000;

/** Event names, without `progress` (the sample reports progress against maxTokens; not this suite's subject). */
const names = (result: SseReadResult) => result.events.map((e) => e.event).filter((name) => name !== 'progress');
const contentOf = (result: SseReadResult) => dataOf<{ content: string }>(result, 'content').map((c) => c.content);

/** A key the provider does not accept, still shaped like the real one. */
const revokedKey = (wire: ProviderWire) => `${wire.apiKey.slice(0, -6)}REVOKD`;
/** What must never reach a client or a log line: the distinctive middle of every key used. */
const SECRETS = Object.values(WIRES).flatMap((wire) => [wire.apiKey.slice(8, -8), revokedKey(wire).slice(8, -8)]);

const apps: INestApplication[] = [];
let logs = new CapturingLogger();
async function boot(env: Record<string, string>): Promise<SampleApp> {
  const sample = await bootSample({ BUPPLE_ENGINE_RETRY_DELAY_MS: '5', ...env }, logs);
  apps.push(sample.app);
  return sample;
}
afterEach(async () => {
  await Promise.all(
    apps.splice(0).map((app) => {
      // after a client aborted a fetch, Node 20's server.close() waits ~4 s for that socket
      // (plain node:http does the same): drop what is left, every test has checked its stream ended
      app.getHttpServer().closeAllConnections();
      return app.close();
    }),
  );
  // whatever happened, no key was logged (the SDKs' own log lines included)
  const leaked = logs.lines.filter((line) => SECRETS.some((secret) => line.includes(secret)));
  logs = new CapturingLogger();
  expect(leaked).toEqual([]);
});

describe.each(['openai', 'claude', 'gemini'] as EngineName[])('the sample app on the %s engine, against a local provider', (engine) => {
  const wire = WIRES[engine];
  const provider = new ScriptedProvider(wire);

  beforeAll(() => provider.start());
  afterAll(() => provider.stop());

  /** The sample with this engine as its default, plus `env`. */
  const sample = (env: Record<string, string> = {}, key?: string) => boot({ BUPPLE_DEFAULT_ENGINE_DRIVER: engine, ...engineEnv(provider, key), ...env });

  const ask = (base: string, init: Parameters<typeof readSse>[1] = {}) =>
    readSse(`${base}/chat/stream?message=${encodeURIComponent(QUESTION)}`, { timeoutMs: READ_MS, ...init });

  /**
   * start, then the content, then complete: the whole answer, nothing else. With `thoughts`:
   * the provider's reasoning streams first, as `reasoning` events apart from the content
   * (the OpenAI driver may not read it: then there are none).
   */
  const expectWholeAnswer = (result: SseReadResult, thoughts?: string[]) => {
    expect(result.status).toBe(200);
    expect(result.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reasoning = (dataOf(result, 'reasoning') as { content: string }[]).map((data) => data.content);
    if (thoughts && (engine !== 'openai' || reasoning.length > 0)) {
      expect(reasoning.join('')).toBe(thoughts.join(''));
      expect(names(result).lastIndexOf('reasoning')).toBeLessThan(names(result).indexOf('content'));
    } else {
      expect(reasoning).toEqual([]);
    }
    expect(names(result).filter((name) => name !== 'warning' && name !== 'reasoning')).toEqual(['start', ...DELTAS.map(() => 'content'), 'complete']);
    expect(dataOf(result, 'start')[0]).toMatchObject({ engine, model: wire.model });
    expect(contentOf(result)).toEqual(DELTAS);
    expect(contentOf(result).join('')).toBe(TEXT);
    expect(dataOf(result, 'complete')[0]).toEqual({ finishReason: 'stop', usage: USAGE });
  };

  it('GET /chat/stream: start, the exact text (bytes split inside every character and frame), complete with usage', async () => {
    provider.script(provider.answer(DELTAS, USAGE));
    const { base } = await sample();
    const result = await ask(base);
    expectWholeAnswer(result);
    expect(provider.requests).toHaveLength(1);
    const request = provider.requests[0];
    expect(request.method).toBe('POST');
    expect(request.url).toBe(wire.streamPath);
    expect(wire.read(request.body)).toMatchObject({ stream: true, system: undefined, turns: [{ role: 'user', text: QUESTION }] });
  });

  describe('reasoning streamed before the text', () => {
    const THOUGHTS = ['The user wants a greeting', ' in German and Japanese.', ' Keep it short.', ' Add an emoji.', ' Done thinking.', ' Answer now.'];

    it('is not part of the answer', async () => {
      provider.script(provider.thinkThenAnswer(DELTAS, USAGE, THOUGHTS, 0));
      const { base } = await sample();
      const result = await ask(base);
      expectWholeAnswer(result, THOUGHTS);
      expect(contentOf(result).join('')).not.toContain('greeting');
    });

    // KNOWN BUG (see the report): the idle timer restarts only on the parts a driver emits
    // (text, finish), so a provider that keeps streaming reasoning for longer than idleMs is
    // declared stalled although data arrives every 100 ms. Flip to `it` once fixed.
    it('for longer than the idle timeout, with data every 100 ms, is not a stall (IDLE_TIMEOUT_MS=300)', async () => {
      provider.script(provider.thinkThenAnswer(DELTAS, USAGE, THOUGHTS, 100));
      const { base } = await sample({ BUPPLE_ENGINE_IDLE_TIMEOUT_MS: '300', BUPPLE_ENGINE_MAX_RETRIES: '0' });
      const result = await ask(base);
      expectWholeAnswer(result, THOUGHTS);
    });
  });

  describe('a conversation with a system prompt and options', () => {
    const messages = [
      { role: 'system', content: 'You are terse. Answer in German.' },
      { role: 'user', content: 'Wie heißt die Hauptstadt von Frankreich?' },
      { role: 'assistant', content: 'Paris.' },
      { role: 'user', content: 'Und von Japan? 🗾' },
    ];
    const options = { temperature: 0.3, maxTokens: 64, stop: ['END'] };

    /** What the driver must have sent, in this provider's terms. */
    const expectMappedRequest = () => {
      expect(provider.requests).toHaveLength(1);
      const request = provider.requests[0];
      expect(request.url).toBe(wire.streamPath);
      expect(wire.keyOf(request)).toBe(wire.apiKey);
      expect(request.headers).toMatchObject(wire.extraHeaders);
      const sent = wire.read(request.body);
      expect(sent).toEqual({
        model: engine === 'gemini' ? undefined : wire.model,
        system: 'You are terse. Answer in German.',
        turns: [
          { role: 'user', text: 'Wie heißt die Hauptstadt von Frankreich?' },
          { role: wire.assistantRole, text: 'Paris.' },
          { role: 'user', text: 'Und von Japan? 🗾' },
        ],
        temperature: wire.unsupportedOptions.includes('temperature') ? undefined : 0.3,
        maxTokens: 64,
        stop: ['END'],
        stream: true,
      });
      // the system prompt is not also sent as a turn
      expect(JSON.stringify(request.body).split('You are terse.').length - 1).toBe(1);
    };

    it('POST /chat/stream: 200 and the whole answer; system prompt, roles and options mapped for the provider', async () => {
      provider.script(provider.answer(DELTAS, USAGE));
      const { base } = await sample();
      const result = await readSse(`${base}/chat/stream`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ messages, options }),
        timeoutMs: READ_MS,
      });
      expectWholeAnswer(result);
      expectMappedRequest();
    });

    if (wire.unsupportedOptions.length > 0) {
      // KNOWN GAP (see the report): SseSession emits `content` with {content, index} only, so the
      // warnings of the first chunk never reach an SSE client. Flip to `it` once they do.
      it('POST /chat/stream: the warning for an unsupported option reaches the SSE client', async () => {
        provider.script(provider.answer(DELTAS, USAGE, false));
        const { base } = await sample();
        const result = await readSse(`${base}/chat/stream`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ messages, options }),
          timeoutMs: READ_MS,
        });
        expect(result.status).toBe(200);
        for (const option of wire.unsupportedOptions) {
          expect(result.events.filter((e) => e.event !== 'content' && e.data.includes(`does not support ${option}`))).not.toEqual([]);
        }
      });
    }

    it('POST /chat: JSON {role, content, model, usage, finishReason}, with a warning for each option the provider cannot take', async () => {
      provider.script(provider.answer(DELTAS, USAGE));
      const { base } = await sample();
      const response = await fetch(`${base}/chat`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ messages, options }),
        signal: AbortSignal.timeout(READ_MS),
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      const body = await response.json();
      expect(body).toMatchObject({ role: 'assistant', content: TEXT, engine, model: wire.model, usage: USAGE, finishReason: 'stop' });
      expect(body.warnings.map((w: { option: string }) => w.option)).toEqual(wire.unsupportedOptions);
      expectMappedRequest();
    });
  });

  describe('errors before the first byte', () => {
    const badKey = revokedKey(wire);

    it('a rejected key (401) → HTTP 502 JSON {code: "authentication"} before any event, no retry, the key nowhere in the answer', async () => {
      provider.script(provider.answer(DELTAS, USAGE));
      const { base } = await sample({}, badKey);
      const result = await ask(base);
      expect(result.status).toBe(502);
      expect(result.headers.get('content-type')).toMatch(/^application\/json/);
      expect(result.events).toEqual([]);
      expect(JSON.parse(result.raw)).toMatchObject({ statusCode: 502, code: 'authentication', retryable: false });
      expect(result.raw).not.toContain(badKey);
      expect(result.raw).not.toContain(badKey.slice(8, -8));
      // the provider saw the key, and was asked once
      expect(provider.requests).toHaveLength(1);
      expect(wire.keyOf(provider.requests[0])).toBe(badKey);
    });

    if (engine === 'gemini') {
      it('Gemini’s own answer to a bad key (400 API_KEY_INVALID) → HTTP 502 {code: "authentication"}, no retry', async () => {
        provider.script((_req, res) => sendGeminiInvalidKey(res));
        const { base } = await sample();
        const result = await ask(base);
        expect(result.status).toBe(502);
        expect(JSON.parse(result.raw)).toMatchObject({ code: 'authentication', retryable: false });
        expect(provider.requests).toHaveLength(1);
      });
    }

    it(`429 asking to wait ${wire.rateLimitDelayMs} ms, then success → 200 and the whole answer; the wait was honoured`, async () => {
      provider.script(provider.httpError('rate_limit'), provider.answer(DELTAS, USAGE, false));
      // backoff alone would wait ~5 ms: a gap close to the provider's delay shows it was read
      const { base } = await sample();
      const result = await ask(base);
      expectWholeAnswer(result);
      expect(provider.requests).toHaveLength(2);
      const gap = provider.arrivals[1] - provider.arrivals[0];
      expect(gap).toBeGreaterThanOrEqual(wire.rateLimitDelayMs * 0.9);
      // and the precise one: OpenAI's retry-after-ms (300) wins over its rounded retry-after (1 s)
      expect(gap).toBeLessThan(wire.rateLimitDelayMs + 600);
    });

    it('a 429 that persists (MAX_RETRIES=0) → HTTP 429 {code: "rate_limit"} with Retry-After in seconds', async () => {
      provider.script(provider.httpError('rate_limit'));
      const { base } = await sample({ BUPPLE_ENGINE_MAX_RETRIES: '0' });
      const result = await ask(base);
      expect(result.status).toBe(429);
      expect(result.headers.get('retry-after')).toBe(String(Math.ceil(wire.rateLimitDelayMs / 1000)));
      expect(JSON.parse(result.raw)).toMatchObject({ statusCode: 429, code: 'rate_limit', retryable: true });
      expect(provider.requests).toHaveLength(1);
    });

    it('the client leaves while the engine waits to retry a 429 → the retry is never sent', async () => {
      provider.script(provider.httpError('rate_limit'), provider.answer(DELTAS, USAGE, false));
      const { base } = await sample();
      await expect(fetch(`${base}/chat/stream?message=hi`, { signal: AbortSignal.timeout(100) })).rejects.toThrow();
      await new Promise((resolve) => setTimeout(resolve, wire.rateLimitDelayMs + 300));
      expect(provider.requests).toHaveLength(1);
    });

    it('500 before the first chunk, then success → a transparent retry: no retry event, the whole answer once', async () => {
      provider.script(provider.httpError('server'), provider.answer(DELTAS, USAGE));
      const { base } = await sample();
      const result = await ask(base);
      expectWholeAnswer(result);
      expect(provider.requests).toHaveLength(2);
    });

    it('a 500 that persists (MAX_RETRIES=1) → HTTP 502 {code: "provider_error"} after 2 requests', async () => {
      provider.script(provider.httpError('server'));
      const { base } = await sample({ BUPPLE_ENGINE_MAX_RETRIES: '1' });
      const result = await ask(base);
      expect(result.status).toBe(502);
      expect(result.events).toEqual([]);
      expect(JSON.parse(result.raw)).toMatchObject({ statusCode: 502, code: 'provider_error', retryable: true });
      expect(provider.requests).toHaveLength(2);
    });

    it('an error event in the stream before any text, then success → retry {reset: false}, the whole answer once', async () => {
      provider.script(provider.errorAfter(DELTAS, 0, USAGE), provider.answer(DELTAS, USAGE));
      const { base } = await sample();
      const result = await ask(base);
      expect(result.status).toBe(200);
      // the provider accepted the first request (200), so the stream was already open
      expect(names(result)).toEqual(['start', 'retry', ...DELTAS.map(() => 'content'), 'complete']);
      expect(dataOf(result, 'retry')[0]).toMatchObject({ attempt: 1, maxAttempts: 2, reset: false });
      expect(contentOf(result).join('')).toBe(TEXT);
      expect(dataOf(result, 'complete')[0]).toEqual({ finishReason: 'stop', usage: USAGE });
      expect(provider.requests).toHaveLength(2);
    });

    it('no response headers within the first-byte timeout → HTTP 504 {code: "connection"}; the provider request is aborted', async () => {
      provider.script(provider.silent());
      const { base } = await sample({ BUPPLE_ENGINE_FIRST_BYTE_TIMEOUT_MS: '300', BUPPLE_ENGINE_MAX_RETRIES: '0' });
      const result = await ask(base);
      expect(result.status).toBe(504);
      expect(JSON.parse(result.raw)).toMatchObject({ code: 'connection', retryable: true });
      expect(provider.requests).toHaveLength(1);
      await within(provider.requests[0].aborted, 1000, 'the abort of the provider request');
    });
  });

  describe('failures after text has flowed', () => {
    const K = 2;

    it('a provider error mid-stream → stream_error with the typed code after the partial text, nothing repeated, no second request', async () => {
      provider.script(provider.errorAfter(DELTAS, K, USAGE), provider.answer(DELTAS, USAGE));
      const { base } = await sample();
      const result = await ask(base);
      expect(result.status).toBe(200);
      expect(names(result)).toEqual(['start', 'content', 'content', 'stream_error']);
      expect(contentOf(result)).toEqual(DELTAS.slice(0, K));
      expect(dataOf(result, 'stream_error')[0]).toMatchObject({ code: wire.midStreamErrorCode, retryable: true, message: expect.any(String) });
      expect(result.raw).not.toContain(wire.apiKey);
      expect(provider.requests).toHaveLength(1);
    });

    it('with RETRY_AFTER_CONTENT=restart → retry {reset: true}, then the whole answer from index 0', async () => {
      provider.script(provider.errorAfter(DELTAS, K, USAGE), provider.answer(DELTAS, USAGE));
      const { base } = await sample({ BUPPLE_ENGINE_RETRY_AFTER_CONTENT: 'restart' });
      const result = await ask(base);
      expect(result.status).toBe(200);
      expect(names(result)).toEqual(['start', 'content', 'content', 'retry', ...DELTAS.map(() => 'content'), 'complete']);
      expect(dataOf(result, 'retry')[0]).toMatchObject({ attempt: 1, maxAttempts: 2, reset: true });
      const contents = dataOf<{ content: string; index: number }>(result, 'content');
      expect(contents.slice(0, K).map((c) => c.content)).toEqual(DELTAS.slice(0, K));
      // after the reset the client rebuilds the answer from scratch
      expect(
        contents
          .slice(K)
          .map((c) => c.content)
          .join(''),
      ).toBe(TEXT);
      expect(contents.slice(K).map((c) => c.index)).toEqual(DELTAS.map((_, i) => i));
      expect(dataOf(result, 'complete')[0]).toEqual({ finishReason: 'stop', usage: USAGE });
      expect(provider.requests).toHaveLength(2);
    });

    it('the connection drops after text → stream_error {code: "connection"}; with restart → retry {reset: true} and the whole answer', async () => {
      provider.script(provider.dropAfter(DELTAS, K, USAGE), provider.answer(DELTAS, USAGE, false));
      const plain = await sample();
      const failed = await ask(plain.base);
      expect(names(failed)).toEqual(['start', 'content', 'content', 'stream_error']);
      expect(contentOf(failed)).toEqual(DELTAS.slice(0, K));
      expect(dataOf(failed, 'stream_error')[0]).toMatchObject({ code: 'connection', retryable: true });
      expect(provider.requests).toHaveLength(1);

      provider.script(provider.dropAfter(DELTAS, K, USAGE), provider.answer(DELTAS, USAGE, false));
      const restarting = await sample({ BUPPLE_ENGINE_RETRY_AFTER_CONTENT: 'restart' });
      const restarted = await ask(restarting.base);
      expect(names(restarted)).toEqual(['start', 'content', 'content', 'retry', ...DELTAS.map(() => 'content'), 'complete']);
      expect(dataOf(restarted, 'retry')[0]).toMatchObject({ attempt: 1, reset: true });
      expect(contentOf(restarted).slice(K).join('')).toBe(TEXT);
      expect(provider.requests).toHaveLength(2);
    });

    it('POST /chat: a mid-stream error is retried (nothing was sent yet) and the JSON has the text exactly once', async () => {
      provider.script(provider.errorAfter(DELTAS, K, USAGE), provider.answer(DELTAS, USAGE));
      const { base } = await sample();
      const response = await fetch(`${base}/chat`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ messages: [{ role: 'user', content: QUESTION }] }),
        signal: AbortSignal.timeout(READ_MS),
      });
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ content: TEXT, engine, finishReason: 'stop', usage: USAGE });
      expect(provider.requests).toHaveLength(2);
    });

    it('a stall after text (IDLE_TIMEOUT_MS=300, MAX_RETRIES=0) → stream_error {code: "connection"}; the provider connection is closed', async () => {
      provider.script(provider.stallAfter(DELTAS, K, USAGE));
      const { base } = await sample({ BUPPLE_ENGINE_IDLE_TIMEOUT_MS: '300', BUPPLE_ENGINE_MAX_RETRIES: '0' });
      const started = Date.now();
      const result = await ask(base);
      expect(result.status).toBe(200);
      expect(names(result)).toEqual(['start', 'content', 'content', 'stream_error']);
      expect(contentOf(result)).toEqual(DELTAS.slice(0, K));
      expect(dataOf(result, 'stream_error')[0]).toMatchObject({ code: 'connection', retryable: true });
      expect(Date.now() - started).toBeGreaterThanOrEqual(250);
      await within(provider.requests[0].aborted, 1000, 'the abort of the stalled provider request');
      expect(provider.requests).toHaveLength(1);
    });

    it('the client leaves mid-stream (BUPPLE_SSE_ON_DISCONNECT=abort) → the provider request is aborted within 1 s', async () => {
      provider.script(provider.stallAfter(DELTAS, K, USAGE));
      // the sample's default keeps generating for a grace period, for a client that comes back
      const { base } = await sample({ BUPPLE_SSE_ON_DISCONNECT: 'abort' });
      const result = await ask(base, { stopAfter: 1 + K });
      const left = Date.now();
      expect(names(result)).toEqual(['start', 'content', 'content']);
      await within(provider.requests[0].aborted, 1000, 'the abort of the provider request after the client left');
      expect(Date.now() - left).toBeLessThan(1000);
      expect(provider.requests).toHaveLength(1);
    });
  });
});

describe('fallback across the three engines', () => {
  const openai = new ScriptedProvider(WIRES.openai);
  const claude = new ScriptedProvider(WIRES.claude);
  const gemini = new ScriptedProvider(WIRES.gemini);
  const GEMINI_DELTAS = ['Antwort ', 'von Gemini ', '✨'];

  beforeAll(() => Promise.all([openai.start(), claude.start(), gemini.start()]));
  afterAll(() => Promise.all([openai.stop(), claude.stop(), gemini.stop()]));

  const env = (fallback: string, openaiKey?: string) => ({
    BUPPLE_DEFAULT_ENGINE_DRIVER: 'openai',
    BUPPLE_ENGINE_FALLBACK: fallback,
    ...engineEnv(openai, openaiKey),
    ...engineEnv(claude),
    ...engineEnv(gemini),
  });

  it('openai rejects the key (401), claude is overloaded (529), gemini answers: start names gemini, only gemini’s text', async () => {
    openai.script(openai.answer(DELTAS, USAGE));
    claude.script(claude.httpError('overloaded'), claude.answer(DELTAS, USAGE));
    gemini.script(gemini.answer(GEMINI_DELTAS, USAGE));
    const { base } = await boot(env('openai,claude,gemini', revokedKey(WIRES.openai)));
    const result = await readSse(`${base}/chat/stream?message=hi`, { timeoutMs: READ_MS });
    expect(result.status).toBe(200);
    expect(names(result)).toEqual(['start', 'fallback', 'fallback', ...GEMINI_DELTAS.map(() => 'content'), 'complete']);
    expect(dataOf(result, 'start')[0]).toMatchObject({ engine: 'gemini', model: WIRES.gemini.model });
    expect(dataOf(result, 'fallback')).toEqual([
      { from: 'openai', to: 'claude', reason: 'authentication', reset: false },
      { from: 'claude', to: 'gemini', reason: 'overloaded', reset: false },
    ]);
    expect(contentOf(result).join('')).toBe(GEMINI_DELTAS.join(''));
    expect(dataOf(result, 'complete')[0]).toEqual({ finishReason: 'stop', usage: USAGE });
    // auth is not retried; an overloaded provider is left for the next engine at once
    expect([openai.requests.length, claude.requests.length, gemini.requests.length]).toEqual([1, 1, 1]);
    expect(result.raw).not.toContain(revokedKey(WIRES.openai).slice(8, -8));
    expect(logs.lines).toContainEqual(expect.stringMatching(/^warn openai failed \(authentication\); falling back to claude/));
  });

  it('retries exhausted on openai (500 ×3), then claude answers; POST /chat reports claude', async () => {
    openai.script(openai.httpError('server'));
    claude.script(claude.answer(GEMINI_DELTAS, USAGE));
    gemini.script(gemini.answer(DELTAS, USAGE));
    const { base } = await boot(env('claude,gemini'));
    const response = await fetch(`${base}/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }] }),
      signal: AbortSignal.timeout(READ_MS),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ content: GEMINI_DELTAS.join(''), engine: 'claude', model: WIRES.claude.model, finishReason: 'stop' });
    expect([openai.requests.length, claude.requests.length, gemini.requests.length]).toEqual([3, 1, 0]);
  });

  it('after content, with RETRY_AFTER_CONTENT=restart and retries spent → fallback {reset: true}, then the next engine’s whole answer', async () => {
    openai.script(openai.errorAfter(DELTAS, 2, USAGE));
    claude.script(claude.answer(GEMINI_DELTAS, USAGE));
    gemini.script(gemini.answer(DELTAS, USAGE));
    const { base } = await boot({ ...env('claude,gemini'), BUPPLE_ENGINE_MAX_RETRIES: '0', BUPPLE_ENGINE_RETRY_AFTER_CONTENT: 'restart' });
    const result = await readSse(`${base}/chat/stream?message=hi`, { timeoutMs: READ_MS });
    expect(result.status).toBe(200);
    expect(names(result)).toEqual(['start', 'content', 'content', 'fallback', ...GEMINI_DELTAS.map(() => 'content'), 'complete']);
    expect(dataOf(result, 'fallback')).toEqual([{ from: 'openai', to: 'claude', reason: 'provider_error', reset: true }]);
    expect(contentOf(result).slice(2).join('')).toBe(GEMINI_DELTAS.join(''));
    expect([openai.requests.length, claude.requests.length, gemini.requests.length]).toEqual([1, 1, 0]);
  });

  it('after content, without restart → stream_error; no fallback (the client already has part of an answer)', async () => {
    openai.script(openai.errorAfter(DELTAS, 2, USAGE));
    claude.script(claude.answer(GEMINI_DELTAS, USAGE));
    const { base } = await boot(env('claude,gemini'));
    const result = await readSse(`${base}/chat/stream?message=hi`, { timeoutMs: READ_MS });
    expect(names(result)).toEqual(['start', 'content', 'content', 'stream_error']);
    expect([openai.requests.length, claude.requests.length]).toEqual([1, 0]);
  });

  it('every engine fails → the last error, as HTTP 503 {code: "overloaded"}', async () => {
    openai.script(openai.httpError('auth'));
    claude.script(claude.httpError('overloaded'));
    gemini.script(gemini.httpError('overloaded'));
    const { base } = await boot({ ...env('claude,gemini'), BUPPLE_ENGINE_MAX_RETRIES: '0' });
    const result = await readSse(`${base}/chat/stream?message=hi`, { timeoutMs: READ_MS });
    expect(result.status).toBe(503);
    expect(JSON.parse(result.raw)).toMatchObject({ code: 'overloaded', retryable: true });
    expect([openai.requests.length, claude.requests.length, gemini.requests.length]).toEqual([1, 1, 1]);
  });
});

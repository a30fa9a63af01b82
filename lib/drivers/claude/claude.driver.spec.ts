import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import {
  cutsInside,
  FakeProviderServer,
  parseJsonLines,
  sendJsonError,
  sleep,
  sseFrame,
  startEventStream,
  writeCuts,
  writeSplit,
} from '../../../test/utils/fake-provider-server.js';
import { collect, texts, within } from '../../../test/utils/driver-outcome.js';
import { freePort } from '../../../test/utils/tcp-proxy.js';
import {
  AuthenticationException,
  ConnectionException,
  EngineException,
  ProviderOverloadedException,
  ProviderServerException,
  ProviderStreamLimitException,
  RateLimitException,
  ValidationException,
} from '../../errors/engine.exception.js';
import type { DriverCallOptions } from '../../interfaces/engine-call-options.interface.js';
import type { EngineMessage } from '../../interfaces/engine-message.interface.js';
import type { DriverStreamPart } from '../engine-driver.interface.js';
import { CLAUDE_DEFAULT_MAX_TOKENS, ClaudeDriver, createClaudeDriver } from './claude.driver.js';

const KEY = 'sk-ant-api03-Zq7TESTKEYnotreal0123456789abcdefXYZ';
const MODEL = 'claude-sonnet-5-5';
const hello: EngineMessage[] = [{ role: 'user', content: 'Hello' }];

interface RecordedEvent {
  event: string;
  data: unknown;
}

function fixture(name: string): RecordedEvent[] {
  return parseJsonLines(readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), 'utf8')) as RecordedEvent[];
}

/** A recorded fixture as the bytes Anthropic sends. */
function wire(events: RecordedEvent[]): string {
  return events.map((e) => sseFrame(e.data, e.event)).join('');
}

function textOf(events: RecordedEvent[]): string {
  return events
    .map((e) => (e.data as { delta?: { type?: string; text?: string } }).delta)
    .filter((delta) => delta?.type === 'text_delta')
    .map((delta) => delta!.text)
    .join('');
}

describe('ClaudeDriver against a local Anthropic Messages API', () => {
  const server = new FakeProviderServer();
  let driver: ClaudeDriver;

  // The SDK logs a line it cannot parse (through Nest's Logger): keep those quiet, and check them.
  let sdkParseLog: ReturnType<typeof jest.spyOn>;

  beforeAll(async () => {
    sdkParseLog = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    await server.start();
    driver = await createClaudeDriver('claude', { apiKey: KEY, baseURL: server.url, model: MODEL });
  });
  afterAll(async () => {
    sdkParseLog.mockRestore();
    await server.stop();
  });
  beforeEach(() => {
    server.requests.length = 0;
  });

  const call = (messages: EngineMessage[] = hello, options: Partial<DriverCallOptions> = {}, d: ClaudeDriver = driver) =>
    d.stream({ messages, options: { model: MODEL, ...options } });

  describe('a recorded text answer', () => {
    const events = fixture('text-stream.jsonl');
    const payload = wire(events);
    const expected = 'Grüße aus Köln! 日本語のテキスト 🎉 und ein Astronaut 👩‍🚀 — fertig.';

    it.each([
      [
        'cut inside every multi-byte character and inside the event and data lines',
        (res: Parameters<typeof writeCuts>[0]) =>
          writeCuts(res, payload, [
            ...cutsInside(payload, ['ü', 'ö', '日', '語', '🎉', '👩', '🚀', '—'], 1),
            ...cutsInside(payload, ['🎉', '🚀'], 3),
            ...cutsInside(payload, ['event: ', 'data: {', '\n\n'], 3),
          ]),
      ],
      ['in 7-byte pieces', (res: Parameters<typeof writeCuts>[0]) => writeSplit(res, payload, 7, 0)],
    ])('is assembled exactly when the bytes arrive %s', async (_how, write) => {
      expect(textOf(events)).toBe(expected); // the fixture holds what the test claims
      server.respond(async (_req, res) => {
        startEventStream(res, { 'request-id': 'req_test' });
        await write(res);
        res.end();
      });
      const { parts, error, completed } = await collect(call());
      expect(error).toBeUndefined();
      expect(completed).toBe(true);
      expect(parts[0]).toEqual({ type: 'response-start', model: MODEL, warnings: [] });
      expect(texts(parts).join('')).toBe(expected);
      expect(texts(parts)).toHaveLength(4);
      expect(parts[parts.length - 1]).toEqual({
        type: 'finish',
        responseId: 'msg_01XkT9bqVn3rJ5LwYc8ZpQ2A',
        finishReason: 'stop',
        rawFinishReason: 'end_turn',
        // cache reads are part of the prompt tokens, and reported apart
        usage: { promptTokens: 25, completionTokens: 17, totalTokens: 42, cachedInputTokens: 4 },
      });
    });

    it('makes no request before subscription, and one per subscription', async () => {
      server.respond(async (_req, res) => {
        startEventStream(res);
        res.end(payload);
      });
      const stream = call();
      await sleep(30);
      expect(server.requests).toHaveLength(0);
      await collect(stream);
      await collect(stream);
      expect(server.requests).toHaveLength(2);
    });
  });

  it('sends the request Anthropic expects: path, auth and version headers, system, merged turns, options', async () => {
    server.respond(async (_req, res) => {
      startEventStream(res);
      res.end(wire(fixture('text-stream.jsonl')));
    });
    const messages: EngineMessage[] = [
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: 'First question' },
      { role: 'user', content: [{ type: 'text', text: 'with more detail' }] },
      { role: 'assistant', content: 'An answer' },
      { role: 'system', content: [{ type: 'text', text: 'Answer in German.' }] },
      { role: 'user', content: 'Follow-up' },
    ];
    const { parts } = await collect(
      call(messages, {
        maxTokens: 256,
        temperature: 0.3,
        topP: 0.9,
        stop: ['END', '###'],
        presencePenalty: 0.5,
        frequencyPenalty: 0.2,
        user: 'user-42',
        providerOptions: { service_tier: 'standard_only', thinking: { type: 'adaptive' } },
      }),
    );

    const request = server.lastRequest;
    expect(request.method).toBe('POST');
    expect(request.url).toBe('/v1/messages');
    // @anthropic-ai/sdk 1.x sends the key as a bearer token (not x-api-key) with API version 2026-10-21.
    expect(request.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(request.headers['x-api-key']).toBeUndefined();
    expect(request.headers['anthropic-version']).toBe('2026-10-21');
    expect(request.headers['x-stainless-retry-count']).toBe('0');
    expect(request.body).toEqual({
      model: MODEL,
      max_tokens: 256,
      stream: true,
      system: 'You are terse.\n\nAnswer in German.',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'First question' },
            { type: 'text', text: 'with more detail' },
          ],
        },
        { role: 'assistant', content: 'An answer' },
        { role: 'user', content: 'Follow-up' },
      ],
      stop_sequences: ['END', '###'],
      metadata: { user_id: 'user-42' },
      service_tier: 'standard_only',
      thinking: { type: 'adaptive' },
    });
    const start = parts[0] as Extract<DriverStreamPart, { type: 'response-start' }>;
    expect(start.type).toBe('response-start');
    expect(start.warnings.map((w) => [w.type, w.option])).toEqual([
      ['unsupported-option', 'temperature'],
      ['unsupported-option', 'topP'],
      ['unsupported-option', 'presencePenalty'],
      ['unsupported-option', 'frequencyPenalty'],
    ]);
    expect(start.warnings[0].message).toMatch(/claude does not support temperature .*2026-10-21.*not sent/);
  });

  it('sends max_tokens from the call, else the engine configuration, else 4096', async () => {
    server.respond(async (_req, res) => {
      startEventStream(res);
      res.end(wire(fixture('text-stream.jsonl')));
    });
    const configured = await createClaudeDriver('claude', { apiKey: KEY, baseURL: server.url, maxTokens: 1000, temperature: 0.5 });
    const bare = await createClaudeDriver('claude', { apiKey: KEY, baseURL: server.url });
    await collect(call(hello, { maxTokens: 50 }, configured));
    await collect(call(hello, {}, configured));
    await collect(call(hello, {}, bare));
    expect(server.requests.map((r) => r.body.max_tokens)).toEqual([50, 1000, CLAUDE_DEFAULT_MAX_TOKENS]);
    expect(configured.defaults).toEqual({ temperature: 0.5, maxTokens: 1000 });
    expect(configured.defaultModel).toBe('claude-sonnet-5-5');
    expect(bare.defaults).toEqual({});
  });

  it('maps images given as base64, data URL and URL to image blocks', async () => {
    server.respond(async (_req, res) => {
      startEventStream(res);
      res.end(wire(fixture('text-stream.jsonl')));
    });
    await collect(
      call([
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Compare these' },
            { type: 'image', data: 'iVBORw0KGgo=', mimeType: 'image/png' },
            { type: 'image', url: 'data:image/webp;base64,UklGRiQ=' },
            { type: 'image', url: 'https://example.com/cat.jpg' },
          ],
        },
      ]),
    );
    expect(server.lastRequest.body.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Compare these' },
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
          { type: 'image', source: { type: 'base64', media_type: 'image/webp', data: 'UklGRiQ=' } },
          { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
        ],
      },
    ]);
  });

  it.each([
    [
      'audio, naming the part',
      [
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Listen' },
            { type: 'audio', data: 'UklGRg==', mimeType: 'audio/wav' },
          ],
        },
      ],
      /^messages\[2\]\.content\[1\]: claude cannot take a message part of type "audio"\.$/,
    ],
    [
      'a conversation that starts with the assistant',
      [
        { role: 'assistant', content: 'Hi, how can I help?' },
        { role: 'user', content: 'Hi' },
      ],
      /start with a user message/,
    ],
    ['only system messages', [{ role: 'system', content: 'Be nice.' }], /at least one user or assistant message/],
    ['an image type Claude cannot take', [{ role: 'user', content: [{ type: 'image', data: 'AAAA', mimeType: 'image/bmp' }] }], /image\/bmp/],
  ] as [string, EngineMessage[], RegExp][])('rejects %s with a ValidationException before any request', async (_what, messages, message) => {
    const { error, parts } = await collect(call(messages));
    expect(error).toBeInstanceOf(ValidationException);
    expect((error as ValidationException).message).toMatch(message);
    expect((error as ValidationException).provider).toBe('claude');
    expect((error as ValidationException).engine).toBe('claude');
    expect(parts).toEqual([]);
    expect(server.requests).toHaveLength(0);
  });

  it('streams the thinking apart from the text, with its signature, and reports max_tokens as length', async () => {
    const events = fixture('thinking-stream.jsonl');
    server.respond(async (_req, res) => {
      startEventStream(res);
      await writeSplit(res, wire(events), 11, 0);
      res.end();
    });
    const { parts } = await collect(call());
    expect(texts(parts).join('')).toBe('Waves fold into foam,\nsalt wind');
    expect(parts.filter((p) => p.type === 'reasoning-delta' || p.type === 'reasoning-end')).toEqual([
      { type: 'reasoning-delta', text: 'The user wants a haiku about the sea.' },
      { type: 'reasoning-end', signature: 'EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds' },
    ]);
    // the reasoning ends before the first text
    expect(parts.findIndex((p) => p.type === 'reasoning-end')).toBeLessThan(parts.findIndex((p) => p.type === 'text-delta'));
    expect(parts[parts.length - 1]).toEqual({
      type: 'finish',
      responseId: 'msg_01Hd4nR7sWq2mCzXvB6yTe9K',
      finishReason: 'length',
      rawFinishReason: 'max_tokens',
      // cache writes are part of the prompt tokens, and reported apart
      usage: { promptTokens: 50, completionTokens: 64, totalTokens: 114, cacheWriteTokens: 12 },
    });
  });

  it('reports a refusal as a content_filter finish, keeping the raw reason', async () => {
    server.respond(async (_req, res) => {
      startEventStream(res);
      res.end(wire(fixture('refusal-stream.jsonl')));
    });
    const { parts, completed } = await collect(call());
    expect(completed).toBe(true);
    expect(parts[parts.length - 1]).toMatchObject({ type: 'finish', finishReason: 'content_filter', rawFinishReason: 'refusal' });
  });

  describe('errors', () => {
    const errorBody = (type: string, message: string) => ({ type: 'error', error: { type, message }, request_id: 'req_011CZ' });

    it('401 → AuthenticationException, not retryable', async () => {
      server.respond((_req, res) => sendJsonError(res, 401, errorBody('authentication_error', 'invalid x-api-key')));
      const { error, parts } = await collect(call());
      expect(parts).toEqual([]);
      expect(error).toBeInstanceOf(AuthenticationException);
      expect(error).toMatchObject({ provider: 'claude', engine: 'claude', status: 401, retryable: false, code: 'authentication' });
      expect((error as EngineException).body).toEqual(errorBody('authentication_error', 'invalid x-api-key'));
    });

    it('429 → RateLimitException with retryAfter from the retry-after header, and no SDK retry', async () => {
      server.respond((_req, res) =>
        sendJsonError(res, 429, errorBody('rate_limit_error', 'Number of request tokens has exceeded your per-minute rate limit'), {
          'retry-after': '7',
          'anthropic-ratelimit-requests-remaining': '0',
        }),
      );
      const { error } = await collect(call());
      expect(error).toBeInstanceOf(RateLimitException);
      expect(error).toMatchObject({ status: 429, retryAfter: 7000, retryable: true, provider: 'claude' });
      expect(server.requests).toHaveLength(1);
    });

    it('500 before the first chunk → ProviderServerException, retryable, one request', async () => {
      server.respond((_req, res) => sendJsonError(res, 500, errorBody('api_error', 'Internal server error')));
      const { error, parts } = await collect(call());
      expect(parts).toEqual([]);
      expect(error).toBeInstanceOf(ProviderServerException);
      expect(error).toMatchObject({ status: 500, retryable: true, code: 'provider_error' });
      expect(server.requests).toHaveLength(1);
    });

    it('529 → ProviderOverloadedException', async () => {
      server.respond((_req, res) => sendJsonError(res, 529, errorBody('overloaded_error', 'Overloaded')));
      const { error } = await collect(call());
      expect(error).toBeInstanceOf(ProviderOverloadedException);
      expect(error).toMatchObject({ status: 529, retryable: true, code: 'overloaded', provider: 'claude', engine: 'claude' });
      expect(server.requests).toHaveLength(1);
    });

    it.each([
      [400, 'invalid_request_error', ValidationException],
      [404, 'not_found_error', ValidationException],
      [403, 'permission_error', AuthenticationException],
      [402, 'billing_error', AuthenticationException],
      [503, 'api_error', ProviderServerException],
    ] as const)('%i %s → %p', async (status, type, kind) => {
      server.respond((_req, res) => sendJsonError(res, status, errorBody(type, `${type} happened`)));
      const { error } = await collect(call());
      expect(error).toBeInstanceOf(kind);
      expect(error).toMatchObject({ status, provider: 'claude' });
    });

    it('an `event: error` after content → the same class (overloaded), after the text already sent', async () => {
      const events = fixture('overloaded-mid-stream.jsonl');
      server.respond(async (_req, res) => {
        startEventStream(res);
        await writeSplit(res, wire(events), 13, 0);
        res.end();
      });
      const { error, parts, completed } = await collect(call());
      expect(completed).toBe(false);
      expect(parts.map((p) => p.type)).toEqual(['response-start', 'text-delta']);
      expect(texts(parts)).toEqual(['Let me think about']);
      expect(error).toBeInstanceOf(ProviderOverloadedException);
      expect(error).toMatchObject({ provider: 'claude', engine: 'claude', retryable: true });
      expect((error as EngineException).body).toMatchObject({ type: 'error', error: { type: 'overloaded_error' } });
    });

    it.each([
      ['api_error', ProviderServerException],
      ['rate_limit_error', RateLimitException],
    ] as const)('an `event: error` of type %s → %p', async (type, kind) => {
      server.respond(async (_req, res) => {
        startEventStream(res);
        res.end(wire(fixture('overloaded-mid-stream.jsonl').slice(0, 3)) + sseFrame(errorBody(type, 'stream failed'), 'error'));
      });
      const { error } = await collect(call());
      expect(error).toBeInstanceOf(kind);
    });

    it('a 200 that is no event stream (a proxy’s HTML page) → ProviderServerException before any part, not retryable', async () => {
      server.respond((_req, res) => {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end('<html><body>Gateway login</body></html>');
      });
      const { error, parts } = await collect(call());
      expect(parts).toEqual([]);
      expect(error).toBeInstanceOf(ProviderServerException);
      expect(error).toMatchObject({ provider: 'claude', engine: 'claude', status: 200, retryable: false, body: '<html><body>Gateway login</body></html>' });
    });

    it('an event over maxEventLength → ProviderStreamLimitException; the engine’s headers are sent', async () => {
      const capped = await createClaudeDriver('claude', { apiKey: KEY, baseURL: server.url, maxEventLength: 400, headers: { 'x-gateway-key': 'gw-1' } });
      server.respond(async (_req, res) => {
        startEventStream(res);
        res.end(
          wire(fixture('text-stream.jsonl').slice(0, 3)) +
            sseFrame({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'x'.repeat(1000) } }, 'content_block_delta'),
        );
      });
      const { error } = await collect(call(hello, {}, capped));
      capped.close();
      expect(error).toBeInstanceOf(ProviderStreamLimitException);
      expect(server.lastRequest.headers['x-gateway-key']).toBe('gw-1');
    });

    it('a stream that ends without message_stop → ConnectionException', async () => {
      server.respond(async (_req, res) => {
        startEventStream(res);
        res.end(wire(fixture('text-stream.jsonl').slice(0, 5)));
      });
      const { error, parts } = await collect(call());
      expect(texts(parts).length).toBeGreaterThan(0);
      expect(error).toBeInstanceOf(ConnectionException);
      expect((error as Error).message).toBe('claude ended the stream before the answer was finished.');
    });

    it('a connection dropped mid-stream → ConnectionException after the text already sent', async () => {
      server.respond(async (_req, res) => {
        startEventStream(res);
        res.write(wire(fixture('text-stream.jsonl').slice(0, 5)));
        await sleep(20);
        res.destroy();
      });
      const { error, parts } = await collect(call());
      expect(texts(parts)).toEqual(['Grüße aus Köln!', ' 日本語のテキスト 🎉']);
      expect(error).toBeInstanceOf(ConnectionException);
      expect(error).toMatchObject({ provider: 'claude', engine: 'claude', retryable: true });
    });

    it('a malformed event → ProviderServerException', async () => {
      server.respond(async (_req, res) => {
        startEventStream(res);
        res.end(wire(fixture('text-stream.jsonl').slice(0, 2)) + 'event: content_block_delta\ndata: {"type":"content_block_delta",\n\n');
      });
      const { error } = await collect(call());
      expect(error).toBeInstanceOf(ProviderServerException);
      expect((error as Error).message).toBe('claude sent a stream event that is not valid JSON.');
      expect(sdkParseLog).toHaveBeenCalledWith(expect.stringMatching(/^Could not parse message into JSON: \{"type":"content_block_delta",/));
    });

    it('a refused connection → ConnectionException naming the cause', async () => {
      const offline = await createClaudeDriver('claude', { apiKey: KEY, baseURL: `http://127.0.0.1:${await freePort()}` });
      const { error } = await collect(call(hello, {}, offline));
      expect(error).toBeInstanceOf(ConnectionException);
      expect(error).toMatchObject({ provider: 'claude', engine: 'claude', retryable: true });
      expect((error as Error).message).toMatch(/^Could not reach claude: .*ECONNREFUSED/);
    });

    it('never puts the API key in a message, the JSON or an inspection of the error', async () => {
      server.respond((_req, res) => sendJsonError(res, 400, errorBody('invalid_request_error', `Key ${KEY} cannot use model x; also saw Bearer ${KEY}`)));
      const { error } = await collect(call());
      expect(error).toBeInstanceOf(ValidationException);
      expect((error as Error).message).toMatch(/^claude rejected the request: Key \[redacted\] cannot use model x/);
      for (const view of [(error as Error).message, JSON.stringify(error), inspect(error, { depth: 10 }), String((error as Error).stack)]) {
        expect(view).not.toContain(KEY);
        expect(view).not.toContain('Zq7TESTKEY');
      }
    });
  });

  it('unsubscribing aborts the upstream request and raises no error', async () => {
    const events = fixture('text-stream.jsonl');
    server.respond(async (req, res) => {
      startEventStream(res);
      res.write(wire(events.slice(0, 4)));
      await req.aborted; // hold the stream open until the client leaves
    });
    const seen: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const subscription = call().subscribe({
        next: (part) => {
          seen.push(part.type);
          if (part.type === 'text-delta') {
            subscription.unsubscribe();
            resolve();
          }
        },
        error: (error) => {
          seen.push('error');
          reject(error);
        },
        complete: () => seen.push('complete'),
      });
    });
    await within(server.lastRequest.aborted, 2000, 'closing the upstream connection');
    expect(server.lastRequest.wasAborted()).toBe(true);
    await sleep(20);
    expect(seen).toEqual(['response-start', 'activity', 'text-delta']); // activity: the ping
  });

  it('unsubscribing before the provider answers aborts the request and raises no error', async () => {
    server.respond(async (req) => {
      await req.aborted; // never answers
    });
    const seen: string[] = [];
    const subscription = call().subscribe({
      next: (part) => seen.push(part.type),
      error: () => seen.push('error'),
      complete: () => seen.push('complete'),
    });
    for (let waited = 0; server.requests.length === 0 && waited < 2000; waited += 5) await sleep(5);
    subscription.unsubscribe();
    await within(server.lastRequest.aborted, 2000, 'closing the upstream connection');
    await sleep(20);
    expect(seen).toEqual([]);
  });
});

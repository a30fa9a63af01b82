import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { inspect } from 'node:util';
import {
  cutsInside,
  FakeProviderServer,
  parseJsonLines,
  sendJsonError,
  sleep,
  startEventStream,
  writeCuts,
  writeSplit,
} from '../../../test/utils/fake-provider-server.js';
import { collect, texts, within } from '../../../test/utils/driver-outcome.js';
import { freePort } from '../../../test/utils/tcp-proxy.js';
import {
  AuthenticationException,
  ConnectionException,
  ContentFilterException,
  EngineException,
  ProviderOverloadedException,
  ProviderServerException,
  RateLimitException,
  ValidationException,
} from '../../errors/engine.exception.js';
import type { DriverCallOptions } from '../../interfaces/engine-call-options.interface.js';
import type { EngineMessage } from '../../interfaces/engine-message.interface.js';
import type { DriverStreamPart } from '../engine-driver.interface.js';
import { createGeminiDriver, GEMINI_DEFAULT_MODEL, GeminiDriver } from './gemini.driver.js';

const KEY = 'AIzaSyTESTKEYnotreal_0123456789abcdefXYZ';
const MODEL = 'gemini-flash-latest';
const STREAM_PATH = `/v1beta/models/${MODEL}:streamGenerateContent?alt=sse`;
const hello: EngineMessage[] = [{ role: 'user', content: 'Hello' }];

function fixture(name: string): unknown[] {
  const lines = parseJsonLines(readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), 'utf8')) as { data: unknown }[];
  return lines.map((line) => line.data);
}

/** Chunks as Gemini sends them with `alt=sse`: one `data:` line each, events separated by CRLF CRLF. */
function wire(chunks: unknown[]): string {
  return chunks.map((chunk) => `data: ${JSON.stringify(chunk)}\r\n\r\n`).join('');
}

function textOf(chunks: unknown[]): string {
  type Chunk = { candidates?: { content?: { parts?: { text?: string; thought?: boolean }[] } }[] };
  return (chunks as Chunk[])
    .flatMap((c) => c.candidates?.[0]?.content?.parts ?? [])
    .filter((p) => !p.thought)
    .map((p) => p.text ?? '')
    .join('');
}

const googleError = (code: number, status: string, message: string, details?: unknown[]) => ({
  error: { code, message, status, ...(details && { details }) },
});

describe('GeminiDriver against a local Gemini Developer API', () => {
  const server = new FakeProviderServer();
  let driver: GeminiDriver;

  beforeAll(async () => {
    await server.start();
    driver = await createGeminiDriver('gemini', { apiKey: KEY, baseURL: server.url, model: MODEL, projectId: 'acme-prod-1' });
  });
  afterAll(() => server.stop());
  beforeEach(() => {
    server.requests.length = 0;
  });

  const call = (messages: EngineMessage[] = hello, options: Partial<DriverCallOptions> = {}, d: GeminiDriver = driver) =>
    d.stream({ messages, options: { model: MODEL, ...options } });

  const replay = (name: string) =>
    server.respond(async (_req, res) => {
      startEventStream(res);
      res.end(wire(fixture(name)));
    });

  describe('a recorded text answer', () => {
    const chunks = fixture('text-stream.jsonl');
    const payload = wire(chunks);
    const expected = 'Grüße aus Köln! 日本語のテキスト 🎉 und ein Astronaut 👩‍🚀 — fertig.';

    it.each([
      [
        'cut inside every multi-byte character, the data: prefix and the CRLF CRLF separators',
        (res: ServerResponse) =>
          writeCuts(res, payload, [
            ...cutsInside(payload, ['ü', 'ö', '日', '語', '🎉', '👩', '🚀', '—'], 1),
            ...cutsInside(payload, ['🎉', '🚀'], 3),
            ...cutsInside(payload, ['data: {', '\r\n\r\n'], 2),
          ]),
      ],
      ['in 7-byte pieces', (res: ServerResponse) => writeSplit(res, payload, 7, 0)],
    ])('is assembled exactly when the bytes arrive %s', async (_how, write) => {
      expect(textOf(chunks)).toBe(expected); // the fixture holds what the test claims
      server.respond(async (_req, res) => {
        startEventStream(res);
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
        responseId: 'kP9hZ7GcE4-2nvgPq8uN0QQ',
        finishReason: 'stop',
        rawFinishReason: 'STOP',
        usage: { promptTokens: 11, completionTokens: 19, totalTokens: 30 },
      });
    });

    it('makes no request before subscription, and one per subscription', async () => {
      replay('text-stream.jsonl');
      const stream = call();
      await sleep(30);
      expect(server.requests).toHaveLength(0);
      await collect(stream);
      await collect(stream);
      expect(server.requests).toHaveLength(2);
    });
  });

  it('sends the request Gemini expects: path, key and project headers, system instruction, model turns, options', async () => {
    replay('text-stream.jsonl');
    const messages: EngineMessage[] = [
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: 'First question' },
      { role: 'user', content: [{ type: 'text', text: 'with more detail' }] },
      { role: 'assistant', content: 'An answer' },
      { role: 'system', content: 'Answer in German.' },
      { role: 'user', content: 'Follow-up' },
    ];
    const { parts } = await collect(
      call(messages, {
        temperature: 0.3,
        topP: 0.9,
        maxTokens: 256,
        stop: ['END'],
        presencePenalty: 0.5,
        frequencyPenalty: 0.2,
        user: 'user-42',
        providerOptions: {
          topK: 20,
          seed: 7,
          safetySettings: [{ category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_ONLY_HIGH' }],
        },
      }),
    );

    const request = server.lastRequest;
    expect(request.method).toBe('POST');
    expect(request.url).toBe(STREAM_PATH);
    expect(request.headers['x-goog-api-key']).toBe(KEY);
    expect(request.headers['x-goog-user-project']).toBe('acme-prod-1');
    expect(request.headers.authorization).toBeUndefined();
    expect(request.body).toEqual({
      contents: [
        { role: 'user', parts: [{ text: 'First question' }, { text: 'with more detail' }] },
        { role: 'model', parts: [{ text: 'An answer' }] },
        { role: 'user', parts: [{ text: 'Follow-up' }] },
      ],
      systemInstruction: expect.objectContaining({ parts: [{ text: 'You are terse.\n\nAnswer in German.' }] }),
      safetySettings: [{ category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_ONLY_HIGH' }],
      generationConfig: {
        temperature: 0.3,
        topP: 0.9,
        maxOutputTokens: 256,
        stopSequences: ['END'],
        presencePenalty: 0.5,
        frequencyPenalty: 0.2,
        topK: 20,
        seed: 7,
      },
    });
    const start = parts[0] as Extract<DriverStreamPart, { type: 'response-start' }>;
    expect(start.warnings).toEqual([{ type: 'unsupported-option', option: 'user', message: 'gemini does not support user; it was not sent.' }]);
  });

  it('applies the engine configuration under the call options, and reports its defaults', async () => {
    replay('text-stream.jsonl');
    const configured = await createGeminiDriver('gemini', { apiKey: KEY, baseURL: server.url, temperature: 0.4, maxTokens: 1000 });
    await collect(call(hello, {}, configured));
    await collect(call(hello, { temperature: 1.1, maxTokens: 10 }, configured));
    expect(server.requests.map((r) => r.body.generationConfig)).toEqual([
      { temperature: 0.4, maxOutputTokens: 1000 },
      { temperature: 1.1, maxOutputTokens: 10 },
    ]);
    expect(server.requests[0].headers['x-goog-user-project']).toBeUndefined();
    expect(configured.defaults).toEqual({ temperature: 0.4, maxTokens: 1000 });
    expect(configured.defaultModel).toBe(GEMINI_DEFAULT_MODEL);
  });

  it('maps images and audio: base64 and data URLs to inlineData, URLs to fileData', async () => {
    replay('text-stream.jsonl');
    await collect(
      call([
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Describe' },
            { type: 'image', data: 'iVBORw0KGgo=', mimeType: 'image/png' },
            { type: 'image', url: 'data:image/jpeg;base64,/9j/4AAQ' },
            { type: 'image', url: 'https://example.com/cat.heic', mimeType: 'image/heic' },
            { type: 'audio', data: 'UklGRiQAAABXQVZF', mimeType: 'audio/wav' },
          ],
        },
      ]),
    );
    expect(server.lastRequest.body.contents).toEqual([
      {
        role: 'user',
        parts: [
          { text: 'Describe' },
          { inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' } },
          { inlineData: { mimeType: 'image/jpeg', data: '/9j/4AAQ' } },
          { fileData: { fileUri: 'https://example.com/cat.heic', mimeType: 'image/heic' } },
          { inlineData: { mimeType: 'audio/wav', data: 'UklGRiQAAABXQVZF' } },
        ],
      },
    ]);
  });

  it.each([
    [
      'an image URL without mimeType, naming the part',
      [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Look' },
            { type: 'image', url: 'https://example.com/cat' },
          ],
        },
      ],
      /^messages\[0\]\.content\[1\]: gemini needs the mimeType of an image given by URL/,
    ],
    ['only system messages', [{ role: 'system', content: 'Be nice.' }], /at least one user or assistant message/],
    [
      'an image in a system message',
      [{ role: 'system', content: [{ type: 'image', data: 'AA', mimeType: 'image/png' }] }],
      /takes only text in system messages/,
    ],
  ] as [string, EngineMessage[], RegExp][])('rejects %s with a ValidationException before any request', async (_what, messages, message) => {
    const { error, parts } = await collect(call(messages));
    expect(error).toBeInstanceOf(ValidationException);
    expect((error as Error).message).toMatch(message);
    expect(error).toMatchObject({ provider: 'gemini', engine: 'gemini' });
    expect(parts).toEqual([]);
    expect(server.requests).toHaveLength(0);
  });

  it('rejects a Vertex-only field as a ValidationException, before any request', async () => {
    const { error } = await collect(call(hello, { providerOptions: { routingConfig: { autoMode: {} } } }));
    expect(error).toBeInstanceOf(ValidationException);
    expect((error as Error).message).toMatch(/^gemini rejected the request: routingConfig parameter is only supported/);
    expect(server.requests).toHaveLength(0);
  });

  it('streams a thinking model’s thought summary as reasoning apart from the answer, counts thinking tokens as completion (and as reasoningTokens), reports MAX_TOKENS as length', async () => {
    const chunks = fixture('thinking-stream.jsonl');
    server.respond(async (_req, res) => {
      startEventStream(res);
      await writeSplit(res, wire(chunks), 11, 0);
      res.end();
    });
    const { parts } = await collect(call());
    expect(texts(parts).join('')).toBe('Waves fold into foam,\nsalt wind');
    expect(parts.filter((p) => p.type.startsWith('reasoning'))).toEqual([
      { type: 'reasoning-delta', text: '**Planning the haiku**\nFive, seven, five syllables about the sea.' },
      { type: 'reasoning-end' },
    ]);
    // the reasoning block ends when the answer starts
    expect(parts.map((p) => p.type).slice(0, 4)).toEqual(['response-start', 'reasoning-delta', 'reasoning-end', 'text-delta']);
    expect(parts[parts.length - 1]).toEqual({
      type: 'finish',
      responseId: 'x1RiZ4m0KqfInvgP8pWJ4Qc',
      finishReason: 'length',
      rawFinishReason: 'MAX_TOKENS',
      usage: { promptTokens: 9, completionTokens: 64, totalTokens: 73, reasoningTokens: 56 },
    });
  });

  it('reports an answer stopped for SAFETY as a content_filter finish, keeping the raw reason', async () => {
    replay('safety-finish.jsonl');
    const { parts, completed } = await collect(call());
    expect(completed).toBe(true);
    expect(texts(parts)).toEqual(['Here is how']);
    expect(parts[parts.length - 1]).toMatchObject({ type: 'finish', finishReason: 'content_filter', rawFinishReason: 'SAFETY' });
  });

  it('a blocked prompt (promptFeedback.blockReason) → ContentFilterException', async () => {
    replay('prompt-blocked.jsonl');
    const { parts, error } = await collect(call());
    expect(texts(parts)).toEqual([]);
    expect(error).toBeInstanceOf(ContentFilterException);
    expect(error).toMatchObject({ provider: 'gemini', engine: 'gemini', retryable: false, code: 'content_filter' });
    expect((error as Error).message).toBe('gemini blocked the prompt (PROHIBITED_CONTENT): The prompt was blocked because it may contain prohibited content.');
  });

  describe('errors', () => {
    it('401 → AuthenticationException', async () => {
      server.respond((_req, res) => sendJsonError(res, 401, googleError(401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials.')));
      const { error, parts } = await collect(call());
      expect(parts).toEqual([]);
      expect(error).toBeInstanceOf(AuthenticationException);
      expect(error).toMatchObject({ provider: 'gemini', engine: 'gemini', status: 401, retryable: false });
      expect((error as EngineException).body).toEqual(googleError(401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials.'));
    });

    it('400 API_KEY_INVALID (how Gemini answers a bad key) → AuthenticationException', async () => {
      server.respond((_req, res) =>
        sendJsonError(
          res,
          400,
          googleError(400, 'INVALID_ARGUMENT', 'API key not valid. Please pass a valid API key.', [
            { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID', domain: 'googleapis.com' },
          ]),
        ),
      );
      const { error } = await collect(call());
      expect(error).toBeInstanceOf(AuthenticationException);
      expect(error).toMatchObject({ status: 400, retryable: false });
    });

    it('429 → RateLimitException with retryAfter from the Retry-After header, one request', async () => {
      server.respond((_req, res) =>
        sendJsonError(res, 429, googleError(429, 'RESOURCE_EXHAUSTED', 'Resource has been exhausted (e.g. check quota).'), { 'retry-after': '7' }),
      );
      const { error } = await collect(call());
      expect(error).toBeInstanceOf(RateLimitException);
      expect(error).toMatchObject({ status: 429, retryAfter: 7000, retryable: true });
      expect(server.requests).toHaveLength(1);
    });

    it('429 without the header → retryAfter from the body’s RetryInfo.retryDelay', async () => {
      server.respond((_req, res) =>
        sendJsonError(
          res,
          429,
          googleError(429, 'RESOURCE_EXHAUSTED', 'You exceeded your current quota.', [
            { '@type': 'type.googleapis.com/google.rpc.QuotaFailure', violations: [{ quotaMetric: 'generate_content_free_tier_requests' }] },
            { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '13s' },
          ]),
        ),
      );
      const { error } = await collect(call());
      expect(error).toMatchObject({ retryAfter: 13000 });
    });

    it('500 before the first chunk → ProviderServerException, retryable, one request', async () => {
      server.respond((_req, res) => sendJsonError(res, 500, googleError(500, 'INTERNAL', 'An internal error has occurred.')));
      const { error, parts } = await collect(call());
      expect(parts).toEqual([]);
      expect(error).toBeInstanceOf(ProviderServerException);
      expect(error).toMatchObject({ status: 500, retryable: true });
      expect(server.requests).toHaveLength(1);
    });

    it('503 → ProviderOverloadedException, one request', async () => {
      server.respond((_req, res) => sendJsonError(res, 503, googleError(503, 'UNAVAILABLE', 'The model is overloaded. Please try again later.')));
      const { error } = await collect(call());
      expect(error).toBeInstanceOf(ProviderOverloadedException);
      expect(error).toMatchObject({ status: 503, retryable: true, code: 'overloaded', provider: 'gemini' });
      expect(server.requests).toHaveLength(1);
    });

    it.each([
      [400, 'INVALID_ARGUMENT', '* GenerateContentRequest.contents: contents is not specified'],
      [404, 'NOT_FOUND', 'models/gemini-0 is not found for API version v1beta'],
    ])('%i %s → ValidationException with the provider’s message', async (status, grpc, message) => {
      server.respond((_req, res) => sendJsonError(res, status, googleError(status, grpc, message)));
      const { error } = await collect(call());
      expect(error).toBeInstanceOf(ValidationException);
      expect((error as Error).message).toBe(`gemini rejected the request: ${message}`);
    });

    it('an error object in the stream after content → the same class (overloaded)', async () => {
      const chunks = fixture('error-mid-stream.jsonl');
      server.respond(async (_req, res) => {
        startEventStream(res);
        await writeSplit(res, wire(chunks), 13, 0);
        res.end();
      });
      const { error, parts, completed } = await collect(call());
      expect(completed).toBe(false);
      expect(parts.map((p) => p.type)).toEqual(['response-start', 'text-delta']);
      expect(texts(parts)).toEqual(['Let me think about']);
      expect(error).toBeInstanceOf(ProviderOverloadedException);
      expect(error).toMatchObject({ provider: 'gemini', engine: 'gemini', status: 503, retryable: true });
      expect((error as EngineException).body).toEqual(chunks[1]);
      expect(server.requests).toHaveLength(1);
    });

    it('an INTERNAL error object in the stream → ProviderServerException', async () => {
      server.respond(async (_req, res) => {
        startEventStream(res);
        res.end(wire([fixture('error-mid-stream.jsonl')[0], googleError(500, 'INTERNAL', 'An internal error has occurred.')]));
      });
      const { error } = await collect(call());
      expect(error).toBeInstanceOf(ProviderServerException);
      expect(error).toMatchObject({ status: 500 });
    });

    it('a stream that ends without a finishReason → ConnectionException, and the SDK does not resume it', async () => {
      server.respond(async (_req, res) => {
        startEventStream(res);
        res.end(wire(fixture('text-stream.jsonl').slice(0, 2)));
      });
      const { error, parts } = await collect(call());
      expect(texts(parts)).toHaveLength(2);
      expect(error).toBeInstanceOf(ConnectionException);
      expect((error as Error).message).toBe('gemini ended the stream before the answer was finished.');
      expect(server.requests).toHaveLength(1);
    });

    it('a connection dropped mid-stream → ConnectionException after the text already sent, one request', async () => {
      server.respond(async (_req, res) => {
        startEventStream(res);
        res.write(wire(fixture('text-stream.jsonl').slice(0, 2)));
        res.write('data: {"candidates":[{"content":{"parts":[{"text":" und'); // half an event
        await sleep(20);
        res.destroy();
      });
      const { error, parts } = await collect(call());
      expect(texts(parts)).toEqual(['Grüße aus Köln!', ' 日本語のテキスト 🎉']);
      expect(error).toBeInstanceOf(ConnectionException);
      expect(error).toMatchObject({ provider: 'gemini', engine: 'gemini', retryable: true });
      expect(server.requests).toHaveLength(1);
    });

    it('a refused connection → ConnectionException naming the cause', async () => {
      const offline = await createGeminiDriver('gemini', { apiKey: KEY, baseURL: `http://127.0.0.1:${await freePort()}` });
      const { error } = await collect(call(hello, {}, offline));
      expect(error).toBeInstanceOf(ConnectionException);
      expect(error).toMatchObject({ provider: 'gemini', engine: 'gemini', retryable: true });
      expect((error as Error).message).toMatch(/^Could not reach gemini: .*ECONNREFUSED/);
    });

    it('never puts the API key in a message, the JSON or an inspection of the error', async () => {
      server.respond((_req, res) =>
        sendJsonError(
          res,
          400,
          googleError(400, 'INVALID_ARGUMENT', `Bad request to https://generativelanguage.googleapis.com/v1beta/models/x?key=${KEY} with key ${KEY}`),
        ),
      );
      const { error } = await collect(call());
      expect(error).toBeInstanceOf(ValidationException);
      expect((error as Error).message).toMatch(/\?key=\[redacted\] with key \[redacted\]$/);
      for (const view of [(error as Error).message, JSON.stringify(error), inspect(error, { depth: 10 }), String((error as Error).stack)]) {
        expect(view).not.toContain(KEY);
        expect(view).not.toContain('TESTKEY');
      }
    });
  });

  it('unsubscribing aborts the upstream request and raises no error', async () => {
    const chunks = fixture('text-stream.jsonl');
    server.respond(async (req, res) => {
      startEventStream(res);
      res.write(wire(chunks.slice(0, 1)));
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
    expect(seen).toEqual(['response-start', 'text-delta']);
    expect(server.requests).toHaveLength(1);
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

import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inspect } from 'node:util';
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
import {
  FakeProviderServer,
  parseJsonLines,
  sendJsonError,
  sleep,
  startEventStream,
  writeCuts,
  writeSplit,
  type RecordedRequest,
} from '../../../test/utils/fake-provider-server.js';
import { collect, texts, within } from '../../../test/utils/driver-outcome.js';
import { freePort } from '../../../test/utils/tcp-proxy.js';
import type { DriverStreamPart } from '../engine-driver.interface.js';
import type { OpenAIChatChunk } from './openai-api.types.js';
import { createOpenAIDriver, type OpenAIDriver } from './openai.driver.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '__fixtures__');
/** A recognisable fake key: it must never show up in an error. */
const API_KEY = 'sk-bupple-test-KEY-3f9c2a7d1e0b4c8aZZ';
const HELLO: EngineMessage[] = [{ role: 'user', content: 'Say hello' }];
const OPTIONS: DriverCallOptions = { model: 'gpt-4o-mini' };

/** The `data:` values of a fixture, as the API sent them (comment lines dropped). */
function fixtureLines(name: string): string[] {
  return readFileSync(join(FIXTURES, `${name}.jsonl`), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
}

/** The fixture as Server-Sent Events, as the API frames them. */
function sseFromFixture(name: string, { done = true, eol = '\n' } = {}): string {
  const events = fixtureLines(name).map((line) => `data: ${line}${eol}${eol}`);
  return events.join('') + (done ? `data: [DONE]${eol}${eol}` : '');
}

/** What the driver should make of a fixture: its text, raw finish reason and usage. */
function expectedFromFixture(name: string) {
  const chunks = parseJsonLines(readFileSync(join(FIXTURES, `${name}.jsonl`), 'utf8')) as OpenAIChatChunk[];
  const text = chunks.map((c) => c.choices?.[0]?.delta?.content ?? '').join('');
  const finish = chunks.map((c) => c.choices?.[0]?.finish_reason).find(Boolean);
  const usage = chunks.find((c) => c.usage)?.usage;
  return {
    text,
    rawFinishReason: finish,
    usage: usage && {
      promptTokens: usage.prompt_tokens,
      completionTokens: usage.completion_tokens,
      totalTokens: usage.total_tokens,
    },
  };
}

/** Byte offsets that fall inside multi-byte UTF-8 characters: every interior position of each. */
function cutsInsideMultiByteCharacters(payload: Buffer): number[] {
  const cuts: number[] = [];
  for (let i = 0; i < payload.length; i++) {
    // continuation bytes are 10xxxxxx: cutting before one splits a character
    if ((payload[i] & 0xc0) === 0x80) cuts.push(i);
  }
  return cuts;
}

function replay(name: string, pieceSize = 257, headers: Record<string, string> = {}) {
  return async (_req: RecordedRequest, res: ServerResponse) => {
    startEventStream(res, headers);
    await writeSplit(res, sseFromFixture(name), pieceSize, 1);
    res.end();
  };
}

const textOf = (parts: DriverStreamPart[]): string => texts(parts).join('');

/** An error must hold the key nowhere: not in its message, its JSON, or its inspected form (with causes). */
function expectNoKey(error: unknown): void {
  expect(String((error as Error).message)).not.toContain(API_KEY);
  expect(JSON.stringify(error)).not.toContain(API_KEY);
  expect(inspect(error, { depth: 10 })).not.toContain(API_KEY);
}

describe('OpenAIDriver against a local Chat Completions server', () => {
  const server = new FakeProviderServer();
  let driver: OpenAIDriver;

  beforeAll(async () => {
    await server.start();
    driver = await createOpenAIDriver('openai', {
      apiKey: API_KEY,
      baseURL: `${server.url}/v1`,
      organization: 'org-bupple-test',
      model: 'gpt-4o-mini',
      temperature: 0.3,
      maxTokens: 256,
    });
  });

  afterAll(async () => {
    driver.close();
    await server.stop();
  });

  beforeEach(() => {
    server.requests.length = 0;
  });

  describe('contract', () => {
    it('identifies itself and exposes the configured defaults', () => {
      expect(driver.name).toBe('openai');
      expect(driver.provider).toBe('openai');
      expect(driver.defaultModel).toBe('gpt-4o-mini');
      expect(driver.defaults).toEqual({ temperature: 0.3, maxTokens: 256 });
    });

    it('does nothing before subscription, then sends exactly one request', async () => {
      server.respond(replay('hello'));
      const stream = driver.stream({ messages: HELLO, options: OPTIONS });
      await sleep(50);
      expect(server.requests).toHaveLength(0);
      const outcome = await collect(stream);
      expect(outcome.completed).toBe(true);
      expect(server.requests).toHaveLength(1);
    });

    it('starts a new request on every subscription (cold)', async () => {
      server.respond(replay('hello'));
      const stream = driver.stream({ messages: HELLO, options: OPTIONS });
      await collect(stream);
      await collect(stream);
      expect(server.requests).toHaveLength(2);
    });
  });

  describe('streaming', () => {
    it('emits response-start, the text deltas, and one finish with normalised usage', async () => {
      server.respond(replay('hello', 13));
      const outcome = await collect(driver.stream({ messages: HELLO, options: OPTIONS }));
      const expected = expectedFromFixture('hello');

      expect(outcome.error).toBeUndefined();
      expect(outcome.completed).toBe(true);
      expect(outcome.parts[0]).toEqual({ type: 'response-start', model: 'gpt-4o-mini', warnings: [] });
      expect(outcome.parts.slice(1, -1).every((p) => (p.type === 'text-delta' && p.text.length > 0) || p.type === 'activity')).toBe(true);
      expect(textOf(outcome.parts)).toBe(expected.text);
      expect(textOf(outcome.parts)).toBe('Hello! How can I help you today?');
      expect(outcome.parts.at(-1)).toEqual({
        type: 'finish',
        responseId: 'chatcmpl-BbX7Qm1oYc2V8kZ3dH5tR9wLp4sNe',
        finishReason: 'stop',
        rawFinishReason: expected.rawFinishReason,
        usage: expected.usage,
      });
      expect(outcome.parts.filter((p) => p.type === 'finish')).toHaveLength(1);
      expect(outcome.parts.filter((p) => p.type === 'response-start')).toHaveLength(1);
    });

    it('emits response-start when the provider accepts, before any chunk arrives', async () => {
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      server.respond(async (_req, res) => {
        startEventStream(res);
        res.flushHeaders();
        await released;
        await writeSplit(res, sseFromFixture('hello'), 512, 0);
        res.end();
      });
      const parts: DriverStreamPart[] = [];
      let completed = false;
      const subscription = driver.stream({ messages: HELLO, options: OPTIONS }).subscribe({
        next: (part) => parts.push(part),
        complete: () => (completed = true),
      });
      try {
        await within(
          (async () => {
            while (parts.length === 0) await sleep(5);
          })(),
          2000,
          'response-start',
        );
        expect(parts).toEqual([{ type: 'response-start', model: 'gpt-4o-mini', warnings: [] }]);
        release();
        await within(
          (async () => {
            while (!completed) await sleep(5);
          })(),
          2000,
          'completion',
        );
        expect(parts.at(-1)).toMatchObject({ type: 'finish', finishReason: 'stop' });
      } finally {
        release();
        subscription.unsubscribe();
      }
    });

    it('assembles multi-byte text exactly when every multi-byte character arrives split', async () => {
      const payload = Buffer.from(sseFromFixture('multibyte'), 'utf8');
      const rocket = payload.indexOf(Buffer.from('🚀', 'utf8'));
      expect(rocket).toBeGreaterThan(0);
      server.respond(async (_req, res) => {
        startEventStream(res);
        // inside every multi-byte character, each interior byte of the 4-byte emoji, mid "data:", mid "\n\n"
        const cuts = [...cutsInsideMultiByteCharacters(payload), rocket + 1, rocket + 2, rocket + 3, 3, 7];
        const blank = payload.indexOf('\n\n');
        cuts.push(blank + 1);
        await writeCuts(res, payload, cuts, 1);
        res.end();
      });
      const outcome = await collect(driver.stream({ messages: HELLO, options: OPTIONS }));
      expect(outcome.error).toBeUndefined();
      expect(textOf(outcome.parts)).toBe(expectedFromFixture('multibyte').text);
      expect(textOf(outcome.parts)).toBe('Grüße aus Köln! 日本語でこんにちは。 🚀✨ 👩‍💻 naïve café — ok');
      expect(outcome.parts.at(-1)).toMatchObject({ type: 'finish', finishReason: 'stop', usage: expectedFromFixture('multibyte').usage });
    });

    it.each([1, 3, 13])('assembles multi-byte text with %i-byte writes near the emoji', async (pieceSize) => {
      const payload = Buffer.from(sseFromFixture('multibyte'), 'utf8');
      const rocket = payload.indexOf(Buffer.from('🚀', 'utf8'));
      server.respond(async (_req, res) => {
        startEventStream(res);
        // fine pieces around the emoji's event, big ones elsewhere, to keep the test fast
        const cuts: number[] = [];
        for (let at = rocket - 40; at < rocket + 40; at += pieceSize) cuts.push(at);
        await writeCuts(res, payload, cuts, 1);
        res.end();
      });
      const outcome = await collect(driver.stream({ messages: HELLO, options: OPTIONS }));
      expect(textOf(outcome.parts)).toBe(expectedFromFixture('multibyte').text);
    });

    it('reads CRLF-framed events', async () => {
      server.respond(async (_req, res) => {
        startEventStream(res);
        await writeSplit(res, sseFromFixture('hello', { eol: '\r\n' }), 29, 1);
        res.end();
      });
      const outcome = await collect(driver.stream({ messages: HELLO, options: OPTIONS }));
      expect(textOf(outcome.parts)).toBe(expectedFromFixture('hello').text);
      expect(outcome.completed).toBe(true);
    });

    it('maps finish_reason length', async () => {
      server.respond(replay('length'));
      const outcome = await collect(driver.stream({ messages: HELLO, options: { ...OPTIONS, maxTokens: 7 } }));
      expect(textOf(outcome.parts)).toBe(expectedFromFixture('length').text);
      expect(outcome.parts.at(-1)).toEqual({
        type: 'finish',
        responseId: 'chatcmpl-BbX9Tr7pLs4cQ1vG8nB3xE6kJw2Yh',
        finishReason: 'length',
        rawFinishReason: 'length',
        usage: expectedFromFixture('length').usage,
      });
    });

    it('maps finish_reason content_filter to a finish, not an error', async () => {
      server.respond(replay('content-filter'));
      const outcome = await collect(driver.stream({ messages: HELLO, options: OPTIONS }));
      expect(outcome.error).toBeUndefined();
      expect(outcome.completed).toBe(true);
      expect(textOf(outcome.parts)).toBe(expectedFromFixture('content-filter').text);
      expect(outcome.parts.at(-1)).toMatchObject({ type: 'finish', finishReason: 'content_filter', rawFinishReason: 'content_filter' });
    });

    it('finishes without usage when the server sends no usage chunk', async () => {
      const lines = fixtureLines('hello').filter((line) => !(JSON.parse(line) as OpenAIChatChunk).usage);
      server.respond(async (_req, res) => {
        startEventStream(res);
        await writeSplit(res, lines.map((l) => `data: ${l}\n\n`).join('') + 'data: [DONE]\n\n', 64, 1);
        res.end();
      });
      const outcome = await collect(driver.stream({ messages: HELLO, options: OPTIONS }));
      expect(outcome.completed).toBe(true);
      const finish = outcome.parts.at(-1);
      expect(finish).toEqual({ type: 'finish', responseId: 'chatcmpl-BbX7Qm1oYc2V8kZ3dH5tR9wLp4sNe', finishReason: 'stop', rawFinishReason: 'stop' });
    });

    it('fails with a ConnectionException when the body ends without a finish reason', async () => {
      const lines = fixtureLines('hello').slice(0, 4);
      server.respond(async (_req, res) => {
        startEventStream(res);
        await writeSplit(res, lines.map((l) => `data: ${l}\n\n`).join(''), 64, 1);
        res.end();
      });
      const outcome = await collect(driver.stream({ messages: HELLO, options: OPTIONS }));
      expect(textOf(outcome.parts).length).toBeGreaterThan(0);
      expect(outcome.error).toBeInstanceOf(ConnectionException);
      expect((outcome.error as ConnectionException).message).toBe('openai ended the stream before the answer was finished.');
      expect(outcome.parts.some((p) => p.type === 'finish')).toBe(false);
    });

    it('fails with a ConnectionException when the connection drops mid-stream', async () => {
      const lines = fixtureLines('hello').slice(0, 4);
      server.respond(async (_req, res) => {
        startEventStream(res);
        await writeSplit(res, lines.map((l) => `data: ${l}\n\n`).join('') + 'data: {"id":"chatc', 64, 1);
        await sleep(5);
        res.socket?.destroy();
      });
      const outcome = await collect(driver.stream({ messages: HELLO, options: OPTIONS }));
      expect(textOf(outcome.parts)).toBe('Hello! How');
      expect(outcome.error).toBeInstanceOf(ConnectionException);
      expect((outcome.error as ConnectionException).retryable).toBe(true);
      expectNoKey(outcome.error);
    });

    it('fails with a ProviderServerException on a chunk that is not JSON', async () => {
      // the driver logs the bad line, through Nest's Logger
      const errorLog = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
      try {
        server.respond(async (_req, res) => {
          startEventStream(res);
          res.write(`data: ${fixtureLines('hello')[1]}\n\ndata: {not json\n\n`);
          await sleep(5);
          res.end();
        });
        const outcome = await collect(driver.stream({ messages: HELLO, options: OPTIONS }));
        expect(outcome.error).toBeInstanceOf(ProviderServerException);
        expect((outcome.error as Error).message).toBe('openai sent a stream event that is not valid JSON.');
        expect(errorLog.mock.calls.flat().join(' ')).toContain('Could not parse message into JSON');
      } finally {
        errorLog.mockRestore();
      }
    });
  });

  describe('the request it sends', () => {
    it('posts to {baseURL}/chat/completions with the key, organization and a streaming body with usage', async () => {
      server.respond(replay('hello'));
      await collect(driver.stream({ messages: HELLO, options: OPTIONS }));
      const request = server.lastRequest;
      expect(request.method).toBe('POST');
      expect(request.url).toBe('/v1/chat/completions');
      expect(request.headers.authorization).toBe(`Bearer ${API_KEY}`);
      expect(request.headers['openai-organization']).toBe('org-bupple-test');
      expect(request.headers['content-type']).toContain('application/json');
      expect(request.body).toEqual({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'Say hello' }],
        stream: true,
        stream_options: { include_usage: true },
      });
    });

    it('maps every call option to its Chat Completions field', async () => {
      server.respond(replay('hello'));
      await collect(
        driver.stream({
          messages: HELLO,
          options: {
            model: 'gpt-4.1-nano',
            temperature: 0.7,
            maxTokens: 123,
            topP: 0.9,
            stop: ['\n\n', 'END'],
            presencePenalty: 0.5,
            frequencyPenalty: -0.25,
            user: 'user-42',
          },
        }),
      );
      expect(server.lastRequest.body).toEqual({
        model: 'gpt-4.1-nano',
        messages: [{ role: 'user', content: 'Say hello' }],
        temperature: 0.7,
        max_tokens: 123,
        top_p: 0.9,
        stop: ['\n\n', 'END'],
        presence_penalty: 0.5,
        frequency_penalty: -0.25,
        user: 'user-42',
        stream: true,
        stream_options: { include_usage: true },
      });
    });

    it('sends stop as an array even when handed a single string, and leaves an empty one out', async () => {
      server.respond(replay('hello'));
      await collect(driver.stream({ messages: HELLO, options: { ...OPTIONS, stop: 'END' as unknown as string[] } }));
      expect(server.lastRequest.body.stop).toEqual(['END']);
      await collect(driver.stream({ messages: HELLO, options: { ...OPTIONS, stop: [] } }));
      expect('stop' in server.lastRequest.body).toBe(false);
    });

    it('merges providerOptions into the body, but keeps the stream with usage', async () => {
      server.respond(replay('hello'));
      await collect(
        driver.stream({
          messages: HELLO,
          options: {
            ...OPTIONS,
            temperature: 0.2,
            providerOptions: {
              seed: 7,
              temperature: 1.1,
              response_format: { type: 'text' },
              logit_bias: { '50256': -100 },
              stream: false,
              stream_options: { include_obfuscation: false, include_usage: false },
            },
          },
        }),
      );
      const body = server.lastRequest.body;
      expect(body.seed).toBe(7);
      expect(body.temperature).toBe(1.1);
      expect(body.response_format).toEqual({ type: 'text' });
      expect(body.logit_bias).toEqual({ '50256': -100 });
      expect(body.stream).toBe(true);
      expect(body.stream_options).toEqual({ include_obfuscation: false, include_usage: true });
    });

    it('converts roles and content parts (text, image by URL and base64, wav and mp3 audio)', async () => {
      server.respond(replay('hello'));
      await collect(
        driver.stream({
          messages: [
            { role: 'system', content: 'You are terse.' },
            {
              role: 'user',
              content: [
                { type: 'text', text: 'What is in these?' },
                { type: 'image', url: 'https://example.com/cat.png' },
                { type: 'image', data: 'iVBORw0KGgo=', mimeType: 'image/png' },
                { type: 'audio', data: 'UklGRiQAAABXQVZF', mimeType: 'audio/wav' },
                { type: 'audio', data: 'SUQzBAAAAAAA', mimeType: 'audio/mpeg' },
              ],
            },
            {
              role: 'assistant',
              content: [
                { type: 'text', text: 'A cat, ' },
                { type: 'text', text: 'and a sound.' },
              ],
            },
            { role: 'user', content: 'Thanks' },
          ],
          options: OPTIONS,
        }),
      );
      expect(server.lastRequest.body.messages).toEqual([
        { role: 'system', content: 'You are terse.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is in these?' },
            { type: 'image_url', image_url: { url: 'https://example.com/cat.png' } },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
            { type: 'input_audio', input_audio: { data: 'UklGRiQAAABXQVZF', format: 'wav' } },
            { type: 'input_audio', input_audio: { data: 'SUQzBAAAAAAA', format: 'mp3' } },
          ],
        },
        { role: 'assistant', content: 'A cat, and a sound.' },
        { role: 'user', content: 'Thanks' },
      ]);
    });

    it('rejects a part the API cannot take with a ValidationException, without sending anything', async () => {
      server.respond(replay('hello'));
      const outcome = await collect(
        driver.stream({
          messages: [{ role: 'user', content: [{ type: 'audio', data: 'T2dnUw==', mimeType: 'audio/ogg' }] }],
          options: OPTIONS,
        }),
      );
      expect(outcome.error).toBeInstanceOf(ValidationException);
      expect((outcome.error as Error).message).toContain('audio/ogg');
      expect((outcome.error as ValidationException).provider).toBe('openai');
      expect(server.requests).toHaveLength(0);
    });
  });

  describe('provider errors', () => {
    const OPENAI_401 = {
      error: {
        message: 'Incorrect API key provided: sk-bupp************************KEYZ. You can find your API key at https://platform.openai.com/account/api-keys.',
        type: 'invalid_request_error',
        param: null,
        code: 'invalid_api_key',
      },
    };

    async function failWith(status: number, body: unknown, headers: Record<string, string> = {}): Promise<EngineException> {
      server.respond((_req, res) => sendJsonError(res, status, body, headers));
      const outcome = await collect(driver.stream({ messages: HELLO, options: OPTIONS }));
      expect(outcome.parts).toEqual([]);
      expect(EngineException.isInstance(outcome.error)).toBe(true);
      const error = outcome.error as EngineException;
      expect(error.provider).toBe('openai');
      expect(error.engine).toBe('openai');
      expectNoKey(error);
      return error;
    }

    it('401 → AuthenticationException, not retryable, with the body', async () => {
      const error = await failWith(401, OPENAI_401);
      expect(error).toBeInstanceOf(AuthenticationException);
      expect(error.status).toBe(401);
      expect(error.retryable).toBe(false);
      expect(error.code).toBe('authentication');
      expect(error.body).toEqual(OPENAI_401);
      expect(error.message).toBe("openai rejected the API key (HTTP 401). Check the engine's apiKey.");
    });

    it('403 → AuthenticationException', async () => {
      const error = await failWith(403, {
        error: { message: 'Country, region, or territory not supported', type: 'request_forbidden', param: null, code: 'unsupported_country_region_territory' },
      });
      expect(error).toBeInstanceOf(AuthenticationException);
      expect(error.status).toBe(403);
      expect(error.retryable).toBe(false);
    });

    it('429 with retry-after-ms → RateLimitException with that delay', async () => {
      const error = await failWith(
        429,
        {
          error: {
            message: 'Rate limit reached for gpt-4o-mini on requests per min (RPM): Limit 3, Used 3, Requested 1.',
            type: 'requests',
            param: null,
            code: 'rate_limit_exceeded',
          },
        },
        { 'retry-after-ms': '1500', 'retry-after': '2', 'x-ratelimit-remaining-requests': '0' },
      );
      expect(error).toBeInstanceOf(RateLimitException);
      expect((error as RateLimitException).retryAfter).toBe(1500);
      expect(error.retryable).toBe(true);
      expect(error.status).toBe(429);
    });

    it('429 with retry-after seconds → RateLimitException with the delay in ms', async () => {
      const error = await failWith(
        429,
        { error: { message: 'Too many requests', type: 'requests', param: null, code: 'rate_limit_exceeded' } },
        { 'retry-after': '7' },
      );
      expect(error).toBeInstanceOf(RateLimitException);
      expect((error as RateLimitException).retryAfter).toBe(7000);
      expect(error.message).toBe('openai is rate limiting requests; retry after 7 s.');
    });

    it('429 with retry-after as an HTTP date → RateLimitException with the delay until then', async () => {
      const at = new Date(Date.now() + 5000).toUTCString();
      const error = await failWith(
        429,
        { error: { message: 'Too many requests', type: 'requests', param: null, code: 'rate_limit_exceeded' } },
        { 'retry-after': at },
      );
      const retryAfter = (error as RateLimitException).retryAfter!;
      // the date has whole seconds, and a little time passes on the way
      expect(retryAfter).toBeGreaterThan(2500);
      expect(retryAfter).toBeLessThanOrEqual(5000);
    });

    it('429 insufficient_quota → RateLimitException that is not worth retrying', async () => {
      const error = await failWith(429, {
        error: {
          message: 'You exceeded your current quota, please check your plan and billing details.',
          type: 'insufficient_quota',
          param: null,
          code: 'insufficient_quota',
        },
      });
      expect(error).toBeInstanceOf(RateLimitException);
      expect(error.retryable).toBe(false);
      expect(error.message).toContain('You exceeded your current quota');
    });

    it("400 → ValidationException quoting the provider's message, with the body", async () => {
      const body = {
        error: {
          message: "Invalid value for 'temperature': must be between 0 and 2.",
          type: 'invalid_request_error',
          param: 'temperature',
          code: 'invalid_value',
        },
      };
      const error = await failWith(400, body);
      expect(error).toBeInstanceOf(ValidationException);
      expect(error.status).toBe(400);
      expect(error.retryable).toBe(false);
      expect(error.body).toEqual(body);
      expect(error.message).toBe("openai rejected the request: Invalid value for 'temperature': must be between 0 and 2.");
    });

    it('400 that echoes the API key → the key is redacted from message and body', async () => {
      const error = await failWith(400, {
        error: { message: `Invalid 'user': ${API_KEY} looks like a secret.`, type: 'invalid_request_error', param: 'user', code: null },
      });
      expect(error).toBeInstanceOf(ValidationException);
      expect(error.message).toContain('[redacted]');
      expect(JSON.stringify(error.body)).toContain('[redacted]');
    });

    it('404 (unknown model) → ValidationException', async () => {
      const error = await failWith(404, {
        error: {
          message: 'The model `gpt-9` does not exist or you do not have access to it.',
          type: 'invalid_request_error',
          param: null,
          code: 'model_not_found',
        },
      });
      expect(error).toBeInstanceOf(ValidationException);
      expect(error.message).toContain('The model `gpt-9` does not exist');
    });

    it("422 in vLLM's top-level format → ValidationException quoting its message", async () => {
      const body = { object: 'error', message: "This model's maximum context length is 4096 tokens.", type: 'BadRequestError', param: null, code: 422 };
      const error = await failWith(422, body);
      expect(error).toBeInstanceOf(ValidationException);
      expect(error.body).toEqual(body);
      expect(error.message).toContain('maximum context length is 4096 tokens');
    });

    it('408 → ConnectionException, retryable', async () => {
      const error = await failWith(408, { error: { message: 'Request timed out.', type: 'timeout', param: null, code: null } });
      expect(error).toBeInstanceOf(ConnectionException);
      expect(error.status).toBe(408);
      expect(error.retryable).toBe(true);
    });

    it('a redirect is not followed: an error naming the status, not retryable', async () => {
      server.respond((_req, res) => {
        res.writeHead(307, { location: 'http://127.0.0.1:9/v1/chat/completions' });
        res.end();
      });
      const outcome = await collect(driver.stream({ messages: HELLO, options: OPTIONS }));
      expect(outcome.parts).toEqual([]);
      const error = outcome.error as EngineException;
      expect(error.status).toBe(307);
      expect(error.retryable).toBe(false);
      expect(error.message).toContain('HTTP 307');
      expect(server.requests).toHaveLength(1);
    });

    it('500 → ProviderServerException, retryable', async () => {
      const error = await failWith(500, {
        error: { message: 'The server had an error while processing your request. Sorry about that!', type: 'server_error', param: null, code: null },
      });
      expect(error).toBeInstanceOf(ProviderServerException);
      expect(error.status).toBe(500);
      expect(error.retryable).toBe(true);
      expect(error.message).toBe('openai failed on its side (HTTP 500).');
    });

    it('502 with an HTML body from a proxy → ProviderServerException keeping the text', async () => {
      server.respond((_req, res) => {
        res.writeHead(502, { 'content-type': 'text/html' });
        res.end('<html><body>502 Bad Gateway</body></html>');
      });
      const outcome = await collect(driver.stream({ messages: HELLO, options: OPTIONS }));
      expect(outcome.error).toBeInstanceOf(ProviderServerException);
      expect((outcome.error as EngineException).status).toBe(502);
      expect((outcome.error as EngineException).body).toBe('<html><body>502 Bad Gateway</body></html>');
    });

    it('a 200 that is an HTML page (a captive portal, a proxy) → ProviderServerException before response-start, not retried', async () => {
      server.respond((_req, res) => {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end('<html><body>Please sign in</body></html>');
      });
      const outcome = await collect(driver.stream({ messages: HELLO, options: OPTIONS }));
      expect(outcome.parts).toEqual([]); // no response-start: the SSE layer can still answer 502
      expect(outcome.error).toBeInstanceOf(ProviderServerException);
      expect((outcome.error as EngineException).message).toBe(
        'openai answered HTTP 200 with content type "text/html; charset=utf-8" instead of an event stream.',
      );
      expect((outcome.error as EngineException).retryable).toBe(false);
      expect((outcome.error as EngineException).body).toBe('<html><body>Please sign in</body></html>');
    });

    it('a 200 JSON error body (a compatible server that does not stream errors) → mapped by its type, before response-start', async () => {
      server.respond((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: 'model `nope` not found', type: 'invalid_request_error', code: 'model_not_found' } }));
      });
      const outcome = await collect(driver.stream({ messages: HELLO, options: OPTIONS }));
      expect(outcome.parts).toEqual([]);
      expect(outcome.error).toBeInstanceOf(ValidationException);
      expect((outcome.error as EngineException).message).toBe('openai rejected the request: model `nope` not found');
    });

    it('a line over the size cap → ProviderStreamLimitException (stream_error for SSE clients), the connection closed', async () => {
      const small = await createOpenAIDriver('openai', { apiKey: API_KEY, baseURL: `${server.url}/v1`, maxEventLength: 64 * 1024 });
      server.respond((_req, res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(`data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: 'Hi' } }] })}\n\ndata: `);
        const timer = setInterval(() => (res.destroyed ? clearInterval(timer) : res.write('z'.repeat(8192))), 1);
      });
      try {
        const outcome = await collect(small.stream({ messages: HELLO, options: OPTIONS }));
        expect(outcome.parts.map((p) => p.type)).toEqual(['response-start', 'text-delta']);
        expect(outcome.error).toBeInstanceOf(ProviderStreamLimitException);
        expect((outcome.error as EngineException).code).toBe('stream_limit');
      } finally {
        small.close();
      }
    });

    it('503 → ProviderOverloadedException with retry-after', async () => {
      const error = await failWith(
        503,
        { error: { message: 'The engine is currently overloaded, please try again later.', type: 'server_error', param: null, code: null } },
        { 'retry-after': '3' },
      );
      expect(error).toBeInstanceOf(ProviderOverloadedException);
      expect(error.status).toBe(503);
      expect(error.retryable).toBe(true);
      expect((error as ProviderOverloadedException).retryAfter).toBe(3000);
    });

    it('connection refused → ConnectionException, retryable, no key', async () => {
      const port = await freePort();
      const refused = await createOpenAIDriver('openai', { apiKey: API_KEY, baseURL: `http://127.0.0.1:${port}/v1` });
      const outcome = await collect(refused.stream({ messages: HELLO, options: OPTIONS }));
      expect(outcome.parts).toEqual([]);
      expect(outcome.error).toBeInstanceOf(ConnectionException);
      const error = outcome.error as ConnectionException;
      expect(error.message).toBe('Could not reach openai: connection refused (ECONNREFUSED).');
      expect(error.retryable).toBe(true);
      expect(error.status).toBeUndefined();
      expect(error.provider).toBe('openai');
      expectNoKey(error);
    });

    it('an error object mid-stream after some content → the mapped exception, after the text', async () => {
      server.respond(async (_req, res) => {
        startEventStream(res);
        await writeSplit(res, sseFromFixture('mid-stream-error', { done: false }), 29, 1);
        res.end();
      });
      const outcome = await collect(driver.stream({ messages: HELLO, options: OPTIONS }));
      expect(outcome.parts[0]).toMatchObject({ type: 'response-start' });
      expect(textOf(outcome.parts)).toBe(expectedFromFixture('mid-stream-error').text);
      expect(textOf(outcome.parts)).toBe('The answer is');
      expect(outcome.parts.some((p) => p.type === 'finish')).toBe(false);
      expect(outcome.error).toBeInstanceOf(ProviderServerException);
      const error = outcome.error as ProviderServerException;
      expect(error.status).toBeUndefined();
      expect(error.retryable).toBe(true);
      expect(error.body).toEqual(JSON.parse(fixtureLines('mid-stream-error').at(-1)!));
      expectNoKey(error);
    });

    it.each([
      ['rate_limit_exceeded code', { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' }, RateLimitException],
      ['numeric code (OpenRouter)', { code: 502, message: 'Provider returned error' }, ProviderServerException],
      ['invalid_request_error type', { message: 'context too long', type: 'invalid_request_error', code: 'context_length_exceeded' }, ValidationException],
      ['overloaded type', { message: 'Overloaded', type: 'overloaded_error' }, ProviderOverloadedException],
      ['a bare string', 'something broke', ProviderServerException],
    ])('an error object mid-stream with a %s → its class', async (_what, errorObject, expected) => {
      server.respond(async (_req, res) => {
        startEventStream(res);
        res.write(`data: ${fixtureLines('hello')[1]}\n\n`);
        await sleep(2);
        res.write(`data: ${JSON.stringify({ error: errorObject })}\n\n`);
        res.end();
      });
      const outcome = await collect(driver.stream({ messages: HELLO, options: OPTIONS }));
      expect(textOf(outcome.parts)).toBe('Hello');
      expect(outcome.error).toBeInstanceOf(expected);
      expect((outcome.error as EngineException).body).toEqual({ error: errorObject });
    });
  });

  describe('unsubscribing', () => {
    it('midway aborts the HTTP request: the server sees its connection close, and no error is emitted', async () => {
      const lines = fixtureLines('hello');
      let recorded!: RecordedRequest;
      server.respond(async (req, res) => {
        recorded = req;
        startEventStream(res);
        res.write(`data: ${lines[0]}\n\ndata: ${lines[1]}\n\n`);
        // then stall, as a slow model would, until the client leaves
        await req.aborted;
      });
      const parts: DriverStreamPart[] = [];
      const errors: unknown[] = [];
      let completed = false;
      const subscription = driver.stream({ messages: HELLO, options: OPTIONS }).subscribe({
        next: (part) => parts.push(part),
        error: (error: unknown) => errors.push(error),
        complete: () => (completed = true),
      });
      await within(
        (async () => {
          while (!parts.some((p) => p.type === 'text-delta')) await sleep(5);
        })(),
        3000,
        'the first text delta',
      );
      subscription.unsubscribe();
      await within(recorded.aborted, 2000, 'the upstream connection closing');
      expect(recorded.wasAborted()).toBe(true);
      await sleep(30);
      expect(errors).toEqual([]);
      expect(completed).toBe(false);
      expect(textOf(parts)).toBe('Hello');
    });

    it('before the provider answers aborts the request too, silently', async () => {
      let recorded: RecordedRequest | undefined;
      server.respond(async (req) => {
        recorded = req;
        await req.aborted;
      });
      const errors: unknown[] = [];
      const parts: DriverStreamPart[] = [];
      const subscription = driver.stream({ messages: HELLO, options: OPTIONS }).subscribe({
        next: (part) => parts.push(part),
        error: (error: unknown) => errors.push(error),
      });
      await within(
        (async () => {
          while (!recorded) await sleep(5);
        })(),
        3000,
        'the request reaching the server',
      );
      subscription.unsubscribe();
      await within(recorded!.aborted, 2000, 'the upstream connection closing');
      await sleep(30);
      expect(errors).toEqual([]);
      expect(parts).toEqual([]);
    });
  });

  describe('an OpenAI-compatible server (Ollama) under another engine name', () => {
    it('streams its chunks and names the engine in errors', async () => {
      const ollama = await createOpenAIDriver('ollama', { apiKey: 'ollama', baseURL: `${server.url}/v1`, model: 'llama3.2' });
      expect(ollama.defaultModel).toBe('llama3.2');
      expect(ollama.defaults).toEqual({});
      server.respond(async (_req, res) => {
        startEventStream(res);
        // a keep-alive comment, as OpenRouter sends while it waits
        res.write(': OPENROUTER PROCESSING\n\n');
        await writeSplit(res, sseFromFixture('ollama'), 17, 1);
        res.end();
      });
      const outcome = await collect(ollama.stream({ messages: HELLO, options: { model: 'llama3.2' } }));
      const expected = expectedFromFixture('ollama');
      expect(outcome.parts[0]).toEqual({ type: 'response-start', model: 'llama3.2', warnings: [] });
      expect(textOf(outcome.parts)).toBe(expected.text);
      expect(outcome.parts.at(-1)).toEqual({
        type: 'finish',
        responseId: 'chatcmpl-512',
        finishReason: 'stop',
        rawFinishReason: 'stop',
        usage: expected.usage,
      });
      expect(server.lastRequest.headers['openai-organization']).toBeUndefined();

      server.respond((_req, res) =>
        sendJsonError(res, 404, { error: { message: 'model "llama9" not found, try pulling it first', type: 'api_error', param: null, code: null } }),
      );
      const failed = await collect(ollama.stream({ messages: HELLO, options: { model: 'llama9' } }));
      expect(failed.error).toBeInstanceOf(ValidationException);
      expect((failed.error as EngineException).engine).toBe('ollama');
      expect((failed.error as EngineException).provider).toBe('openai');
      expect((failed.error as Error).message).toBe('ollama rejected the request: model "llama9" not found, try pulling it first');
      ollama.close();
    });
  });
});

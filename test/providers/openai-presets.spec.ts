import type { ServerResponse } from 'node:http';
import { firstValueFrom } from 'rxjs';
import { FakeProviderServer, sendJsonError, sseFrame, startEventStream, type RecordedRequest } from '../utils/fake-provider-server.js';
import { collect, texts } from '../utils/driver-outcome.js';
import { createOpenAIDriver, type OpenAIDriver } from '../../lib/drivers/openai/openai.driver.js';
import { OPENAI_PRESETS, resolveOpenAIPreset } from '../../lib/drivers/openai/openai-presets.js';
import type { DriverStreamPart } from '../../lib/drivers/engine-driver.interface.js';
import type { OpenAIEngineConfig } from '../../lib/interfaces/provider-engine-config.interface.js';
import { ValidationException } from '../../lib/errors/engine.exception.js';
import { EngineConfigurationException, validateEngineOptions } from '../../lib/options/validate-engine-options.js';

/**
 * The OpenAI-compatible presets, each against a local server speaking that service's dialect of
 * Chat Completions streaming (the shapes of the recorded streams in ../shared/real-streams/):
 * what the preset sends (path, headers, key or none, body quirks), and what its answer becomes.
 */
const KEY = 'sk-preset-0123456789abcdef0123456789';
const server = new FakeProviderServer();
const chunk = (delta: Record<string, unknown>, finish: string | null = null, extra: Record<string, unknown> = {}) => ({
  id: 'c1',
  object: 'chat.completion.chunk',
  created: 1,
  model: 'm',
  choices: [{ index: 0, delta, finish_reason: finish }],
  ...extra,
});

let driver: OpenAIDriver | undefined;
beforeAll(() => server.start());
afterAll(() => server.stop());
beforeEach(() => {
  server.requests.length = 0;
});
afterEach(() => {
  driver?.close();
  driver = undefined;
});

/** The local server answers with these SSE frames; the driver points at `path` on it. */
async function run(
  config: OpenAIEngineConfig,
  frames: string[],
  path = '/v1',
): Promise<{ parts: DriverStreamPart[]; error?: unknown; request: RecordedRequest }> {
  server.respond((_req, res: ServerResponse) => {
    startEventStream(res);
    for (const frame of frames) res.write(frame);
    res.end('data: [DONE]\n\n');
  });
  driver = await createOpenAIDriver('openai', { ...config, baseURL: `${server.url}${path}` });
  const outcome = await collect(driver.stream({ messages: [{ role: 'user', content: 'What is 2+2?' }], options: { model: driver.defaultModel } }));
  return { ...outcome, request: server.lastRequest };
}

const reasoning = (parts: DriverStreamPart[]) => parts.flatMap((p) => (p.type === 'reasoning-delta' ? [p.text] : [])).join('');
const finish = (parts: DriverStreamPart[]) => parts.find((p) => p.type === 'finish');

describe('OpenAI-compatible presets', () => {
  it('mistral: delta.content as an array of thinking / text parts, no stream_options sent, Bearer key', async () => {
    const { parts, error, request } = await run({ preset: 'mistral', apiKey: KEY }, [
      sseFrame(chunk({ role: 'assistant', content: [{ type: 'thinking', thinking: [{ type: 'text', text: 'Basic arithmetic.' }] }] })),
      sseFrame(chunk({ content: [{ type: 'text', text: '2 + 2 = 4' }] })),
      sseFrame(chunk({ content: '' }, 'stop', { usage: { prompt_tokens: 10, total_tokens: 56, completion_tokens: 46 } })),
    ]);
    expect(error).toBeUndefined();
    expect(texts(parts).join('')).toBe('2 + 2 = 4');
    expect(reasoning(parts)).toBe('Basic arithmetic.');
    expect(finish(parts)).toMatchObject({ finishReason: 'stop', usage: { promptTokens: 10, completionTokens: 46, totalTokens: 56 } });
    expect(request.url).toBe('/v1/chat/completions');
    expect(request.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(request.body.model).toBe('mistral-small-latest');
    expect(request.body).not.toHaveProperty('stream_options');
    expect(request.body.stream).toBe(true);
  });

  it('deepseek: reasoning_content as reasoning, cached tokens, JSON mode for a schema', async () => {
    const { parts, error, request } = await run({ preset: 'deepseek', apiKey: KEY }, [
      sseFrame(chunk({ role: 'assistant', content: null, reasoning_content: '' }, null, { usage: null })),
      sseFrame(chunk({ content: null, reasoning_content: 'We add.' })),
      sseFrame(chunk({ content: '4', reasoning_content: null })),
      sseFrame(
        chunk({ content: '' }, 'stop', {
          usage: { prompt_tokens: 18, completion_tokens: 9, total_tokens: 27, prompt_cache_hit_tokens: 16, prompt_tokens_details: { cached_tokens: 16 } },
        }),
      ),
    ]);
    expect(error).toBeUndefined();
    expect(reasoning(parts)).toBe('We add.');
    expect(texts(parts).join('')).toBe('4');
    expect(finish(parts)).toMatchObject({ usage: { promptTokens: 18, cachedInputTokens: 16 } });
    expect(request.body).toMatchObject({ model: 'deepseek-chat', stream_options: { include_usage: true } });
    expect(request.headers.authorization).toBe(`Bearer ${KEY}`);
    const body = driver!.buildRequestBody({
      messages: [{ role: 'user', content: 'x' }],
      options: { model: 'deepseek-chat', responseFormat: { type: 'json', schema: { type: 'object', properties: { a: { type: 'string' } } } } },
    });
    expect(body.response_format).toEqual({ type: 'json_object' });
  });

  it('groq: delta.reasoning as reasoning, usage from x_groq when no top-level usage', async () => {
    const { parts, error, request } = await run(
      { preset: 'groq', apiKey: KEY },
      [
        sseFrame(chunk({ role: 'assistant', content: '' }, null, { x_groq: { id: 'req_1' } })),
        sseFrame(chunk({ reasoning: 'Two plus two.' })),
        sseFrame(chunk({ content: 'Four.' })),
        sseFrame(
          chunk({}, 'stop', {
            x_groq: {
              id: 'req_1',
              usage: { queue_time: 0.1, prompt_tokens: 17, completion_tokens: 30, total_tokens: 47, completion_tokens_details: { reasoning_tokens: 20 } },
            },
          }),
        ),
      ],
      '/openai/v1',
    );
    expect(error).toBeUndefined();
    expect(reasoning(parts)).toBe('Two plus two.');
    expect(texts(parts).join('')).toBe('Four.');
    expect(finish(parts)).toMatchObject({ usage: { promptTokens: 17, completionTokens: 30, totalTokens: 47, reasoningTokens: 20 } });
    expect(request.url).toBe('/openai/v1/chat/completions');
    expect(request.body.model).toBe('llama-3.3-70b-versatile');
  }, 10_000);

  it('openrouter: HTTP-Referer / X-Title sent, ": OPENROUTER PROCESSING" comments skipped, reasoning read', async () => {
    const { parts, error, request } = await run(
      { preset: 'openrouter', apiKey: KEY, headers: { 'HTTP-Referer': 'https://app.example', 'X-Title': 'Example App' }, model: 'anthropic/claude-sonnet-4' },
      [
        ': OPENROUTER PROCESSING\n\n',
        ': OPENROUTER PROCESSING\n\n',
        sseFrame(chunk({ role: 'assistant', content: '', reasoning: 'Sum.' })),
        ': OPENROUTER PROCESSING\n\n',
        sseFrame(chunk({ content: '4' })),
        sseFrame(chunk({}, 'stop')),
        sseFrame({ ...chunk({}), choices: [], usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 } }),
      ],
      '/api/v1',
    );
    expect(error).toBeUndefined();
    expect(texts(parts).join('')).toBe('4');
    expect(reasoning(parts)).toBe('Sum.');
    expect(finish(parts)).toMatchObject({ finishReason: 'stop', usage: { totalTokens: 7 } });
    expect(request.url).toBe('/api/v1/chat/completions');
    expect(request.headers).toMatchObject({ 'http-referer': 'https://app.example', 'x-title': 'Example App', authorization: `Bearer ${KEY}` });
    expect(request.body.model).toBe('anthropic/claude-sonnet-4');
  });

  it.each(['ollama', 'vllm'] as const)('%s: the /v1 base, no key and so no Authorization header; a key, when given, is sent', async (preset) => {
    const frames = [
      sseFrame(chunk({ role: 'assistant', content: 'Hi' })),
      sseFrame(chunk({}, 'stop', { usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 } })),
    ];
    const keyless = await run({ preset, model: 'llama3.2' }, frames);
    expect(keyless.error).toBeUndefined();
    expect(texts(keyless.parts)).toEqual(['Hi']);
    expect(keyless.request.url).toBe('/v1/chat/completions');
    expect(keyless.request.headers).not.toHaveProperty('authorization');
    expect(keyless.request.body.model).toBe('llama3.2');
    driver!.close();
    const keyed = await run({ preset, model: 'llama3.2', apiKey: KEY }, frames);
    expect(keyed.request.headers.authorization).toBe(`Bearer ${KEY}`);
  });

  it("vllm: an error in vLLM's body format ({ object: 'error', message }) is a ValidationException quoting it", async () => {
    server.respond((_req, res) =>
      sendJsonError(res, 400, { object: 'error', message: 'The model `nope` does not exist.', type: 'NotFoundError', param: null, code: 404 }),
    );
    driver = await createOpenAIDriver('openai', { preset: 'vllm', model: 'nope', baseURL: `${server.url}/v1` });
    const outcome = await collect(driver.stream({ messages: [{ role: 'user', content: 'x' }], options: { model: driver.defaultModel } }));
    expect(outcome.error).toBeInstanceOf(ValidationException);
    expect((outcome.error as Error).message).toContain('The model `nope` does not exist.');
  });

  it('the preset sets defaults; the config overrides baseURL, model, headers and structuredOutput', () => {
    expect(resolveOpenAIPreset({ preset: 'groq', apiKey: KEY }).config).toMatchObject({
      baseURL: 'https://api.groq.com/openai/v1',
      model: 'llama-3.3-70b-versatile',
      structuredOutput: 'json_object',
    });
    expect(
      resolveOpenAIPreset({
        preset: 'groq',
        apiKey: KEY,
        baseURL: 'https://gateway.example/groq',
        model: 'qwen/qwen3-32b',
        structuredOutput: 'json_schema',
        headers: { 'x-a': '1' },
      }).config,
    ).toMatchObject({ baseURL: 'https://gateway.example/groq', model: 'qwen/qwen3-32b', structuredOutput: 'json_schema', headers: { 'x-a': '1' } });
    expect(Object.fromEntries(Object.entries(OPENAI_PRESETS).map(([name, preset]) => [name, preset.baseURL]))).toEqual({
      mistral: 'https://api.mistral.ai/v1',
      deepseek: 'https://api.deepseek.com/v1',
      groq: 'https://api.groq.com/openai/v1',
      openrouter: 'https://openrouter.ai/api/v1',
      ollama: 'http://127.0.0.1:11434/v1',
      vllm: 'http://127.0.0.1:8000/v1',
    });
  });

  it('startup validation: a key unless the preset is keyless, a model where the preset has none, a known preset name, no azure', () => {
    const problems = (openai: unknown) => {
      try {
        validateEngineOptions({ engine: { openai } } as never);
        return [];
      } catch (error) {
        expect(error).toBeInstanceOf(EngineConfigurationException);
        return (error as EngineConfigurationException).problems;
      }
    };
    expect(problems({ preset: 'ollama', model: 'llama3.2' })).toEqual([]);
    expect(problems({ preset: 'mistral', apiKey: KEY })).toEqual([]);
    expect(problems({ preset: 'mistral' })).toEqual(['engine.openai.apiKey: is required (a non-empty string) (e.g. process.env.OPENAI_API_KEY)']);
    expect(problems({ preset: 'vllm' })).toEqual(["engine.openai.model: is required with preset 'vllm' (the model the server runs, e.g. 'llama3.2')"]);
    expect(problems({ preset: 'lmstudio', apiKey: KEY })).toEqual([
      "engine.openai.preset: must be one of 'mistral', 'deepseek', 'groq', 'openrouter', 'ollama', 'vllm'",
    ]);
    expect(problems({ preset: 'deepseek', apiKey: KEY, baseURL: 'https://x.openai.azure.com', azure: { apiVersion: '2024-10-21' } })).toEqual([
      "engine.openai.preset: 'deepseek' and azure cannot be combined (azure is its own endpoint)",
    ]);
  });

  it('createDrivers builds a preset engine from the module options', async () => {
    const { createDrivers } = await import('../../lib/engine/create-drivers.js');
    server.respond((_req, res) => {
      startEventStream(res);
      res.write(sseFrame(chunk({ role: 'assistant', content: 'ok' })));
      res.write(sseFrame(chunk({}, 'stop')));
      res.end('data: [DONE]\n\n');
    });
    const drivers = await createDrivers({ openai: { preset: 'ollama', model: 'llama3.2', baseURL: `${server.url}/v1` } });
    const built = drivers.get('openai')!;
    try {
      const first = await firstValueFrom(built.stream({ messages: [{ role: 'user', content: 'x' }], options: { model: 'llama3.2' } }));
      expect(first).toMatchObject({ type: 'response-start', model: 'llama3.2' });
    } finally {
      built.close?.();
    }
  });
});

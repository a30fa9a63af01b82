import { FakeProviderServer, sseFrame, startEventStream, writeSplit } from '../../../test/utils/fake-provider-server.js';
import { collect } from '../../../test/utils/driver-outcome.js';
import type { DriverCallOptions } from '../../interfaces/engine-call-options.interface.js';
import type { EngineMessage } from '../../interfaces/engine-message.interface.js';
import type { DriverStreamPart } from '../engine-driver.interface.js';
import { createOpenAIDriver, type OpenAIDriver } from './openai.driver.js';

/**
 * The OpenAI driver's request mapping (tools, toolChoice, parallelToolCalls, reasoning,
 * structured output in its three modes) and its reading of the answer parts (tool-call
 * pieces per index, reasoning_content / reasoning, Mistral content arrays, refusals,
 * citations, usage details), against a local Chat Completions server, bytes split.
 */
const API_KEY = 'sk-bupple-parts-KEY-0123456789';
const HELLO: EngineMessage[] = [{ role: 'user', content: 'hi' }];
const OPTIONS: DriverCallOptions = { model: 'gpt-4o-mini' };

const server = new FakeProviderServer();
let driver: OpenAIDriver;

beforeAll(async () => {
  await server.start();
  driver = await createOpenAIDriver('openai', { apiKey: API_KEY, baseURL: `${server.url}/v1` });
});

afterAll(async () => {
  driver.close();
  await server.stop();
});

beforeEach(() => {
  server.requests.length = 0;
});

const chunk = (delta: Record<string, unknown>, finish: string | null = null, extra: Record<string, unknown> = {}) => ({
  id: 'chatcmpl-1',
  object: 'chat.completion.chunk',
  model: 'gpt-4o-mini',
  choices: [{ index: 0, delta, finish_reason: finish }],
  ...extra,
});

/** Answers every request with these chunks, then [DONE], in pieces of `size` bytes. */
function answer(chunks: unknown[], size = 7): void {
  server.respond(async (_req, res) => {
    startEventStream(res);
    await writeSplit(res, chunks.map((c) => sseFrame(c)).join('') + 'data: [DONE]\n\n', size, 0);
    res.end();
  });
}

const STOP = [chunk({ role: 'assistant', content: 'ok' }), chunk({}, 'stop')];

async function bodyFor(options: Partial<DriverCallOptions>, messages: EngineMessage[] = HELLO, target: OpenAIDriver = driver) {
  answer(STOP);
  const outcome = await collect(target.stream({ messages, options: { ...OPTIONS, ...options } }));
  expect(outcome.error).toBeUndefined();
  return { body: server.lastRequest.body, start: outcome.parts[0] as Extract<DriverStreamPart, { type: 'response-start' }> };
}

describe('the request', () => {
  const weather = {
    name: 'weather',
    description: 'Weather in a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  };

  it('sends tools as functions, and parallelToolCalls', async () => {
    const { body } = await bodyFor({ tools: [weather, { name: 'now', parameters: { type: 'object', properties: {} } }], parallelToolCalls: false });
    expect(body.tools).toEqual([
      { type: 'function', function: weather },
      { type: 'function', function: { name: 'now', parameters: { type: 'object', properties: {} } } },
    ]);
    expect(body.parallel_tool_calls).toBe(false);
    expect(body).not.toHaveProperty('tool_choice');
  });

  it.each([
    ['auto', 'auto'],
    ['none', 'none'],
    ['required', 'required'],
    [{ name: 'weather' }, { type: 'function', function: { name: 'weather' } }],
  ] as const)('maps toolChoice %j to tool_choice %j', async (choice, expected) => {
    const { body } = await bodyFor({ tools: [weather], toolChoice: choice });
    expect(body.tool_choice).toEqual(expected);
  });

  it('maps reasoning.effort to reasoning_effort, and warns that budgetTokens is not an OpenAI setting', async () => {
    const { body, start } = await bodyFor({ reasoning: { effort: 'high', budgetTokens: 2048 } });
    expect(body.reasoning_effort).toBe('high');
    expect(body).not.toHaveProperty('budget_tokens');
    expect(start.warnings).toEqual([
      {
        type: 'unsupported-option',
        option: 'reasoning.budgetTokens',
        message: 'openai does not support reasoning.budgetTokens (it takes reasoning.effort); it was not sent.',
      },
    ]);
  });

  it('sends a schema as json_schema in strict mode, made strict-compatible, and says so on response-start', async () => {
    const schema = { type: 'object', properties: { name: { type: 'string' }, email: { type: 'string' } }, required: ['name'] };
    const { body, start } = await bodyFor({ responseFormat: { type: 'json', schema, name: 'Contact DTO', description: 'A contact' } });
    expect(body.response_format).toEqual({
      type: 'json_schema',
      json_schema: {
        name: 'Contact_DTO',
        description: 'A contact',
        strict: true,
        schema: {
          type: 'object',
          properties: { name: { type: 'string' }, email: { type: ['string', 'null'] } },
          required: ['name', 'email'],
          additionalProperties: false,
        },
      },
    });
    expect(body.messages).toEqual([{ role: 'user', content: 'hi' }]);
    expect(start.structuredOutputMode).toBe('json_schema');
    expect(start.warnings).toEqual([]);
  });

  it('sends a schema whose root is no object without strict mode, with a warning', async () => {
    const { body, start } = await bodyFor({ responseFormat: { type: 'json', schema: { type: 'array', items: { type: 'string' } } } });
    expect(body.response_format).toEqual({
      type: 'json_schema',
      json_schema: { name: 'response', strict: false, schema: { type: 'array', items: { type: 'string' } } },
    });
    expect(start.warnings.map((w) => w.option)).toEqual(['responseFormat']);
  });

  it('structuredOutput json_object: JSON mode and the schema in a system message, with a warning', async () => {
    const compat = await createOpenAIDriver('vllm', { apiKey: 'x', baseURL: `${server.url}/v1`, structuredOutput: 'json_object' });
    try {
      const schema = { type: 'object', properties: { n: { type: 'number' } }, required: ['n'] };
      const { body, start } = await bodyFor({ responseFormat: { type: 'json', schema } }, HELLO, compat);
      expect(body.response_format).toEqual({ type: 'json_object' });
      expect(body.messages[0].role).toBe('system');
      expect(body.messages[0].content).toContain(JSON.stringify(schema));
      expect(body.messages[1]).toEqual({ role: 'user', content: 'hi' });
      expect(start.structuredOutputMode).toBe('json_object');
      expect(start.warnings).toEqual([
        expect.objectContaining({ type: 'other', option: 'responseFormat', message: expect.stringContaining("structuredOutput: 'json_object'") }),
      ]);
    } finally {
      compat.close();
    }
  });

  it('structuredOutput prompt: the schema in a system message only, with a warning', async () => {
    const compat = await createOpenAIDriver('local', { apiKey: 'x', baseURL: `${server.url}/v1`, structuredOutput: 'prompt' });
    try {
      const { body, start } = await bodyFor({ responseFormat: { type: 'json', schema: { type: 'object', properties: {} } } }, HELLO, compat);
      expect(body).not.toHaveProperty('response_format');
      expect(body.messages[0]).toEqual({ role: 'system', content: expect.stringContaining('JSON Schema') });
      expect(start.structuredOutputMode).toBe('prompt');
      expect(start.warnings).toHaveLength(1);
    } finally {
      compat.close();
    }
  });

  it('JSON without a schema is JSON mode (with the word JSON in a system message, as the API wants)', async () => {
    const { body, start } = await bodyFor({ responseFormat: { type: 'json' } });
    expect(body.response_format).toEqual({ type: 'json_object' });
    expect(body.messages[0]).toEqual({ role: 'system', content: 'Answer with one JSON value and nothing else.' });
    expect(start.structuredOutputMode).toBe('json_object');
    expect(start.warnings).toEqual([]);
  });

  it('sends a second step: the assistant tool calls and the tool results', async () => {
    const { body } = await bodyFor({ tools: [weather] }, [
      { role: 'user', content: 'weather in Paris?' },
      { role: 'assistant', content: [{ type: 'tool-call', id: 'call_9', name: 'weather', args: { city: 'Paris' } }] },
      { role: 'tool', content: [{ type: 'tool-result', id: 'call_9', name: 'weather', result: { c: 21 } }] },
    ]);
    expect(body.messages).toEqual([
      { role: 'user', content: 'weather in Paris?' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_9', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } }] },
      { role: 'tool', tool_call_id: 'call_9', content: '{"c":21}' },
    ]);
  });
});

describe('the answer parts (each in 1-, 3- and 7-byte pieces)', () => {
  async function partsOf(chunks: unknown[]): Promise<DriverStreamPart[]> {
    let first: DriverStreamPart[] | undefined;
    for (const size of [1, 3, 7]) {
      answer(chunks, size);
      const outcome = await collect(driver.stream({ messages: HELLO, options: OPTIONS }));
      expect(outcome.error).toBeUndefined();
      expect(outcome.completed).toBe(true);
      const parts = outcome.parts.filter((p) => p.type !== 'activity');
      if (first) expect(parts).toEqual(first);
      first = parts;
    }
    return first!.slice(1);
  }

  it('accumulates parallel tool calls per index into start / delta / end, finishing tool_calls', async () => {
    const parts = await partsOf([
      chunk({ role: 'assistant', content: null }),
      chunk({ tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'weather', arguments: '' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }),
      chunk({ tool_calls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'now', arguments: '{}' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] }),
      chunk({}, 'tool_calls'),
      {
        id: 'chatcmpl-1',
        choices: [],
        usage: {
          prompt_tokens: 50,
          completion_tokens: 20,
          total_tokens: 70,
          prompt_tokens_details: { cached_tokens: 32 },
          completion_tokens_details: { reasoning_tokens: 0 },
        },
      },
    ]);
    expect(parts).toEqual([
      { type: 'tool-call-start', id: 'call_a', name: 'weather' },
      { type: 'tool-call-delta', id: 'call_a', argsTextDelta: '{"city":' },
      { type: 'tool-call-start', id: 'call_b', name: 'now' },
      { type: 'tool-call-delta', id: 'call_b', argsTextDelta: '{}' },
      { type: 'tool-call-delta', id: 'call_a', argsTextDelta: '"Paris"}' },
      { type: 'tool-call-end', id: 'call_a', name: 'weather', argsText: '{"city":"Paris"}' },
      { type: 'tool-call-end', id: 'call_b', name: 'now', argsText: '{}' },
      {
        type: 'finish',
        responseId: 'chatcmpl-1',
        finishReason: 'tool_calls',
        rawFinishReason: 'tool_calls',
        usage: { promptTokens: 50, completionTokens: 20, totalTokens: 70, cachedInputTokens: 32 }, // no reasoning tokens: none reported
      },
    ]);
  });

  it('takes a call’s pieces as they come back and forth between parallel calls (a name repeated on each piece is not added again), none after the finish', async () => {
    const parts = await partsOf([
      chunk({ tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'add', arguments: '{"a":' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { name: 'add', arguments: '1,' } }] }),
      chunk({ tool_calls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'now', arguments: '' } }] }),
      chunk({
        tool_calls: [
          { index: 0, function: { arguments: '"b":2}' } },
          { index: 1, function: { arguments: '{}' } },
        ],
      }),
      chunk({}, 'tool_calls'),
      chunk({ tool_calls: [{ index: 0, function: { arguments: 'late' } }] }),
    ]);
    expect(parts.filter((p) => p.type !== 'finish')).toEqual([
      { type: 'tool-call-start', id: 'call_a', name: 'add' },
      { type: 'tool-call-delta', id: 'call_a', argsTextDelta: '{"a":' },
      { type: 'tool-call-delta', id: 'call_a', argsTextDelta: '1,' },
      { type: 'tool-call-start', id: 'call_b', name: 'now' },
      { type: 'tool-call-delta', id: 'call_a', argsTextDelta: '"b":2}' },
      { type: 'tool-call-delta', id: 'call_b', argsTextDelta: '{}' },
      { type: 'tool-call-end', id: 'call_a', name: 'add', argsText: '{"a":1,"b":2}' },
      { type: 'tool-call-end', id: 'call_b', name: 'now', argsText: '{}' },
    ]);
  });

  it('reads DeepSeek reasoning_content and Groq reasoning apart from the answer', async () => {
    const parts = await partsOf([chunk({ reasoning_content: 'think ' }), chunk({ reasoning: 'more' }), chunk({ content: 'Answer' }), chunk({}, 'stop')]);
    expect(parts).toEqual([
      { type: 'reasoning-delta', text: 'think ' },
      { type: 'reasoning-delta', text: 'more' },
      { type: 'reasoning-end' },
      { type: 'text-delta', text: 'Answer' },
      { type: 'finish', responseId: 'chatcmpl-1', finishReason: 'stop', rawFinishReason: 'stop' },
    ]);
  });

  it('reads Mistral content arrays: thinking parts as reasoning, text parts as text', async () => {
    const parts = await partsOf([
      chunk({ content: [{ type: 'thinking', thinking: [{ type: 'text', text: '2+2' }] }] }),
      chunk({ content: [{ type: 'text', text: '4' }] }),
      chunk({ content: '' }, 'stop'),
    ]);
    expect(parts).toEqual([
      { type: 'reasoning-delta', text: '2+2' },
      { type: 'reasoning-end' },
      { type: 'text-delta', text: '4' },
      { type: 'finish', responseId: 'chatcmpl-1', finishReason: 'stop', rawFinishReason: 'stop' },
    ]);
  });

  it('streams a refusal as text and finishes content_filter, keeping the raw finish reason', async () => {
    const parts = await partsOf([
      chunk({ role: 'assistant', content: null, refusal: '' }),
      chunk({ refusal: "I can't" }),
      chunk({ refusal: ' help.' }),
      chunk({}, 'stop'),
    ]);
    expect(parts).toEqual([
      { type: 'text-delta', text: "I can't" },
      { type: 'text-delta', text: ' help.' },
      { type: 'finish', responseId: 'chatcmpl-1', finishReason: 'content_filter', rawFinishReason: 'stop' },
    ]);
  });

  it('gives each Perplexity citation as a source once, however often the chunks repeat them', async () => {
    const citations = ['https://a.example/1', 'https://b.example/2'];
    const parts = await partsOf([
      chunk({ content: 'The' }, null, { citations }),
      chunk({ content: ' answer' }, null, { citations, search_results: [{ url: 'https://c.example/3', title: 'C' }] }),
      chunk({ content: '' }, 'stop', { citations }),
    ]);
    expect(parts).toEqual([
      { type: 'source', url: 'https://a.example/1' },
      { type: 'source', url: 'https://b.example/2' },
      { type: 'text-delta', text: 'The' },
      { type: 'source', url: 'https://c.example/3', title: 'C' },
      { type: 'text-delta', text: ' answer' },
      { type: 'finish', responseId: 'chatcmpl-1', finishReason: 'stop', rawFinishReason: 'stop' },
    ]);
  });
});

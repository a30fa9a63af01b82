import type { ServerResponse } from 'node:http';
import { FakeProviderServer, cutsInside, sseFrame, startEventStream, writeCuts, writeSplit } from '../../../test/utils/fake-provider-server.js';
import { collect, texts } from '../../../test/utils/driver-outcome.js';
import { ProviderServerException, ValidationException } from '../../errors/engine.exception.js';
import type { DriverCallOptions } from '../../interfaces/engine-call-options.interface.js';
import type { EngineMessage } from '../../interfaces/engine-message.interface.js';
import type { DriverToolDefinition } from '../../interfaces/tool.interface.js';
import type { DriverStreamPart } from '../engine-driver.interface.js';
import { CLAUDE_JSON_TOOL } from './build-claude-request.js';
import { ClaudeDriver, createClaudeDriver } from './claude.driver.js';

/**
 * Tools, thinking, structured output and prompt caching against a local server that speaks
 * Anthropic's Messages API: the request body the driver sends, and the parts it reads back.
 */

const KEY = 'sk-ant-api03-ToolsTESTKEYnotreal0123456789abcdef';
const MODEL = 'claude-sonnet-5-5';
const hello: EngineMessage[] = [{ role: 'user', content: 'What is 2 + 3?' }];
const SIGNATURE = 'EuYBCkQYAiJAk0xR7mZ2vT9qL4sW8nB1cD6fG3hJ5kM0pQ2rS4tU6vX8yZ+/AbCdEfGhIjKlMnOpQrStUvWxYz==';

const add: DriverToolDefinition = {
  name: 'add',
  description: 'Adds two numbers',
  parameters: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } }, required: ['a', 'b'], additionalProperties: false },
};
const now: DriverToolDefinition = { name: 'now', description: 'The current time', parameters: { type: 'object', properties: {} } };

const ev = (data: Record<string, unknown>) => sseFrame(data, data.type as string);
const start = (usage = { input_tokens: 412, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 2 }) =>
  ev({ type: 'message_start', message: { id: 'msg_01ToolTest', type: 'message', role: 'assistant', model: MODEL, content: [], stop_reason: null, usage } });
const blockStart = (index: number, content_block: Record<string, unknown>) => ev({ type: 'content_block_start', index, content_block });
const delta = (index: number, d: Record<string, unknown>) => ev({ type: 'content_block_delta', index, delta: d });
const blockStop = (index: number) => ev({ type: 'content_block_stop', index });
const end = (stop_reason: string, output_tokens: number, extra: Record<string, unknown> = {}) =>
  ev({ type: 'message_delta', delta: { stop_reason, stop_sequence: null }, usage: { output_tokens, ...extra } }) + ev({ type: 'message_stop' });

/** A thinking block, text, and two parallel tool calls (one with streamed input, one with none). */
const toolAnswer =
  start() +
  blockStart(0, { type: 'thinking', thinking: '', signature: '' }) +
  delta(0, { type: 'thinking_delta', thinking: 'I should add 2 and 3 — “exactly”.' }) +
  delta(0, { type: 'signature_delta', signature: SIGNATURE }) +
  blockStop(0) +
  blockStart(1, { type: 'text', text: '' }) +
  delta(1, { type: 'text_delta', text: 'Let me compute that.' }) +
  blockStop(1) +
  blockStart(2, { type: 'tool_use', id: 'toolu_01Add', name: 'add', input: {} }) +
  delta(2, { type: 'input_json_delta', partial_json: '' }) +
  delta(2, { type: 'input_json_delta', partial_json: '{"a": 2' }) +
  delta(2, { type: 'input_json_delta', partial_json: ', "b": 3}' }) +
  blockStop(2) +
  blockStart(3, { type: 'tool_use', id: 'toolu_02Now', name: 'now', input: {} }) +
  delta(3, { type: 'input_json_delta', partial_json: '' }) +
  blockStop(3) +
  ev({ type: 'ping' }) +
  end('tool_use', 96, { output_tokens_details: { thinking_tokens: 31 } });

describe('ClaudeDriver: tools, thinking, structured output and caching', () => {
  const server = new FakeProviderServer();
  let driver: ClaudeDriver;
  let answer: (res: ServerResponse) => Promise<void> | void;

  beforeAll(async () => {
    await server.start();
    server.respond(async (_req, res) => {
      startEventStream(res);
      await answer(res);
    });
    driver = await createClaudeDriver('claude', { apiKey: KEY, baseURL: server.url, model: MODEL });
  });
  afterAll(async () => {
    driver.close();
    await server.stop();
  });
  beforeEach(() => {
    server.requests.length = 0;
    answer = (res) => void res.end(toolAnswer);
  });

  const call = (messages: EngineMessage[] = hello, options: Partial<DriverCallOptions> = {}) =>
    driver.stream({ messages, options: { model: MODEL, ...options } });
  const warningsOf = (parts: DriverStreamPart[]) => (parts[0] as Extract<DriverStreamPart, { type: 'response-start' }>).warnings;

  describe('the stream', () => {
    const expectedParts: DriverStreamPart[] = [
      { type: 'response-start', model: MODEL, warnings: [] },
      { type: 'reasoning-delta', text: 'I should add 2 and 3 — “exactly”.' },
      { type: 'activity' }, // the signature delta
      { type: 'reasoning-end', signature: SIGNATURE },
      { type: 'text-delta', text: 'Let me compute that.' },
      { type: 'tool-call-start', id: 'toolu_01Add', name: 'add' },
      { type: 'activity' }, // the empty input delta
      { type: 'tool-call-delta', id: 'toolu_01Add', argsTextDelta: '{"a": 2' },
      { type: 'tool-call-delta', id: 'toolu_01Add', argsTextDelta: ', "b": 3}' },
      { type: 'tool-call-end', id: 'toolu_01Add', name: 'add', argsText: '{"a": 2, "b": 3}' },
      { type: 'tool-call-start', id: 'toolu_02Now', name: 'now' },
      { type: 'activity' },
      // no input at all: `{}`
      { type: 'tool-call-end', id: 'toolu_02Now', name: 'now', argsText: '{}' },
      { type: 'activity' }, // ping
      {
        type: 'finish',
        responseId: 'msg_01ToolTest',
        finishReason: 'tool_calls',
        rawFinishReason: 'tool_use',
        usage: { promptTokens: 412, completionTokens: 96, totalTokens: 508, reasoningTokens: 31 },
      },
    ];

    it.each([
      ['in one piece', (res: ServerResponse) => void res.end(toolAnswer)],
      [
        'in 3-byte pieces',
        async (res: ServerResponse) => {
          await writeSplit(res, toolAnswer, 3, 0);
          res.end();
        },
      ],
      [
        'cut inside the signature, the JSON pieces, the multi-byte characters and the event lines',
        async (res: ServerResponse) => {
          await writeCuts(res, toolAnswer, [
            ...cutsInside(toolAnswer, [SIGNATURE, '{\\"a\\": 2', '—', '“', 'event: content_block_delta', 'data: {', '\n\n'], 5),
          ]);
          res.end();
        },
      ],
    ])('gives thinking with its signature, text, and parallel tool calls %s', async (_how, write) => {
      answer = write;
      const { parts, error, completed } = await collect(call(hello, { tools: [add, now] }));
      expect(error).toBeUndefined();
      expect(completed).toBe(true);
      expect(parts).toEqual(expectedParts);
    });

    it('gives redacted thinking back as reasoning-end with its data', async () => {
      answer = (res) =>
        void res.end(
          start() +
            blockStart(0, { type: 'redacted_thinking', data: 'EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpP' }) +
            blockStop(0) +
            blockStart(1, { type: 'text', text: '' }) +
            delta(1, { type: 'text_delta', text: '5' }) +
            blockStop(1) +
            end('end_turn', 40),
        );
      const { parts } = await collect(call());
      expect(parts.filter((p) => p.type.startsWith('reasoning'))).toEqual([
        { type: 'reasoning-end', redactedData: 'EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpP' },
      ]);
      expect(texts(parts)).toEqual(['5']);
    });

    it('an `event: error` of a type it does not know, mid-stream → ProviderServerException carrying the body', async () => {
      answer = (res) =>
        void res.end(
          start() +
            blockStart(0, { type: 'text', text: '' }) +
            delta(0, { type: 'text_delta', text: 'Hal' }) +
            sseFrame({ type: 'error', error: { type: 'brand_new_error', message: 'Something new' } }, 'error'),
        );
      const { parts, error } = await collect(call());
      expect(texts(parts)).toEqual(['Hal']);
      expect(error).toBeInstanceOf(ProviderServerException);
      expect(error).toMatchObject({ provider: 'claude', engine: 'claude', retryable: true, body: { error: { type: 'brand_new_error' } } });
    });

    it('an `event: error` invalid_request_error mid-stream → ValidationException', async () => {
      answer = (res) => void res.end(start() + sseFrame({ type: 'error', error: { type: 'invalid_request_error', message: 'prompt is too long' } }, 'error'));
      const { error } = await collect(call());
      expect(error).toBeInstanceOf(ValidationException);
      expect((error as Error).message).toMatch(/prompt is too long/);
    });
  });

  describe('the request', () => {
    it('sends tools with input_schema, and each toolChoice in Claude’s words', async () => {
      const choices: [DriverCallOptions['toolChoice'], boolean | undefined, unknown][] = [
        [undefined, undefined, undefined],
        ['auto', undefined, { type: 'auto' }],
        ['required', undefined, { type: 'any' }],
        [{ name: 'add' }, undefined, { type: 'tool', name: 'add' }],
        ['none', undefined, { type: 'none' }],
        [undefined, false, { type: 'auto', disable_parallel_tool_use: true }],
        ['required', false, { type: 'any', disable_parallel_tool_use: true }],
        [{ name: 'now' }, false, { type: 'tool', name: 'now', disable_parallel_tool_use: true }],
      ];
      for (const [toolChoice, parallelToolCalls, expected] of choices) {
        const { error } = await collect(call(hello, { tools: [add, now], toolChoice, parallelToolCalls }));
        expect(error).toBeUndefined();
        expect(server.lastRequest.body.tool_choice).toEqual(expected);
      }
      expect(server.lastRequest.body.tools).toEqual([
        { name: 'add', description: 'Adds two numbers', input_schema: add.parameters },
        { name: 'now', description: 'The current time', input_schema: { type: 'object', properties: {} } },
      ]);
    });

    it('maps reasoning to thinking with a budget, and keeps max_tokens above it', async () => {
      const sent = async (options: Partial<DriverCallOptions>) => {
        const { parts } = await collect(call(hello, options));
        return { thinking: server.lastRequest.body.thinking, maxTokens: server.lastRequest.body.max_tokens, warnings: warningsOf(parts).map((w) => w.option) };
      };
      expect(await sent({ reasoning: { budgetTokens: 2000 }, maxTokens: 8000 })).toEqual({
        thinking: { type: 'enabled', budget_tokens: 2000 },
        maxTokens: 8000,
        warnings: [],
      });
      expect(await sent({ reasoning: { effort: 'low' } })).toEqual({ thinking: { type: 'enabled', budget_tokens: 1024 }, maxTokens: 4096, warnings: [] });
      expect(await sent({ reasoning: {} })).toEqual({ thinking: { type: 'enabled', budget_tokens: 4096 }, maxTokens: 8192, warnings: [] });
      // high effort is above the default max_tokens: the answer keeps its 4096
      expect(await sent({ reasoning: { effort: 'high' } })).toEqual({ thinking: { type: 'enabled', budget_tokens: 16384 }, maxTokens: 20480, warnings: [] });
      // an explicit max_tokens under the budget is raised, with a warning
      expect(await sent({ reasoning: { budgetTokens: 3000 }, maxTokens: 500 })).toEqual({
        thinking: { type: 'enabled', budget_tokens: 3000 },
        maxTokens: 3500,
        warnings: ['maxTokens'],
      });
      // under Claude's minimum budget: raised, with a warning
      expect(await sent({ reasoning: { budgetTokens: 100 } })).toEqual({
        thinking: { type: 'enabled', budget_tokens: 1024 },
        maxTokens: 4096,
        warnings: ['reasoning'],
      });
      // Claude cannot think while a tool is forced: no thinking, a warning, the tool choice kept
      const forced = await sent({ reasoning: { effort: 'low' }, tools: [add], toolChoice: 'required' });
      expect(forced).toEqual({ thinking: undefined, maxTokens: 4096, warnings: ['reasoning'] });
      expect(server.lastRequest.body.tool_choice).toEqual({ type: 'any' });
      expect(await sent({})).toEqual({ thinking: undefined, maxTokens: 4096, warnings: [] });
    });

    it('a second step carries the thinking (signature unchanged), the tool calls and their results in Claude’s format', async () => {
      // step one: the model thinks and calls two tools
      const first = await collect(call(hello, { tools: [add, now], reasoning: { budgetTokens: 2048 } }));
      const reasoning = first.parts.flatMap((p) => (p.type === 'reasoning-delta' ? [p.text] : [])).join('');
      const end1 = first.parts.find((p) => p.type === 'reasoning-end') as Extract<DriverStreamPart, { type: 'reasoning-end' }>;
      const calls = first.parts.flatMap((p) => (p.type === 'tool-call-end' ? [p] : []));
      // step two: what a tool loop sends back
      const history: EngineMessage[] = [
        { role: 'system', content: 'You can use tools.' },
        ...hello,
        {
          role: 'assistant',
          content: [
            { type: 'reasoning', text: reasoning, signature: end1.signature },
            { type: 'text', text: texts(first.parts).join('') },
            ...calls.map((c) => ({ type: 'tool-call' as const, id: c.id, name: c.name, args: JSON.parse(c.argsText) as unknown })),
          ],
        },
        {
          role: 'tool',
          content: [
            { type: 'tool-result', id: 'toolu_01Add', name: 'add', result: { sum: 5 } },
            { type: 'tool-result', id: 'toolu_02Now', name: 'now', error: { message: 'clock unavailable' } },
          ],
        },
      ];
      answer = (res) =>
        void res.end(
          start() + blockStart(0, { type: 'text', text: '' }) + delta(0, { type: 'text_delta', text: '2 + 3 = 5' }) + blockStop(0) + end('end_turn', 12),
        );
      const second = await collect(call(history, { tools: [add, now], reasoning: { budgetTokens: 2048 } }));
      expect(texts(second.parts)).toEqual(['2 + 3 = 5']);
      expect(server.requests).toHaveLength(2);
      expect(server.lastRequest.body).toMatchObject({
        system: 'You can use tools.',
        thinking: { type: 'enabled', budget_tokens: 2048 },
        messages: [
          { role: 'user', content: 'What is 2 + 3?' },
          {
            role: 'assistant',
            content: [
              { type: 'thinking', thinking: 'I should add 2 and 3 — “exactly”.', signature: SIGNATURE },
              { type: 'text', text: 'Let me compute that.' },
              { type: 'tool_use', id: 'toolu_01Add', name: 'add', input: { a: 2, b: 3 } },
              { type: 'tool_use', id: 'toolu_02Now', name: 'now', input: {} },
            ],
          },
          {
            role: 'user',
            content: [
              { type: 'tool_result', tool_use_id: 'toolu_01Add', content: '{"sum":5}' },
              { type: 'tool_result', tool_use_id: 'toolu_02Now', content: 'clock unavailable', is_error: true },
            ],
          },
        ],
      });
      expect(server.lastRequest.body.messages).toHaveLength(3);
    });

    it('sends redacted thinking back unchanged, PDFs and text files as documents, and tool results before a following user text', async () => {
      await collect(
        call([
          {
            role: 'user',
            content: [
              { type: 'text', text: 'Summarise' },
              { type: 'file', data: 'JVBERi0xLjQK', mimeType: 'application/pdf', filename: 'report.pdf' },
              { type: 'file', url: 'https://example.com/a.pdf', mimeType: 'application/pdf' },
              { type: 'file', data: Buffer.from('Grüße').toString('base64'), mimeType: 'text/plain' },
            ],
          },
          {
            role: 'assistant',
            content: [
              { type: 'reasoning', text: '', redactedData: 'RedactedBlob==' },
              { type: 'reasoning', text: 'no signature: another provider’s' },
              { type: 'tool-call', id: 'toolu_9', name: 'now', args: {} },
            ],
          },
          { role: 'tool', content: [{ type: 'tool-result', id: 'toolu_9', name: 'now', result: '2026-12-01T20:00:00Z' }] },
          { role: 'user', content: 'And now?' },
        ]),
      );
      expect(server.lastRequest.body.messages).toEqual([
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Summarise' },
            { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0xLjQK' }, title: 'report.pdf' },
            { type: 'document', source: { type: 'url', url: 'https://example.com/a.pdf' } },
            { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'Grüße' } },
          ],
        },
        {
          role: 'assistant',
          content: [
            { type: 'redacted_thinking', data: 'RedactedBlob==' },
            { type: 'tool_use', id: 'toolu_9', name: 'now', input: {} },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_9', content: '2026-12-01T20:00:00Z' },
            { type: 'text', text: 'And now?' },
          ],
        },
      ]);
    });

    it.each([
      [
        'a file type Claude cannot take',
        [{ role: 'user', content: [{ type: 'file', data: 'AAAA', mimeType: 'application/zip' }] }],
        /^messages\[0\]\.content\[0\]: claude takes files of type application\/pdf, text\/plain, not "application\/zip"\.$/,
      ],
      [
        'a tool call in a user message',
        [{ role: 'user', content: [{ type: 'tool-call', id: 't', name: 'x', args: {} }] }],
        /^messages\[0\]\.content\[0\]: claude does not take a "tool-call" part in user messages\.$/,
      ],
      [
        'a tool message without results',
        [
          { role: 'user', content: 'Hi' },
          { role: 'tool', content: 'done' },
        ],
        /^messages\[1\]\.content: claude needs a tool message to hold tool-result parts\.$/,
      ],
    ] as [string, EngineMessage[], RegExp][])('rejects %s with a ValidationException naming the part, before any request', async (_what, messages, message) => {
      const { error } = await collect(call(messages));
      expect(error).toBeInstanceOf(ValidationException);
      expect((error as Error).message).toMatch(message);
      expect(server.requests).toHaveLength(0);
    });

    it('puts cache breakpoints on the system prompt, the last tool and the marked messages', async () => {
      await collect(
        call(
          [
            { role: 'system', content: 'A long, stable system prompt.' },
            { role: 'user', content: 'First question', cacheControl: true },
            { role: 'assistant', content: 'First answer' },
            { role: 'user', content: 'Second question' },
          ],
          { tools: [add, now], cacheControl: { system: true, tools: true } },
        ),
      );
      const body = server.lastRequest.body;
      expect(body.system).toEqual([{ type: 'text', text: 'A long, stable system prompt.', cache_control: { type: 'ephemeral' } }]);
      expect(body.tools.map((t: { cache_control?: unknown }) => t.cache_control)).toEqual([undefined, { type: 'ephemeral' }]);
      expect(body.messages).toEqual([
        { role: 'user', content: [{ type: 'text', text: 'First question', cache_control: { type: 'ephemeral' } }] },
        { role: 'assistant', content: 'First answer' },
        { role: 'user', content: 'Second question' },
      ]);
      // and none unless asked for
      await collect(call([{ role: 'system', content: 'S' }, ...hello], { tools: [add] }));
      expect(server.lastRequest.body.system).toBe('S');
      expect(server.lastRequest.body.tools[0].cache_control).toBeUndefined();
    });

    it('reports cache reads and writes apart, counted in the prompt tokens', async () => {
      answer = (res) =>
        void res.end(
          start({ input_tokens: 20, cache_creation_input_tokens: 1500, cache_read_input_tokens: 3000, output_tokens: 1 }) +
            blockStart(0, { type: 'text', text: 'ok' }) +
            blockStop(0) +
            end('end_turn', 3),
        );
      const { parts } = await collect(call());
      expect(parts[parts.length - 1]).toMatchObject({
        usage: { promptTokens: 4520, completionTokens: 3, totalTokens: 4523, cachedInputTokens: 3000, cacheWriteTokens: 1500 },
      });
    });
  });

  describe('structured output (responseFormat)', () => {
    const schema = { type: 'object', properties: { name: { type: 'string' } }, required: ['name'], additionalProperties: false };
    const jsonText = '{"name":"Ada Lovelace — “Countess”"}';

    it('with a schema: native output_config.format, the JSON streamed as text, mode native', async () => {
      answer = (res) =>
        void res.end(
          start() +
            blockStart(0, { type: 'text', text: '' }) +
            delta(0, { type: 'text_delta', text: jsonText.slice(0, 9) }) +
            delta(0, { type: 'text_delta', text: jsonText.slice(9) }) +
            blockStop(0) +
            end('end_turn', 9),
        );
      const { parts } = await collect(call(hello, { responseFormat: { type: 'json', schema } }));
      expect(server.lastRequest.body.output_config).toEqual({ format: { type: 'json_schema', schema } });
      expect(server.lastRequest.body.tools).toBeUndefined();
      expect(parts[0]).toEqual({ type: 'response-start', model: MODEL, warnings: [], structuredOutputMode: 'native' });
      expect(texts(parts).join('')).toBe(jsonText);
    });

    it('through a forced tool call when asked (providerOptions.structuredOutput: "tool"): its input JSON streams as text, mode tool', async () => {
      answer = async (res) => {
        const payload =
          start() +
          blockStart(0, { type: 'tool_use', id: 'toolu_01Json', name: CLAUDE_JSON_TOOL, input: {} }) +
          delta(0, { type: 'input_json_delta', partial_json: '' }) +
          delta(0, { type: 'input_json_delta', partial_json: jsonText.slice(0, 12) }) +
          delta(0, { type: 'input_json_delta', partial_json: jsonText.slice(12) }) +
          blockStop(0) +
          end('tool_use', 9);
        await writeSplit(res, payload, 5, 0);
        res.end();
      };
      const { parts } = await collect(
        call(hello, { responseFormat: { type: 'json', schema, description: 'The person named' }, providerOptions: { structuredOutput: 'tool' } }),
      );
      const body = server.lastRequest.body;
      expect(body.tools).toEqual([{ name: CLAUDE_JSON_TOOL, description: 'The person named', input_schema: schema }]);
      expect(body.tool_choice).toEqual({ type: 'tool', name: CLAUDE_JSON_TOOL });
      expect(body.output_config).toBeUndefined();
      expect(body.structuredOutput).toBeUndefined(); // a driver setting, not sent
      expect(parts[0]).toMatchObject({ structuredOutputMode: 'tool' });
      expect(texts(parts).join('')).toBe(jsonText);
      expect(parts.some((p) => p.type.startsWith('tool-call'))).toBe(false);
    });

    it('without a schema: an instruction in the system prompt, mode prompt', async () => {
      answer = (res) => void res.end(start() + blockStart(0, { type: 'text', text: '{"ok":true}' }) + blockStop(0) + end('end_turn', 4));
      const { parts } = await collect(call([{ role: 'system', content: 'Be brief.' }, ...hello], { responseFormat: { type: 'json' } }));
      expect(server.lastRequest.body.system).toBe('Be brief.\n\nAnswer with one JSON value only: no prose before or after it, no code fence.');
      expect(parts[0]).toMatchObject({ structuredOutputMode: 'prompt' });
      expect(texts(parts)).toEqual(['{"ok":true}']);
    });
  });
});

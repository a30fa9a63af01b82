import 'reflect-metadata';
import { cutsInside, FakeProviderServer, startEventStream, writeCuts } from '../../../test/utils/fake-provider-server.js';
import { collect, texts } from '../../../test/utils/driver-outcome.js';
import { EngineService } from '../../engine.service.js';
import { ProviderOverloadedException, ProviderServerException, RateLimitException, ValidationException } from '../../errors/engine.exception.js';
import type { DriverCallOptions, ReasoningOptions } from '../../interfaces/engine-call-options.interface.js';
import type { EngineChunk } from '../../interfaces/engine-chunk.interface.js';
import type { EngineMessage } from '../../interfaces/engine-message.interface.js';
import type { DriverToolDefinition } from '../../interfaces/tool.interface.js';
import type { DriverStreamPart } from '../engine-driver.interface.js';
import { createGeminiDriver, type GeminiDriver } from './gemini.driver.js';

const KEY = 'AIzaSyTOOLSKEYnotreal_0123456789abcdefXYZ';
const MODEL = 'gemini-2.5-flash';
const SIGNATURE = 'CiQBcsjafAbc+def/ghiJKL=';
const hello: EngineMessage[] = [{ role: 'user', content: 'What is 2 + 3, and the time?' }];

const frame = (chunk: unknown) => `data: ${JSON.stringify(chunk)}\r\n\r\n`;
const usage = { promptTokenCount: 31, candidatesTokenCount: 12, thoughtsTokenCount: 40, totalTokenCount: 83, cachedContentTokenCount: 16 };

const addTool: DriverToolDefinition = {
  name: 'add',
  description: 'Adds two numbers',
  parameters: {
    $schema: 'http://json-schema.org/draft-07/schema#',
    type: 'object',
    properties: { a: { type: 'number', description: 'first' }, b: { type: 'number' } },
    required: ['a', 'b'],
    additionalProperties: false,
  },
};
const nowTool: DriverToolDefinition = { name: 'now', description: 'The current time', parameters: { type: 'object', properties: {} } };

/** A Gemini 2.5 answer that thinks, then calls two functions (the first carrying the thought signature). */
const toolCallAnswer = [
  {
    candidates: [{ content: { role: 'model', parts: [{ text: '**Adding**\nI need the add tool and the clock.', thought: true }] }, index: 0 }],
    modelVersion: MODEL,
  },
  {
    candidates: [
      {
        content: {
          role: 'model',
          parts: [{ functionCall: { name: 'add', args: { a: 2, b: 3 } }, thoughtSignature: SIGNATURE }, { functionCall: { name: 'now', args: {} } }],
        },
        finishReason: 'STOP',
        index: 0,
      },
    ],
    usageMetadata: usage,
    modelVersion: MODEL,
  },
];

describe('GeminiDriver: tools, reasoning, structured output, against a local Gemini API', () => {
  const server = new FakeProviderServer();
  let driver: GeminiDriver;

  beforeAll(async () => {
    await server.start();
    driver = await createGeminiDriver('gemini', { apiKey: KEY, baseURL: server.url, model: MODEL });
  });
  afterAll(async () => {
    driver.close();
    await server.stop();
  });
  beforeEach(() => {
    server.requests.length = 0;
  });

  const call = (options: Partial<DriverCallOptions> = {}, messages: EngineMessage[] = hello) =>
    driver.stream({ messages, options: { model: MODEL, ...options } });
  const answer = (chunks: unknown[]) =>
    server.respond((_req, res) => {
      startEventStream(res);
      res.end(chunks.map(frame).join(''));
    });

  it('sends tools as functionDeclarations (schemas converted, no parameters for a tool without arguments), toolChoice and reasoning', async () => {
    answer(toolCallAnswer);
    await collect(call({ tools: [addTool, nowTool], toolChoice: 'auto', reasoning: { effort: 'low' } }));
    const body = server.lastRequest.body;
    expect(body.tools).toEqual([
      {
        functionDeclarations: [
          {
            name: 'add',
            description: 'Adds two numbers',
            parameters: { type: 'object', properties: { a: { type: 'number', description: 'first' }, b: { type: 'number' } }, required: ['a', 'b'] },
          },
          { name: 'now', description: 'The current time' },
        ],
      },
    ]);
    expect(body.toolConfig).toEqual({ functionCallingConfig: { mode: 'AUTO' } });
    expect(body.generationConfig).toEqual({ thinkingConfig: { thinkingBudget: 1024, includeThoughts: true } });
  });

  it.each([
    ['none', { mode: 'NONE' }],
    ['required', { mode: 'ANY' }],
    [{ name: 'now' }, { mode: 'ANY', allowedFunctionNames: ['now'] }],
  ] as [DriverCallOptions['toolChoice'], unknown][])('maps toolChoice %j to functionCallingConfig %j', async (toolChoice, expected) => {
    answer(toolCallAnswer);
    await collect(call({ tools: [addTool, nowTool], toolChoice }));
    expect(server.lastRequest.body.toolConfig).toEqual({ functionCallingConfig: expected });
  });

  it.each([
    [{ effort: 'medium' }, { thinkingBudget: 8192, includeThoughts: true }],
    [{ effort: 'high' }, { thinkingBudget: 24576, includeThoughts: true }],
    [
      { effort: 'high', budgetTokens: 2048 },
      { thinkingBudget: 2048, includeThoughts: true },
    ],
    [{}, { includeThoughts: true }],
  ] as [ReasoningOptions, Record<string, unknown>][])(
    'maps reasoning %j to thinkingConfig %j; providerOptions.thinkingConfig wins field by field',
    async (reasoning, expected) => {
      answer(toolCallAnswer);
      await collect(call({ reasoning }));
      expect(server.lastRequest.body.generationConfig.thinkingConfig).toEqual(expected);
      await collect(call({ reasoning, providerOptions: { thinkingConfig: { thinkingBudget: 0 } } }));
      expect(server.lastRequest.body.generationConfig.thinkingConfig).toEqual({ ...expected, thinkingBudget: 0 });
    },
  );

  it('adds providerOptions tools (e.g. Google Search grounding) after the declared functions', async () => {
    answer(toolCallAnswer);
    await collect(call({ tools: [nowTool], providerOptions: { tools: [{ googleSearch: {} }] } }));
    expect(server.lastRequest.body.tools).toEqual([{ functionDeclarations: [{ name: 'now', description: 'The current time' }] }, { googleSearch: {} }]);
  });

  it('streams the thought summary as reasoning, each function call as one whole tool call (generated ids, args parsed, signature kept), finish tool_calls, usage broken down', async () => {
    answer(toolCallAnswer);
    const { parts, completed } = await collect(call({ tools: [addTool, nowTool] }));
    expect(completed).toBe(true);
    const calls = parts.filter((p): p is Extract<DriverStreamPart, { type: 'tool-call-end' }> => p.type === 'tool-call-end');
    expect(calls.map(({ name, argsText, args, providerMetadata }) => ({ name, argsText, args, providerMetadata }))).toEqual([
      { name: 'add', argsText: '{"a":2,"b":3}', args: { a: 2, b: 3 }, providerMetadata: { thoughtSignature: SIGNATURE } },
      { name: 'now', argsText: '{}', args: {}, providerMetadata: undefined },
    ]);
    const [first, second] = calls.map((c) => c.id);
    expect(first).toMatch(/^gemini-call-[0-9a-f-]{36}$/);
    expect(second).not.toBe(first);
    expect(parts.map((p) => (p.type.startsWith('tool-call') ? `${p.type}:${(p as { id: string }).id === first ? 1 : 2}` : p.type))).toEqual([
      'response-start',
      'reasoning-delta',
      'reasoning-end',
      // a call that arrives whole does not stream: no start, no delta
      'tool-call-end:1',
      'tool-call-end:2',
      'finish',
    ]);
    expect(parts[parts.length - 1]).toEqual({
      type: 'finish',
      finishReason: 'tool_calls',
      rawFinishReason: 'STOP',
      usage: { promptTokens: 31, completionTokens: 52, totalTokens: 83, reasoningTokens: 40, cachedInputTokens: 16 },
    });
  });

  it('keeps an id Gemini sends with a function call', async () => {
    answer([{ candidates: [{ content: { role: 'model', parts: [{ functionCall: { id: 'fc-7', name: 'now', args: {} } }] }, finishReason: 'STOP' }] }]);
    const { parts } = await collect(call({ tools: [nowTool] }));
    expect(parts.filter((p) => p.type.startsWith('tool-call'))).toEqual([{ type: 'tool-call-end', id: 'fc-7', name: 'now', argsText: '{}', args: {} }]);
  });

  it('sends back a tool loop in Gemini’s format: the functionCall parts with their signature, then functionResponse parts in a user turn', async () => {
    answer(toolCallAnswer);
    const first = await collect(call({ tools: [addTool, nowTool] }));
    const calls = first.parts.filter((p): p is Extract<DriverStreamPart, { type: 'tool-call-end' }> => p.type === 'tool-call-end');
    const reasoning = first.parts
      .filter((p) => p.type === 'reasoning-delta')
      .map((p) => (p as { text: string }).text)
      .join('');

    answer([{ candidates: [{ content: { role: 'model', parts: [{ text: '2 + 3 = 5; it is noon.' }] }, finishReason: 'STOP', index: 0 }] }]);
    const followUp: EngineMessage[] = [
      ...hello,
      {
        role: 'assistant',
        content: [
          { type: 'reasoning', text: reasoning },
          ...calls.map((c) => ({
            type: 'tool-call' as const,
            id: c.id,
            name: c.name,
            args: JSON.parse(c.argsText),
            ...(c.providerMetadata && { providerMetadata: c.providerMetadata }),
          })),
        ],
      },
      {
        role: 'tool',
        content: [
          { type: 'tool-result', id: calls[0].id, name: 'add', result: { sum: 5 } },
          { type: 'tool-result', id: calls[1].id, name: 'now', result: '2026-12-01T12:00:00Z' },
        ],
      },
      { role: 'tool', content: [{ type: 'tool-result', id: 'gemini-call-x', name: 'add', error: { message: 'a is not a number' } }] },
    ];
    const second = await collect(call({ tools: [addTool, nowTool] }, followUp));
    expect(texts(second.parts).join('')).toBe('2 + 3 = 5; it is noon.');
    expect(second.parts[second.parts.length - 1]).toMatchObject({ finishReason: 'stop' });
    expect(server.lastRequest.body.contents).toEqual([
      { role: 'user', parts: [{ text: 'What is 2 + 3, and the time?' }] },
      {
        role: 'model',
        parts: [
          { text: '**Adding**\nI need the add tool and the clock.', thought: true },
          { functionCall: { name: 'add', args: { a: 2, b: 3 } }, thoughtSignature: SIGNATURE },
          { functionCall: { name: 'now', args: {} } },
        ],
      },
      {
        role: 'user',
        parts: [
          { functionResponse: { name: 'add', response: { sum: 5 } } },
          { functionResponse: { name: 'now', response: { output: '2026-12-01T12:00:00Z' } } },
          { functionResponse: { name: 'add', response: { error: { message: 'a is not a number' } } } },
        ],
      },
    ]);
  });

  it('sends a text part’s thoughtSignature back, and files as inlineData / fileData', async () => {
    answer(toolCallAnswer);
    await collect(
      call({}, [
        {
          role: 'user',
          content: [
            { type: 'file', data: 'JVBERi0xLjQ=', mimeType: 'application/pdf', filename: 'a.pdf' },
            { type: 'file', url: 'https://example.com/report.pdf', mimeType: 'application/pdf' },
            { type: 'file', url: 'data:text/plain;base64,aGVsbG8=', mimeType: 'text/plain' },
          ],
        },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'Read.' },
            { type: 'reasoning', text: '', signature: SIGNATURE },
          ],
        },
        { role: 'user', content: 'Summarise' },
      ]),
    );
    expect(server.lastRequest.body.contents).toEqual([
      {
        role: 'user',
        parts: [
          { inlineData: { mimeType: 'application/pdf', data: 'JVBERi0xLjQ=' } },
          { fileData: { fileUri: 'https://example.com/report.pdf', mimeType: 'application/pdf' } },
          { inlineData: { mimeType: 'text/plain', data: 'aGVsbG8=' } },
        ],
      },
      { role: 'model', parts: [{ text: 'Read.' }, { text: '', thoughtSignature: SIGNATURE }] },
      { role: 'user', parts: [{ text: 'Summarise' }] },
    ]);
  });

  it('asks for JSON with responseSchema for responseFormat, and says so on response-start (native)', async () => {
    answer([{ candidates: [{ content: { role: 'model', parts: [{ text: '{"name":"Ada","tags":[]}' }] }, finishReason: 'STOP', index: 0 }] }]);
    const schema = {
      type: 'object',
      properties: { name: { type: 'string' }, email: { type: ['string', 'null'], format: 'email' }, tags: { type: 'array', items: { type: 'string' } } },
      required: ['name', 'tags'],
      additionalProperties: false,
    };
    const { parts } = await collect(call({ responseFormat: { type: 'json', schema, name: 'Contact', description: 'A contact card' } }));
    expect(server.lastRequest.body.generationConfig).toEqual({
      responseMimeType: 'application/json',
      responseSchema: {
        type: 'object',
        description: 'A contact card',
        properties: { name: { type: 'string' }, email: { type: 'string', nullable: true }, tags: { type: 'array', items: { type: 'string' } } },
        required: ['name', 'tags'],
      },
    });
    expect(parts[0]).toEqual({ type: 'response-start', model: MODEL, warnings: [], structuredOutputMode: 'native' });
    expect(texts(parts).join('')).toBe('{"name":"Ada","tags":[]}');

    await collect(call({ responseFormat: { type: 'json' } }));
    expect(server.lastRequest.body.generationConfig).toEqual({ responseMimeType: 'application/json' });
  });

  it.each([
    [
      'a tool schema Gemini cannot take, naming the tool and the field',
      { tools: [{ name: 'lookup', parameters: { type: 'object', properties: { filters: { type: 'object', additionalProperties: { type: 'string' } } } } }] },
      'gemini cannot take the JSON Schema of tool "lookup": properties.filters.additionalProperties: maps (an "additionalProperties" schema) have no equivalent.',
      hello,
    ],
    [
      'a response schema Gemini cannot take',
      { responseFormat: { type: 'json', schema: { type: 'object', properties: { level: { enum: [1, 2] } } } } },
      'gemini cannot take the JSON Schema of responseFormat: properties.level.enum: Gemini takes only string values in "enum".',
      hello,
    ],
    [
      'a toolChoice naming no given tool',
      { tools: [nowTool], toolChoice: { name: 'add' } },
      'toolChoice names the tool "add", which is not among the tools given to gemini.',
      hello,
    ],
    [
      'tool-call arguments that are not an object',
      {},
      'messages[1].content[0]: gemini takes the arguments of a tool call as a JSON object.',
      [...hello, { role: 'assistant', content: [{ type: 'tool-call', id: 'x', name: 'now', args: [1] }] }],
    ],
  ] as [string, Partial<DriverCallOptions>, string, EngineMessage[]][])(
    'rejects %s with a ValidationException before any request',
    async (_what, options, message, messages) => {
      const { error, parts } = await collect(call(options, messages));
      expect(error).toBeInstanceOf(ValidationException);
      expect((error as Error).message).toBe(message);
      expect(error).toMatchObject({ provider: 'gemini', engine: 'gemini' });
      expect(parts).toEqual([]);
      expect(server.requests).toHaveLength(0);
    },
  );

  it('warns that parallelToolCalls: false cannot be honoured', async () => {
    answer(toolCallAnswer);
    const { parts } = await collect(call({ tools: [nowTool], parallelToolCalls: false }));
    expect((parts[0] as Extract<DriverStreamPart, { type: 'response-start' }>).warnings).toEqual([
      {
        type: 'unsupported-option',
        option: 'parallelToolCalls',
        message: 'gemini does not support parallelToolCalls (the model may call several functions at once); it was not sent.',
      },
    ]);
  });

  it('sends grounding sources once per URL, and the safety ratings and grounding metadata as provider-metadata before the finish', async () => {
    const grounding = {
      groundingChunks: [{ web: { uri: 'https://a.example/x', title: 'A' } }, { web: { uri: 'https://b.example/y', title: 'B' } }],
      webSearchQueries: ['q'],
    };
    const ratings = [{ category: 'HARM_CATEGORY_HARASSMENT', probability: 'NEGLIGIBLE' }];
    answer([
      {
        candidates: [{ content: { role: 'model', parts: [{ text: 'Found it.' }] }, index: 0, groundingMetadata: grounding }],
        responseId: 'r-1',
        modelVersion: MODEL,
      },
      {
        candidates: [
          {
            content: { role: 'model', parts: [{ text: '' }] },
            index: 0,
            finishReason: 'STOP',
            safetyRatings: ratings,
            citationMetadata: { citationSources: [{ uri: 'https://a.example/x' }, { uri: 'https://c.example/z' }] },
          },
        ],
        responseId: 'r-1',
        modelVersion: MODEL,
      },
    ]);
    const { parts } = await collect(call({ providerOptions: { tools: [{ googleSearch: {} }] } }));
    expect(parts.filter((p) => p.type === 'source')).toEqual([
      { type: 'source', url: 'https://a.example/x', title: 'A' },
      { type: 'source', url: 'https://b.example/y', title: 'B' },
      { type: 'source', url: 'https://c.example/z' },
    ]);
    expect(parts.slice(-2)).toEqual([
      { type: 'provider-metadata', metadata: { groundingMetadata: grounding, safetyRatings: ratings, modelVersion: MODEL, responseId: 'r-1' } },
      { type: 'finish', responseId: 'r-1', finishReason: 'stop', rawFinishReason: 'STOP' },
    ]);
  });

  describe('errors in the stream, however the bytes are cut', () => {
    const first = frame({ candidates: [{ content: { parts: [{ text: 'Partial ' }] }, finishReason: 'STOP', index: 0 }] });
    const bare = '{\n  "error": {\n    "code": 503,\n    "message": "The model is overloaded.",\n    "status": "UNAVAILABLE"\n  }\n}\n';
    const payload = first + bare;

    it.each([
      ['at once', [] as number[]],
      ['before the brace of the bare object', [Buffer.byteLength(first)]],
      ['inside the CRLF before it, and inside the object', [Buffer.byteLength(first) - 1, ...cutsInside(payload, ['"error"', 'UNAVAIL', '}\n}'], 2)]],
      ['at every byte', Array.from({ length: Buffer.byteLength(payload) }, (_, i) => i)],
    ])('a bare error object after content (Vertex) → the same exception, cut %s', async (_how, cuts) => {
      server.respond(async (_req, res) => {
        startEventStream(res);
        await writeCuts(res, payload, cuts, 1);
        res.end();
      });
      const { parts, error } = await collect(call());
      expect(texts(parts)).toEqual(['Partial ']);
      expect(error).toBeInstanceOf(ProviderOverloadedException);
      expect(error).toMatchObject({ status: 503, body: JSON.parse(bare) });
    });

    it('a bare object cut off before it is whole → ProviderServerException (malformed), not a finish', async () => {
      server.respond(async (_req, res) => {
        startEventStream(res);
        res.end(payload.slice(0, payload.length - 4));
      });
      const { error, parts } = await collect(call());
      expect(parts.some((p) => p.type === 'finish')).toBe(false);
      expect(error).toMatchObject({ name: 'ProviderServerException', message: 'gemini sent a stream event that is not valid JSON.' });
    });

    it('a streaming HTTP error body labelled text/event-stream is parsed: Google’s status and message', async () => {
      server.respond((_req, res) => {
        res.writeHead(404, { 'content-type': 'text/event-stream' });
        res.end('{\n  "error": {\n    "code": 404,\n    "message": "models/x is not found for API version v1beta",\n    "status": "NOT_FOUND"\n  }\n}\n');
      });
      const { error } = await collect(call());
      expect(error).toBeInstanceOf(ValidationException);
      expect(error).toMatchObject({
        status: 404,
        body: { error: { status: 'NOT_FOUND' } },
        message: 'gemini rejected the request: models/x is not found for API version v1beta',
      });
    });

    it('an error event framed as data: → mapped from its own code (CANCELLED on Google’s side → ProviderServerException, retryable)', async () => {
      answer([
        { candidates: [{ content: { parts: [{ text: 'x' }] }, index: 0 }] },
        { error: { code: 499, message: 'The operation was cancelled.', status: 'CANCELLED' } },
      ]);
      const { error } = await collect(call());
      expect(error).toBeInstanceOf(ProviderServerException);
      expect(error).toMatchObject({ status: 499, retryable: true });
    });

    it('a 200 that is no event stream but Google’s error body (JSON) → the exception the body names, before response-start', async () => {
      server.respond((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json; charset=UTF-8' });
        res.end(JSON.stringify({ error: { code: 429, message: 'Quota exceeded.', status: 'RESOURCE_EXHAUSTED' } }));
      });
      const { error, parts } = await collect(call());
      expect(parts).toEqual([]);
      expect(error).toBeInstanceOf(RateLimitException);
    });

    it('a line longer than the engine’s maxEventLength → ProviderStreamLimitException, not the process', async () => {
      const capped = await createGeminiDriver('gemini', {
        apiKey: KEY,
        baseURL: server.url,
        model: MODEL,
        maxEventLength: 1000,
        headers: { 'x-gateway-key': 'gw-1' },
      });
      answer([{ candidates: [{ content: { parts: [{ text: 'y'.repeat(2000) }] }, index: 0, finishReason: 'STOP' }] }]);
      const { error } = await collect(capped.stream({ messages: hello, options: { model: MODEL } }));
      capped.close();
      expect(error).toMatchObject({ name: 'ProviderStreamLimitException', code: 'stream_limit' });
      expect(server.lastRequest.headers['x-gateway-key']).toBe('gw-1');
      expect(server.lastRequest.headers['x-goog-api-key']).toBe(KEY);
    });
  });

  it('through EngineService with maxSteps: the tools run, and the second request carries the calls (signed) and their results in Gemini’s format', async () => {
    const bodies: unknown[] = [];
    let step = 0;
    server.respond((req, res) => {
      bodies.push(req.body);
      startEventStream(res);
      const chunks =
        step++ === 0
          ? toolCallAnswer
          : [{ candidates: [{ content: { role: 'model', parts: [{ text: '5, at noon.' }] }, finishReason: 'STOP', index: 0 }], usageMetadata: usage }];
      res.end(chunks.map(frame).join(''));
    });
    const engine = new EngineService({ engine: { drivers: { gemini: driver }, retry: { maxRetries: 0 } } }, new Map([['gemini', driver]]));
    const ran: unknown[] = [];
    const chunks = await new Promise<EngineChunk[]>((resolve, reject) => {
      const seen: EngineChunk[] = [];
      engine
        .stream(hello, {
          engine: 'gemini',
          maxSteps: 3,
          tools: {
            add: {
              description: addTool.description,
              parameters: addTool.parameters,
              execute: (args: { a: number; b: number }) => (ran.push(args), { sum: args.a + args.b }),
            },
            now: { description: 'The current time', parameters: { type: 'object', properties: {} }, execute: () => ({ iso: '2026-12-01T12:00:00Z' }) },
          },
        })
        .subscribe({ next: (c) => seen.push(c), error: reject, complete: () => resolve(seen) });
    });
    expect(ran).toEqual([{ a: 2, b: 3 }]);
    expect(chunks.map((c) => c.content).join('')).toBe('5, at noon.');
    expect(chunks[chunks.length - 1]).toMatchObject({ finishReason: 'stop' });
    expect(bodies).toHaveLength(2);
    const second = bodies[1] as { contents: unknown[]; tools: unknown[] };
    expect(second.tools).toEqual((bodies[0] as { tools: unknown[] }).tools);
    expect(second.contents).toEqual([
      { role: 'user', parts: [{ text: 'What is 2 + 3, and the time?' }] },
      {
        role: 'model',
        parts: [
          { text: '**Adding**\nI need the add tool and the clock.', thought: true },
          { functionCall: { name: 'add', args: { a: 2, b: 3 } }, thoughtSignature: SIGNATURE },
          { functionCall: { name: 'now', args: {} } },
        ],
      },
      {
        role: 'user',
        parts: [{ functionResponse: { name: 'add', response: { sum: 5 } } }, { functionResponse: { name: 'now', response: { iso: '2026-12-01T12:00:00Z' } } }],
      },
    ]);
  });

  it('through EngineService: a tool call is a toolCall chunk, the last chunk says tool_calls', async () => {
    answer(toolCallAnswer);
    const engine = new EngineService({ engine: { drivers: { gemini: driver }, retry: { maxRetries: 0 } } }, new Map([['gemini', driver]]));
    const chunks = await new Promise<EngineChunk[]>((resolve, reject) => {
      const seen: EngineChunk[] = [];
      engine
        .stream(hello, { engine: 'gemini', reasoning: { effort: 'low' } })
        .subscribe({ next: (c) => seen.push(c), error: reject, complete: () => resolve(seen) });
    });
    expect(chunks.flatMap((c) => (c.toolCall ? [{ name: c.toolCall.name, args: c.toolCall.args }] : []))).toEqual([
      { name: 'add', args: { a: 2, b: 3 } },
      { name: 'now', args: {} },
    ]);
    expect(chunks.map((c) => c.reasoning ?? '').join('')).toBe('**Adding**\nI need the add tool and the clock.');
    expect(chunks[chunks.length - 1]).toMatchObject({
      finishReason: 'tool_calls',
      rawFinishReason: 'STOP',
      usage: { reasoningTokens: 40, cachedInputTokens: 16 },
    });
  });
});

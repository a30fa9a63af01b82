import 'reflect-metadata';
import { Controller, Get, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { metrics, trace } from '@opentelemetry/api';
import { AggregationTemporality, MeterProvider, MetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { firstValueFrom, lastValueFrom, take, toArray } from 'rxjs';
import { BuppleEngineModule, EngineService, SseStream, type BuppleEngineModuleOptions, type EngineFinishInfo } from '@bupple/nestjs-ai-engine';
import { FakeProviderServer, sendJsonError, sleep, sseFrame, startEventStream } from '../utils/fake-provider-server.js';
import { readSse } from '../utils/sse-client.js';

class TestReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

const words = ['Hello', ' from', ' the', ' fake', ' provider'];
/** An OpenAI chat stream: role chunk, words, finish chunk, usage chunk, [DONE]. */
function openAiAnswer(delayMs = 0) {
  return async (_req: unknown, res: import('node:http').ServerResponse) => {
    startEventStream(res);
    const base = { id: 'chatcmpl-42', object: 'chat.completion.chunk', created: 1, model: 'gpt-test-2025' };
    res.write(sseFrame({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] }));
    for (const word of words) {
      if (delayMs) await sleep(delayMs);
      if (res.destroyed) return;
      res.write(sseFrame({ ...base, choices: [{ index: 0, delta: { content: word }, finish_reason: null }] }));
    }
    res.write(sseFrame({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }));
    res.write(sseFrame({ ...base, choices: [], usage: { prompt_tokens: 11, completion_tokens: 5, total_tokens: 16 } }));
    res.end('data: [DONE]\n\n');
  };
}

/** The spans as an indented tree, parents first, each with its events. */
function spanTree(spans: ReadableSpan[]): string {
  const lines: string[] = [];
  const children = (id: string | undefined) => spans.filter((span) => span.parentSpanContext?.spanId === id);
  const walk = (span: ReadableSpan, depth: number) => {
    const pick = Object.entries(span.attributes).filter(([key]) => /^(gen_ai\.(response|usage|provider)|error\.type|bupple\.(step|attempt))/.test(key));
    lines.push(`${'  '.repeat(depth)}${span.name} [${pick.map(([key, value]) => `${key}=${JSON.stringify(value)}`).join(' ')}]`);
    for (const event of span.events) lines.push(`${'  '.repeat(depth + 1)}event ${event.name} ${JSON.stringify(event.attributes)}`);
    for (const child of children(span.spanContext().spanId)) walk(child, depth + 1);
  };
  const ids = new Set(spans.map((span) => span.spanContext().spanId));
  for (const root of spans.filter((span) => !span.parentSpanContext || !ids.has(span.parentSpanContext.spanId))) walk(root, 0);
  return lines.join('\n');
}

describe('telemetry: OpenTelemetry spans and metrics, onFinish', () => {
  const exporter = new InMemorySpanExporter();
  const reader = new TestReader();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const meterProvider = new MeterProvider({ readers: [reader] });
  const provider = new FakeProviderServer();
  const finished: EngineFinishInfo[] = [];

  beforeAll(async () => {
    trace.setGlobalTracerProvider(tracerProvider);
    metrics.setGlobalMeterProvider(meterProvider);
    await provider.start();
  });
  afterAll(async () => {
    await provider.stop();
    trace.disable();
    metrics.disable();
    await tracerProvider.shutdown();
    await meterProvider.shutdown();
  });
  beforeEach(() => {
    exporter.reset();
    finished.length = 0;
  });

  const options = (extra: Partial<BuppleEngineModuleOptions> = {}): BuppleEngineModuleOptions => ({
    engine: {
      openai: { apiKey: 'sk-test-secret-key', baseURL: `${provider.url}/v1`, model: 'gpt-test' },
      retry: { maxRetries: 2, initialDelayMs: 5, maxDelayMs: 10 },
    },
    onFinish: (info) => void finished.push(info),
    ...extra,
  });
  const boot = async (extra: Partial<BuppleEngineModuleOptions> = {}) =>
    (await Test.createTestingModule({ imports: [BuppleEngineModule.forRoot(options(extra))] }).compile()).get(EngineService);

  const metricNames = async () => {
    const { resourceMetrics } = (await reader.collect()) as { resourceMetrics: ResourceMetrics };
    return resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics);
  };

  it('a streamed answer with a retry: one chat span, a child span per attempt, the retry as an event; metrics; onFinish once', async () => {
    let calls = 0;
    provider.respond((req, res) =>
      ++calls === 1 ? sendJsonError(res, 503, { error: { message: 'overloaded', type: 'server_error' } }) : openAiAnswer()(req, res),
    );
    const engine = await boot();
    const callHook: EngineFinishInfo[] = [];
    const chunks = await lastValueFrom(
      engine.stream([{ role: 'user', content: 'Hi' }], { maxTokens: 64, temperature: 0.2, onFinish: (info) => void callHook.push(info) }).pipe(toArray()),
    );
    expect(chunks.map((chunk) => chunk.content).join('')).toBe(words.join(''));

    const spans = exporter.getFinishedSpans();
    const tree = spanTree(spans);
    console.log(`span tree of a streamed answer with a retry:\n${tree}`);
    const root = spans.find((span) => !span.parentSpanContext)!;
    expect(root.name).toBe('chat gpt-test');
    expect(root.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-test',
      'gen_ai.request.max_tokens': 64,
      'gen_ai.request.temperature': 0.2,
      // the model the driver reports at response-start
      'gen_ai.response.model': 'gpt-test',
      'gen_ai.usage.input_tokens': 11,
      'gen_ai.usage.output_tokens': 5,
      'gen_ai.response.finish_reasons': ['stop'],
      // the chunks' id (it comes in the body, after response-start)
      'gen_ai.response.id': 'chatcmpl-42',
    });
    expect(root.events.map((event) => event.name)).toEqual(['retry']);
    expect(root.events[0].attributes).toMatchObject({ 'bupple.retry.attempt': 1, 'error.type': 'overloaded' });
    const attempts = spans.filter((span) => span.parentSpanContext?.spanId === root.spanContext().spanId);
    expect(attempts.map((span) => [span.attributes['bupple.step'], span.attributes['bupple.attempt']])).toEqual([
      [1, 1],
      [1, 2],
    ]);
    expect(attempts[0].attributes['error.type']).toBe('overloaded');
    expect(attempts[0].status.code).toBe(2);
    expect(attempts[0].attributes['gen_ai.response.id']).toBeUndefined();
    expect(attempts[1].attributes).toMatchObject({
      'gen_ai.response.id': 'chatcmpl-42',
      'gen_ai.response.model': 'gpt-test',
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.usage.output_tokens': 5,
    });
    expect(JSON.stringify(spans.map((span) => [span.attributes, span.events]))).not.toContain('sk-test-secret-key');
    expect(root.attributes['gen_ai.input.messages']).toBeUndefined();

    const byName = new Map((await metricNames()).map((metric) => [metric.descriptor.name, metric]));
    expect([...byName.keys()]).toEqual(
      expect.arrayContaining([
        'gen_ai.client.operation.duration',
        'gen_ai.client.token.usage',
        'gen_ai.client.operation.time_to_first_chunk',
        'bupple.engine.provider.errors',
      ]),
    );
    const tokenPoints = byName.get('gen_ai.client.token.usage')!.dataPoints as { attributes: Record<string, unknown>; value: { sum: number } }[];
    expect(tokenPoints.find((point) => point.attributes['gen_ai.token.type'] === 'input')!.value.sum).toBeGreaterThanOrEqual(11);

    for (const list of [finished, callHook]) {
      expect(list).toHaveLength(1);
      expect(list[0]).toMatchObject({
        engine: 'openai',
        model: 'gpt-test',
        finishReason: 'stop',
        aborted: false,
        usage: { promptTokens: 11, completionTokens: 5, totalTokens: 16 },
      });
      expect(list[0].timeToFirstTokenMs).toEqual(expect.any(Number));
      expect(list[0].durationMs).toBeGreaterThanOrEqual(list[0].timeToFirstTokenMs!);
    }
  });

  it('a tool loop: an execute_tool span per tool run, a child of the chat span, with error.type when the tool fails', async () => {
    let requests = 0;
    provider.respond(async (_req, res) => {
      startEventStream(res);
      const base = { object: 'chat.completion.chunk', created: 1, model: 'gpt-test' };
      if (++requests === 1) {
        const first = { ...base, id: 'chatcmpl-step-1' };
        const call = (index: number, id: string, name: string, args: string) => ({ index, id, type: 'function', function: { name, arguments: args } });
        res.write(sseFrame({ ...first, choices: [{ index: 0, delta: { role: 'assistant', tool_calls: [call(0, 'call_add', 'add', '{"a":2,"b":3}')] } }] }));
        res.write(sseFrame({ ...first, choices: [{ index: 0, delta: { tool_calls: [call(1, 'call_boom', 'boom', '{}')] } }] }));
        res.write(sseFrame({ ...first, choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] }));
        res.end('data: [DONE]\n\n');
        return;
      }
      const second = { ...base, id: 'chatcmpl-step-2' };
      res.write(sseFrame({ ...second, choices: [{ index: 0, delta: { role: 'assistant', content: 'It is 5.' } }] }));
      res.write(sseFrame({ ...second, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }));
      res.end('data: [DONE]\n\n');
    });
    const engine = await boot();
    const chunks = await lastValueFrom(
      engine
        .stream([{ role: 'user', content: 'add 2 and 3' }], {
          maxSteps: 3,
          tools: {
            add: {
              description: 'Adds two numbers',
              parameters: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } }, required: ['a', 'b'] },
              execute: async ({ a, b }: { a: number; b: number }) => a + b,
            },
            boom: {
              parameters: { type: 'object', properties: {} },
              execute: () => {
                throw new RangeError('no such thing, key sk-test-secret-key');
              },
            },
          },
        })
        .pipe(toArray()),
    );
    expect(chunks.map((chunk) => chunk.content).join('')).toBe('It is 5.');
    const spans = exporter.getFinishedSpans();
    console.log(`span tree of a tool loop:\n${spanTree(spans)}`);
    const root = spans.find((span) => !span.parentSpanContext)!;
    expect(root.name).toBe('chat gpt-test');
    expect(root.attributes['gen_ai.response.id']).toBe('chatcmpl-step-2');
    const children = spans.filter((span) => span.parentSpanContext?.spanId === root.spanContext().spanId);
    expect(children.map((span) => span.name).sort()).toEqual(['chat gpt-test', 'chat gpt-test', 'execute_tool add', 'execute_tool boom']);
    const add = children.find((span) => span.name === 'execute_tool add')!;
    expect(add.kind).toBe(0); // INTERNAL
    expect(add.attributes).toMatchObject({
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 'add',
      'gen_ai.tool.call.id': 'call_add',
      'gen_ai.tool.description': 'Adds two numbers',
    });
    expect(add.attributes['error.type']).toBeUndefined();
    expect(add.status.code).toBe(0);
    const boom = children.find((span) => span.name === 'execute_tool boom')!;
    expect(boom.attributes).toMatchObject({ 'gen_ai.tool.name': 'boom', 'gen_ai.tool.call.id': 'call_boom', 'error.type': 'RangeError' });
    expect(boom.status.code).toBe(2);
    expect(boom.status.message).toContain('no such thing');
    expect(JSON.stringify(spans.map((span) => [span.attributes, span.status]))).not.toContain('sk-test-secret-key');
    // the tools ran between the two attempts' spans: after the first ended, before the second started
    const [step1, step2] = children
      .filter((span) => span.name === 'chat gpt-test')
      .sort((a, b) => (a.attributes['gen_ai.response.id']! < b.attributes['gen_ai.response.id']! ? -1 : 1));
    expect(step1.attributes['gen_ai.response.id']).toBe('chatcmpl-step-1');
    expect(step2.attributes['gen_ai.response.id']).toBe('chatcmpl-step-2');
    // each step's first try is attempt 1 (a tool step is no retry)
    expect([step1, step2].map((span) => [span.attributes['bupple.step'], span.attributes['bupple.attempt']])).toEqual([
      [1, 1],
      [2, 1],
    ]);
  });

  it('a tool stopped by its timeout ends its span at once with error.type timeout', async () => {
    let requests = 0;
    provider.respond(async (_req, res) => {
      startEventStream(res);
      const base = { id: `chatcmpl-t${++requests}`, object: 'chat.completion.chunk', created: 1, model: 'gpt-test' };
      if (requests === 1) {
        const call = { index: 0, id: 'call_slow', type: 'function', function: { name: 'slow', arguments: '{}' } };
        res.write(sseFrame({ ...base, choices: [{ index: 0, delta: { role: 'assistant', tool_calls: [call] } }] }));
        res.write(sseFrame({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] }));
      } else {
        res.write(sseFrame({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: 'late' }, finish_reason: 'stop' }] }));
      }
      res.end('data: [DONE]\n\n');
    });
    const engine = await boot();
    let release: () => void = () => undefined;
    await lastValueFrom(
      engine.stream([{ role: 'user', content: 'wait' }], {
        maxSteps: 2,
        // a tool that ignores its signal: its span still ends when the timeout fires
        tools: {
          slow: {
            parameters: { type: 'object', properties: {} },
            timeoutMs: 50,
            execute: () => new Promise<string>((resolve) => (release = () => resolve('done'))),
          },
        },
      }),
    );
    const slow = exporter.getFinishedSpans().find((span) => span.name === 'execute_tool slow')!;
    expect(slow.attributes).toMatchObject({ 'gen_ai.tool.call.id': 'call_slow', 'error.type': 'timeout' });
    expect(slow.status.code).toBe(2);
    release();
  });

  it('an aborted answer: onFinish once with aborted, the spans ended and marked', async () => {
    provider.respond(openAiAnswer(30));
    const engine = await boot();
    await firstValueFrom(engine.stream([{ role: 'user', content: 'Hi' }]).pipe(take(2)));
    await sleep(20);
    expect(finished).toHaveLength(1);
    expect(finished[0]).toMatchObject({ aborted: true, finishReason: null });
    const spans = exporter.getFinishedSpans();
    expect(spans).toHaveLength(2);
    expect(spans.every((span) => span.attributes['bupple.aborted'] === true)).toBe(true);
  });

  it('a failed answer: onFinish with the error code and the library message, no provider text', async () => {
    provider.respond((_req, res) => sendJsonError(res, 400, { error: { message: 'provider secret detail xyz', type: 'invalid_request_error' } }));
    const engine = await boot();
    await expect(lastValueFrom(engine.stream([{ role: 'user', content: 'Hi' }]))).rejects.toThrow();
    expect(finished).toHaveLength(1);
    expect(finished[0]).toMatchObject({ aborted: false, finishReason: null, usage: null, error: { code: 'invalid_request' } });
    const root = exporter.getFinishedSpans().find((span) => !span.parentSpanContext)!;
    expect(root.attributes['error.type']).toBe('invalid_request');
  });

  it('recordContent puts the prompt and the answer on the call span', async () => {
    provider.respond(openAiAnswer());
    const engine = await boot({ telemetry: { recordContent: true } });
    await lastValueFrom(engine.stream([{ role: 'user', content: 'Say hello' }]));
    const root = exporter.getFinishedSpans().find((span) => !span.parentSpanContext)!;
    expect(JSON.parse(root.attributes['gen_ai.input.messages'] as string)).toEqual([{ role: 'user', content: 'Say hello' }]);
    expect(JSON.parse(root.attributes['gen_ai.output.messages'] as string)).toEqual([{ role: 'assistant', content: words.join('') }]);
  });

  it('telemetry: false makes no span; onFinish still runs', async () => {
    provider.respond(openAiAnswer());
    const engine = await boot({ telemetry: false });
    await lastValueFrom(engine.send([{ role: 'user', content: 'Hi' }]));
    expect(exporter.getFinishedSpans()).toHaveLength(0);
    expect(finished).toHaveLength(1);
  });

  it('an SSE route: onFinish gets the stream id; active streams go up and back down; a bad telemetry option fails at boot', async () => {
    provider.respond(openAiAnswer());
    @Controller('t')
    class TController {
      constructor(private readonly engine: EngineService) {}
      @Get() @SseStream() s() {
        return this.engine.stream([{ role: 'user', content: 'Hi' }]);
      }
    }
    const moduleRef = await Test.createTestingModule({ imports: [BuppleEngineModule.forRoot(options())], controllers: [TController] }).compile();
    const app: INestApplication = moduleRef.createNestApplication({ logger: false });
    await app.listen(0, '127.0.0.1');
    try {
      const result = await readSse(`${await app.getUrl()}/t`);
      const start = result.events.find((event) => event.event === 'start')!;
      await sleep(20);
      expect(finished).toHaveLength(1);
      expect(finished[0].streamId).toBe((JSON.parse(start.data) as { streamId: string }).streamId);
      const active = (await metricNames()).find((metric) => metric.descriptor.name === 'bupple.sse.active_streams')!;
      expect((active.dataPoints as { value: number }[]).reduce((sum, point) => sum + point.value, 0)).toBe(0);
    } finally {
      await app.close();
    }
    await expect(
      Test.createTestingModule({
        imports: [BuppleEngineModule.forRoot({ engine: { offline: true }, telemetry: { recordContent: 'yes' } as never })],
      }).compile(),
    ).rejects.toThrow('telemetry.recordContent: must be true or false');
  });
});

import 'reflect-metadata';
import { Body, Controller, Injectable, Module, Post, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { lastValueFrom } from 'rxjs';
import { BuppleEngineModule, EngineService, MemoryService, SseStream, Tool, type EngineMessage, type ToolExecutionContext } from '../../lib/index.js';
import { ToolDefinitionException, ToolRegistry } from '../../lib/tools/index.js';
import { scriptedEngine } from '../../lib/testing/index.js';
import { PLATFORMS, startApp } from '../sse/sse-test-app.js';
import { dataOf, postSse } from '../utils/sse-client.js';

@Injectable()
class Calculator {
  readonly used: string[] = [];
  sum(a: number, b: number) {
    return a + b;
  }
}

@Injectable()
class MathTools {
  constructor(private readonly calculator: Calculator) {}

  @Tool({ description: 'Adds two numbers', parameters: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } }, required: ['a', 'b'] } })
  add(args: { a: number; b: number }, context: ToolExecutionContext) {
    this.calculator.used.push(context.callId);
    return { sum: this.calculator.sum(args.a, args.b) };
  }

  @Tool({ name: 'now', description: 'The current time', parameters: { type: 'object', properties: {} } })
  clock() {
    return { iso: new Date(0).toISOString() };
  }
}

@Controller('chat')
class ToolChatController {
  constructor(
    private readonly engine: EngineService,
    private readonly memory: MemoryService,
  ) {}

  @Post('stream')
  @SseStream()
  stream(@Body() body: { messages: EngineMessage[]; conversationId?: string; maxSteps?: number }) {
    const conversation = body.conversationId ? this.memory.conversation('chat', body.conversationId) : undefined;
    return this.engine.stream(body.messages, { tools: ['add', 'now'], maxSteps: body.maxSteps ?? 3, conversation });
  }
}

describe.each(PLATFORMS)('tools over SSE (%s)', (platform) => {
  let app: INestApplication;
  let base: string;
  const { driver, options } = scriptedEngine({ tokenDelayMs: 0 });

  beforeAll(async () => {
    ({ app, base } = await startApp(platform, {
      imports: [BuppleEngineModule.forRoot(options)],
      controllers: [ToolChatController],
      providers: [Calculator, MathTools],
    }));
  });
  afterAll(() => app?.close());

  it('@Tool() methods of providers are found at boot and use injected services', () => {
    expect(app.get(ToolRegistry).names()).toEqual(['add', 'now']);
  });

  it('streams tool_call_delta, tool_call, tool_result, then the answer; complete carries steps', async () => {
    const result = await postSse(`${base}/chat/stream`, { messages: [{ role: 'user', content: 'please add 2 and 40' }] });
    expect(result.status).toBe(200);
    const names = result.events.map((e) => e.event);
    expect(names.filter((n) => n !== 'tool_call_delta' && n !== 'content' && n !== 'progress')).toEqual(['start', 'tool_call', 'tool_result', 'complete']);
    expect(names.indexOf('tool_call_delta')).toBeLessThan(names.indexOf('tool_call'));
    const deltas = dataOf(result, 'tool_call_delta');
    expect(deltas.every((d) => d.id === 'call_0_0' && d.name === 'add')).toBe(true);
    expect(deltas.map((d) => d.argsTextDelta).join('')).toBe('{"a":2,"b":40}');
    expect(dataOf(result, 'tool_call')).toEqual([{ id: 'call_0_0', name: 'add', args: { a: 2, b: 40 } }]);
    expect(dataOf(result, 'tool_result')).toEqual([{ id: 'call_0_0', name: 'add', result: { sum: 42 } }]);
    expect(
      dataOf(result, 'content')
        .map((d) => d.content)
        .join(''),
    ).toBe('add returned {"sum":42}.');
    const [complete] = dataOf(result, 'complete');
    expect(complete.finishReason).toBe('stop');
    expect(complete.steps.map((s: { finishReason: string }) => s.finishReason)).toEqual(['tool_calls', 'stop']);
    expect(app.get(Calculator).used).toContain('call_0_0');
  });

  it('remembers the tool call and its result: the next turn sends them back', async () => {
    const conversationId = `tools-${platform}-${Date.now()}`;
    await postSse(`${base}/chat/stream`, { conversationId, messages: [{ role: 'user', content: 'what is now' }] });
    await postSse(`${base}/chat/stream`, { conversationId, messages: [{ role: 'user', content: 'thanks' }] });
    const sent = driver.lastRequest!.messages;
    expect(sent.map((m) => m.role)).toEqual(['user', 'assistant', 'tool', 'assistant', 'user']);
    expect(sent[1].content).toEqual([{ type: 'tool-call', id: 'call_0_0', name: 'now', args: {} }]);
    expect(sent[2].content).toEqual([{ type: 'tool-result', id: 'call_0_0', name: 'now', result: { iso: '1970-01-01T00:00:00.000Z' } }]);
  });
});

describe('@Tool() at boot', () => {
  it('a tool whose schema cannot be converted stops the boot with an error naming the tool and the field', async () => {
    @Injectable()
    class BadTools {
      @Tool({ parameters: { type: 'object', properties: { when: { type: 'date' } } } })
      schedule() {
        return null;
      }
    }
    @Module({ imports: [BuppleEngineModule.forRoot(scriptedEngine().options)], providers: [BadTools] })
    class BadModule {}
    const moduleRef = await Test.createTestingModule({ imports: [BadModule] }).compile();
    const error = await moduleRef.init().then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    await moduleRef.close().catch(() => undefined);
    expect(error).toBeInstanceOf(ToolDefinitionException);
    expect(error!.message).toBe('Tool "schedule" has parameters that cannot be sent: parameters.properties.when.type: "date" is not a JSON Schema type.');
  });

  it('registered tools can be named in calls', async () => {
    const moduleRef = await Test.createTestingModule({ imports: [BuppleEngineModule.forRoot(scriptedEngine({ tokenDelayMs: 0 }).options)] }).compile();
    await moduleRef.init();
    moduleRef
      .get(ToolRegistry)
      .register('double', { parameters: { type: 'object', properties: { n: { type: 'number' } } }, execute: ({ n }: { n: number }) => n * 2 });
    const response = await lastValueFrom(moduleRef.get(EngineService).send([{ role: 'user', content: 'double 21' }], { tools: ['double'], maxSteps: 2 }));
    expect(response.toolResults).toEqual([{ id: 'call_0_0', name: 'double', result: 42 }]);
    await moduleRef.close();
  });
});

describe('the browser client over a tool loop', () => {
  it('calls onToolCallDelta, onToolCall, onToolResult, onReasoning in order, then onContent', async () => {
    const { streamChat } = await import('../../lib/client/index.js');
    const { options } = scriptedEngine({
      tokenDelayMs: 0,
      steps: [
        { reasoning: 'Adding.', toolCalls: [{ id: 'c1', name: 'add', args: { a: 1, b: 2 } }] },
        { text: 'three', sources: [{ url: 'https://example.com/sum', title: 'Sums' }] },
      ],
    });
    const { app, base } = await startApp('express', {
      imports: [BuppleEngineModule.forRoot(options)],
      controllers: [ToolChatController],
      providers: [Calculator, MathTools],
    });
    try {
      const seen: string[] = [];
      const stream = streamChat({
        url: `${base}/chat/stream`,
        body: { messages: [{ role: 'user', content: 'go' }] },
        onReasoning: (d) => seen.push(`reasoning:${d.content}`),
        onToolCallDelta: (d) => seen.push(`delta:${d.name}`),
        onToolCall: (d) => seen.push(`call:${d.name}:${JSON.stringify(d.args)}`),
        onToolResult: (d) => seen.push(`result:${JSON.stringify(d.result)}`),
        onSource: (d) => seen.push(`source:${d.url}:${d.title}`),
        onContent: (d) => seen.push(`content:${d.content}`),
      });
      const outcome = await stream.done;
      expect(outcome.reason).toBe('complete');
      expect(outcome.content).toBe('three');
      expect(outcome.complete!.steps).toHaveLength(2);
      expect(seen.filter((s) => !s.startsWith('delta:'))).toEqual([
        'reasoning:Adding.',
        'call:add:{"a":1,"b":2}',
        'result:{"sum":3}',
        'content:three',
        'source:https://example.com/sum:Sums',
      ]);
      expect(seen.filter((s) => s.startsWith('delta:')).length).toBeGreaterThan(0);
    } finally {
      await app.close();
    }
  });
});

import 'reflect-metadata';
import { firstValueFrom, from, lastValueFrom, Observable, throwError, toArray, concat } from 'rxjs';
import type { DriverRequest, DriverStreamPart, EngineDriver } from '../drivers/engine-driver.interface.js';
import { OfflineDriver } from '../drivers/offline/offline.driver.js';
import type { OfflineEngineConfig } from '../drivers/offline/offline-engine-config.interface.js';
import { EngineService } from '../engine.service.js';
import { ProviderOverloadedException } from '../errors/engine.exception.js';
import type { EngineChunk } from '../interfaces/engine-chunk.interface.js';
import type { EngineMessage } from '../interfaces/engine-message.interface.js';
import { tool, type ToolSet } from './tool-definition.interface.js';
import { ToolDefinitionException } from './tool-definition.exception.js';

/** An offline driver that keeps every request it got. */
class RecordingDriver implements EngineDriver {
  readonly provider = 'offline';
  readonly defaultModel = 'offline-1';
  readonly requests: DriverRequest[] = [];
  private readonly offline: OfflineDriver;
  constructor(
    readonly name: string,
    script: OfflineEngineConfig,
  ) {
    this.offline = new OfflineDriver(name, { tokenDelayMs: 0, ...script });
  }
  stream(request: DriverRequest): Observable<DriverStreamPart> {
    this.requests.push(structuredClone(request));
    return this.offline.stream(request);
  }
}

function service(driver: EngineDriver): EngineService {
  return new EngineService({ engine: { drivers: { [driver.name]: driver } } }, new Map([[driver.name, driver]]));
}

const addSchema = { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } }, required: ['a', 'b'] };
const add = tool<{ a: number; b: number }>({ description: 'Adds two numbers', parameters: addSchema, execute: ({ a, b }) => ({ sum: a + b }) });
const ask: EngineMessage[] = [{ role: 'user', content: 'add 2 and 3' }];

function collect(source: Observable<EngineChunk>): Promise<EngineChunk[]> {
  return lastValueFrom(source.pipe(toArray()));
}

describe('tool loop', () => {
  it('maxSteps 1 (default): the calls are returned, not executed; one provider request with the tools in JSON Schema', async () => {
    let ran = 0;
    const driver = new RecordingDriver('o', {});
    const chunks = await collect(
      service(driver).stream(ask, { tools: { add: { ...add, execute: () => ran++ } }, toolChoice: 'add', parallelToolCalls: false }),
    );
    expect(ran).toBe(0);
    expect(driver.requests).toHaveLength(1);
    expect(driver.requests[0].options).toMatchObject({
      tools: [{ name: 'add', description: 'Adds two numbers', parameters: addSchema }],
      toolChoice: { name: 'add' },
      parallelToolCalls: false,
    });
    const last = chunks[chunks.length - 1];
    expect(last).toMatchObject({ finishReason: 'tool_calls', toolCalls: [{ name: 'add', args: { a: 2, b: 3 } }], toolResults: [] });
    expect(last.steps).toHaveLength(1);
    expect(
      chunks
        .filter((c) => c.toolCallDelta)
        .map((c) => c.toolCallDelta!.argsTextDelta)
        .join(''),
    ).toBe('{"a":2,"b":3}');
    expect(chunks.every((c) => c.content === '')).toBe(true);
  });

  it('maxSteps > 1: runs the tool and calls the model again with the call and its result', async () => {
    const driver = new RecordingDriver('o', {});
    const chunks = await collect(service(driver).stream(ask, { tools: { add }, maxSteps: 3 }));
    expect(driver.requests).toHaveLength(2);
    const second = driver.requests[1].messages;
    expect(second.slice(-2)).toEqual([
      { role: 'assistant', content: [{ type: 'tool-call', id: 'call_0_0', name: 'add', args: { a: 2, b: 3 } }] },
      { role: 'tool', content: [{ type: 'tool-result', id: 'call_0_0', name: 'add', result: { sum: 5 } }] },
    ]);
    expect(chunks.map((c) => c.content).join('')).toBe('add returned {"sum":5}.');
    const last = chunks[chunks.length - 1];
    expect(last.finishReason).toBe('stop');
    expect(last.toolResults).toEqual([{ id: 'call_0_0', name: 'add', result: { sum: 5 } }]);
    expect(last.steps!.map((s) => s.finishReason)).toEqual(['tool_calls', 'stop']);
    const [one, two] = last.steps!.map((s) => s.usage!);
    expect(last.usage).toEqual({
      promptTokens: one.promptTokens + two.promptTokens,
      completionTokens: one.completionTokens + two.completionTokens,
      totalTokens: one.totalTokens + two.totalTokens,
    });
    const resultAt = chunks.findIndex((c) => c.toolResult);
    expect(chunks.findIndex((c) => c.content !== '')).toBeGreaterThan(resultAt);
    expect(chunks.map((c) => c.index)).toEqual(chunks.map((_, i) => i));
  });

  it('send(): a restart in step 2 takes back that step’s text, reasoning and sources only, not step 1’s', async () => {
    const requests: DriverRequest[] = [];
    const start: DriverStreamPart = { type: 'response-start', model: 'm', warnings: [] };
    const answers: DriverStreamPart[][] = [
      [
        start,
        { type: 'reasoning-delta', text: 'I should add. ' },
        { type: 'reasoning-end' },
        { type: 'text-delta', text: 'Let me add them. ' },
        { type: 'source', url: 'https://example.com/step-1' },
        { type: 'tool-call-start', id: 'c1', name: 'add' },
        { type: 'tool-call-delta', id: 'c1', argsTextDelta: '{"a":2,"b":3}' },
        { type: 'tool-call-end', id: 'c1', name: 'add', argsText: '{"a":2,"b":3}' },
        { type: 'finish', finishReason: 'tool_calls', rawFinishReason: 'tool_calls' },
      ],
      // step 2, first try: some of it, then a retryable failure
      [
        start,
        { type: 'reasoning-delta', text: 'Lost thought. ' },
        { type: 'text-delta', text: 'The sum is fi' },
        { type: 'source', url: 'https://example.com/lost' },
      ],
      [
        start,
        { type: 'reasoning-delta', text: 'It is 5.' },
        { type: 'reasoning-end' },
        { type: 'text-delta', text: '2 + 3 = 5.' },
        { type: 'source', url: 'https://example.com/step-2' },
        { type: 'finish', finishReason: 'stop', rawFinishReason: 'stop' },
      ],
    ];
    const driver: EngineDriver = {
      name: 'flaky',
      provider: 'offline',
      defaultModel: 'm',
      stream: (request) => {
        requests.push(request);
        const parts = from(answers[requests.length - 1]);
        return requests.length === 2
          ? concat(
              parts,
              throwError(() => new ProviderOverloadedException('overloaded', { provider: 'offline' })),
            )
          : parts;
      },
    };
    const retry = { maxRetries: 1, initialDelayMs: 1, maxDelayMs: 1, afterContent: 'restart' as const };
    const response = await lastValueFrom(service(driver).send(ask, { tools: { add }, maxSteps: 3, retry }));
    expect(requests).toHaveLength(3);
    expect(response.content).toBe('Let me add them. 2 + 3 = 5.');
    expect(response.reasoning).toBe('I should add. It is 5.');
    expect(response.sources).toEqual([{ url: 'https://example.com/step-1' }, { url: 'https://example.com/step-2' }]);
    expect(response.toolResults).toEqual([{ id: 'c1', name: 'add', result: { sum: 5 } }]);
    expect(response.finishReason).toBe('stop');
  });

  it("maxSteps bounds the number of provider requests; the last step's calls are returned", async () => {
    const driver = new RecordingDriver('o', { steps: [{ toolCalls: [{ name: 'add', args: { a: 1, b: 1 } }] }] });
    const response = await lastValueFrom(service(driver).send(ask, { tools: { add }, maxSteps: 4 }));
    expect(driver.requests).toHaveLength(4);
    expect(response.steps).toHaveLength(4);
    expect(response.toolResults).toHaveLength(3);
    expect(response.toolCalls).toHaveLength(4);
    expect(response.finishReason).toBe('tool_calls');
  });

  it('a tool that throws, an unknown tool, arguments that are not JSON or fail validation: error results, and the loop goes on', async () => {
    const driver = new RecordingDriver('o', {
      steps: [
        {
          toolCalls: [
            { id: 't1', name: 'boom', args: {} },
            { id: 't2', name: 'nope', args: {} },
            { id: 't3', name: 'add', argsText: '{"a":1,' },
            { id: 't4', name: 'add', args: { a: 'x' } },
          ],
        },
        { text: 'done' },
      ],
    });
    const tools: ToolSet = {
      add,
      boom: { parameters: { type: 'object' }, execute: () => Promise.reject(new Error('kaput')) },
    };
    const response = await lastValueFrom(service(driver).send(ask, { tools, maxSteps: 2 }));
    expect(response.content).toBe('done');
    expect(response.toolResults).toEqual([
      { id: 't1', name: 'boom', error: { message: 'Tool "boom" failed: kaput' } },
      { id: 't2', name: 'nope', error: { message: 'There is no tool named "nope". Available tools: add, boom.' } },
      { id: 't3', name: 'add', error: { message: 'The arguments of tool "add" are not valid JSON.' } },
      { id: 't4', name: 'add', error: { message: 'Invalid arguments for tool "add": b: is required; a: must be a number, got string.' } },
    ]);
    const sent = driver.requests[1].messages[driver.requests[1].messages.length - 1];
    expect(sent.role).toBe('tool');
    expect((sent.content as unknown[]).length).toBe(4);
  });

  it('parallel calls run concurrently', async () => {
    const driver = new RecordingDriver('o', {
      steps: [
        {
          toolCalls: [
            { name: 'wait', args: {} },
            { name: 'wait', args: {} },
            { name: 'wait', args: {} },
          ],
        },
        { text: 'ok' },
      ],
    });
    let running = 0;
    let most = 0;
    const wait = tool({
      parameters: { type: 'object' },
      execute: async () => {
        most = Math.max(most, ++running);
        await new Promise((resolve) => setTimeout(resolve, 30));
        running--;
        return 'waited';
      },
    });
    const response = await lastValueFrom(service(driver).send(ask, { tools: { wait }, maxSteps: 2 }));
    expect(most).toBe(3);
    expect(response.toolResults!.map((r) => r.result)).toEqual(['waited', 'waited', 'waited']);
  });

  it('unsubscribing while a tool runs aborts its signal and calls the model no more', async () => {
    const driver = new RecordingDriver('o', { steps: [{ toolCalls: [{ name: 'slow', args: {} }] }, { text: 'never' }] });
    let signal: AbortSignal | undefined;
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const slow = tool({
      parameters: { type: 'object' },
      execute: (_args, context) => {
        signal = context.signal;
        started();
        return new Promise((resolve) => {
          const timer = setTimeout(resolve, 5000);
          context.signal.addEventListener('abort', () => clearTimeout(timer));
        });
      },
    });
    const subscription = service(driver).stream(ask, { tools: { slow }, maxSteps: 2 }).subscribe();
    await running;
    expect(signal!.aborted).toBe(false);
    subscription.unsubscribe();
    expect(signal!.aborted).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(driver.requests).toHaveLength(1);
  });

  it('a tool that outlives its timeoutMs gets a timeout error result and its signal fires', async () => {
    const driver = new RecordingDriver('o', { steps: [{ toolCalls: [{ name: 'slow', args: {} }] }, { text: 'after' }] });
    let signal: AbortSignal | undefined;
    const slow = tool({
      parameters: { type: 'object' },
      timeoutMs: 30,
      execute: (_args, context) => {
        signal = context.signal;
        return new Promise(() => undefined);
      },
    });
    const response = await lastValueFrom(service(driver).send(ask, { tools: { slow }, maxSteps: 2 }));
    expect(response.toolResults).toEqual([{ id: 'call_0_0', name: 'slow', error: { message: 'Tool "slow" did not finish within 30 ms.' } }]);
    expect(signal!.aborted).toBe(true);
    expect(response.content).toBe('after');
  });

  it('needsApproval: the step ends with the pending call; a later request with the approval runs it and continues', async () => {
    const driver = new RecordingDriver('o', {});
    let ran = 0;
    const guarded = {
      add: {
        ...add,
        needsApproval: ({ a }: { a: number }) => a > 1,
        execute: (args: { a: number; b: number }) => (ran++, add.execute!(args, undefined as never)),
      },
    };
    const engine = service(driver);
    const first = await collect(engine.stream(ask, { tools: guarded, maxSteps: 3 }));
    const approval = first.find((c) => c.toolApproval)!.toolApproval!;
    expect(approval).toEqual({ id: 'call_0_0', name: 'add', args: { a: 2, b: 3 } });
    expect(ran).toBe(0);
    expect(first[first.length - 1]).toMatchObject({ finishReason: 'tool_calls', toolResults: [] });
    expect(driver.requests).toHaveLength(1);
    const history: EngineMessage[] = [...ask, { role: 'assistant', content: [{ type: 'tool-call', id: approval.id, name: 'add', args: approval.args }] }];

    const approved = await lastValueFrom(engine.send(history, { tools: guarded, maxSteps: 3, toolApprovals: [{ id: approval.id, approved: true }] }));
    expect(ran).toBe(1);
    expect(approved.toolResults).toEqual([{ id: 'call_0_0', name: 'add', result: { sum: 5 } }]);
    expect(approved.content).toBe('add returned {"sum":5}.');
    expect(driver.requests[1].messages.slice(-1)).toEqual([
      { role: 'tool', content: [{ type: 'tool-result', id: 'call_0_0', name: 'add', result: { sum: 5 } }] },
    ]);

    const denied = await lastValueFrom(
      engine.send(history, { tools: guarded, maxSteps: 3, toolApprovals: [{ id: approval.id, approved: false, reason: 'too big' }] }),
    );
    expect(ran).toBe(1);
    expect(denied.toolResults).toEqual([{ id: 'call_0_0', name: 'add', error: { message: 'The user denied the call of tool "add": too big' }, denied: true }]);
  });

  it('a call the history leaves unanswered gets a "not executed" result, so providers accept it', async () => {
    const driver = new RecordingDriver('o', { chunks: ['fine'] });
    const history: EngineMessage[] = [
      ...ask,
      { role: 'assistant', content: [{ type: 'tool-call', id: 'x1', name: 'add', args: {} }] },
      { role: 'user', content: 'never mind' },
    ];
    await lastValueFrom(service(driver).send(history));
    expect(driver.requests[0].messages).toEqual([
      ...history.slice(0, 2),
      { role: 'tool', content: [{ type: 'tool-result', id: 'x1', name: 'add', error: { message: 'The call of tool "add" was not executed.' } }] },
      history[2],
    ]);
  });

  it('a schema that cannot be sent, an unknown toolChoice or registered name, a bad maxSteps: an error naming the tool and the field', async () => {
    const engine = service(new RecordingDriver('o', {}));
    const fails = (options: Parameters<EngineService['stream']>[1]) =>
      firstValueFrom(engine.stream(ask, options)).then(
        () => undefined,
        (error: unknown) => error as Error,
      );
    const bad = await fails({ tools: { add: { parameters: { type: 'object', properties: { a: { type: 'numbr' } }, required: ['a', 'c'] } } } });
    expect(bad).toBeInstanceOf(ToolDefinitionException);
    expect(bad!.message).toBe(
      'Tool "add" has parameters that cannot be sent: parameters.properties.a.type: "numbr" is not a JSON Schema type; parameters.required: "c" is not a declared property.',
    );
    expect((await fails({ tools: { add: { parameters: { type: 'string' } } } }))!.message).toContain('parameters.type: must be "object"');
    expect((await fails({ tools: { add }, toolChoice: 'sub' }))!.message).toContain('not "sub"');
    expect((await fails({ tools: ['add'] }))!.message).toBe('Unknown tool "add". Registered tools: (none).');
    expect((await fails({ tools: { add }, maxSteps: 0 }))!.message).toBe('maxSteps must be an integer from 1 to 100, not 0.');
  });

  it('scripted reasoning streams apart from the answer and its signature is sent back with the tool call', async () => {
    const driver = new RecordingDriver('o', {
      steps: [{ reasoning: 'Let me add.', reasoningSignature: 'sig-1', toolCalls: [{ id: 'c', name: 'add', args: { a: 1, b: 2 } }] }, { text: 'three' }],
    });
    const chunks = await collect(service(driver).stream(ask, { tools: { add }, maxSteps: 2 }));
    expect(
      chunks
        .filter((c) => c.reasoning)
        .map((c) => c.reasoning)
        .join(''),
    ).toBe('Let me add.');
    expect(chunks.map((c) => c.content).join('')).toBe('three');
    expect(driver.requests[1].messages[1]).toEqual({
      role: 'assistant',
      content: [
        { type: 'reasoning', text: 'Let me add.', signature: 'sig-1' },
        { type: 'tool-call', id: 'c', name: 'add', args: { a: 1, b: 2 } },
      ],
    });
    const last = chunks[chunks.length - 1];
    expect(last.steps![0].reasoning).toBe('Let me add.');
  });
});

describe('DTO class parameters', () => {
  it('are sent as JSON Schema; arguments arrive as a validated instance, invalid ones as an error result', async () => {
    const { IsInt, IsString, Max, Min } = await import('class-validator');
    class AddArgs {
      @IsInt() @Min(0) @Max(100) a!: number;
      @IsInt() b!: number;
      @IsString() label!: string;
      total() {
        return this.a + this.b;
      }
    }
    const driver = new RecordingDriver('o', {
      steps: [
        {
          toolCalls: [
            { id: 'ok', name: 'add', args: { a: 2, b: 3, label: 'x' } },
            { id: 'bad', name: 'add', args: { a: 500, b: 1, label: 'y' } },
          ],
        },
        { text: 'done' },
      ],
    });
    const seen: unknown[] = [];
    const typed = tool({ description: 'Adds', parameters: AddArgs, execute: (args) => (seen.push(args), { sum: args.total() }) });
    const response = await lastValueFrom(service(driver).send(ask, { tools: { add: typed }, maxSteps: 2 }));
    expect(driver.requests[0].options.tools![0].parameters).toMatchObject({
      type: 'object',
      properties: { a: { type: 'integer', minimum: 0, maximum: 100 }, b: { type: 'integer' }, label: { type: 'string' } },
    });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toBeInstanceOf(AddArgs);
    expect(response.toolResults![0]).toEqual({ id: 'ok', name: 'add', result: { sum: 5 } });
    expect(response.toolResults![1].error!.message).toMatch(/^Invalid arguments for tool "add": a: .*100/);
  });

  it('a DTO the converter cannot express fails with the tool and Class.property named', async () => {
    class Weird {
      when!: Date;
    }
    const { ValidateNested } = await import('class-validator');
    ValidateNested()(Weird.prototype, 'when');
    const engine = service(new RecordingDriver('o', {}));
    const error = await firstValueFrom(engine.stream(ask, { tools: { plan: { parameters: Weird } } })).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error).toBeInstanceOf(ToolDefinitionException);
    expect(error!.message).toMatch(/^Tool "plan" has parameters that cannot be sent: .*Weird\.when/);
  });
});

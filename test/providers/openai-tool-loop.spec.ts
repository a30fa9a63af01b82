import 'reflect-metadata';
import { Test } from '@nestjs/testing';
import { lastValueFrom, toArray } from 'rxjs';
import { BuppleEngineModule, EngineService, tool } from '../../lib/index.js';
import { createOpenAIDriver } from '../../lib/drivers/openai/openai.driver.js';
import type { EngineChunk } from '../../lib/interfaces/engine-chunk.interface.js';
import { FakeProviderServer, startEventStream, writeSplit } from '../utils/fake-provider-server.js';

/**
 * A multi-step tool loop through EngineService.stream() against a local server speaking
 * OpenAI's Chat Completions stream: step 1 streams two parallel calls whose arguments come in
 * `delta.tool_calls[i]` pieces (finish_reason `tool_calls`), step 2 answers with text. The
 * second request must carry the assistant message with `tool_calls` and one `role: 'tool'`
 * message per result, as OpenAI requires; `maxSteps` bounds the number of requests. Each run
 * sends the same bytes, whole or cut into pieces of 1 to 7 bytes.
 */

const MODEL = 'gpt-4.1-mini-2025-04-14';
// the envelope as recorded (../shared/real-streams/fixtures/openai/openai-text.chunks.txt)
const chunk = (delta: Record<string, unknown>, finish: string | null = null, usage: unknown = null) =>
  `data: ${JSON.stringify({
    id: 'chatcmpl-D8Z5oo6uDh67AD85p73ksdT1KxhE0',
    object: 'chat.completion.chunk',
    created: 1770933892,
    model: MODEL,
    service_tier: 'default',
    system_fingerprint: 'fp_de604bd877',
    choices: usage ? [] : [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    usage,
  })}\n\n`;
const args = (index: number, piece: string) => chunk({ tool_calls: [{ index, function: { arguments: piece } }] });

/** Step 1: two calls, `add` at index 0 and `now` at index 1, their argument pieces interleaved. */
const step1 =
  chunk({ role: 'assistant', content: null, refusal: null }) +
  chunk({ tool_calls: [{ index: 0, id: 'call_Add1', type: 'function', function: { name: 'add', arguments: '' } }] }) +
  args(0, '{"a"') +
  args(0, ': 19, "b') +
  chunk({ tool_calls: [{ index: 1, id: 'call_Now2', type: 'function', function: { name: 'now', arguments: '' } }] }) +
  args(1, '{"zone"') +
  args(0, '": 23}') +
  args(1, ': "UTC"}') +
  chunk({}, 'tool_calls') +
  chunk({}, null, { prompt_tokens: 80, completion_tokens: 40, total_tokens: 120, prompt_tokens_details: { cached_tokens: 64 } }) +
  'data: [DONE]\n\n';
const step2 =
  chunk({ role: 'assistant', content: '' }) +
  chunk({ content: '19 + 23 = ' }) +
  chunk({ content: '42, at noon UTC.' }) +
  chunk({}, 'stop') +
  chunk({}, null, { prompt_tokens: 150, completion_tokens: 9, total_tokens: 159 }) +
  'data: [DONE]\n\n';

describe('an OpenAI tool loop, through EngineService.stream(), against the Chat Completions wire format', () => {
  const server = new FakeProviderServer();
  let close: () => Promise<void>;
  let engine: EngineService;
  /** Bytes per write; 0: the whole answer at once. */
  let pieceSize = 0;
  /** The step-1 answer to every request (a model that never stops calling tools). */
  let alwaysCall = false;
  const executed: { name: string; args: unknown }[] = [];

  const add = tool<{ a: number; b: number }>({
    description: 'Adds two numbers',
    parameters: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } }, required: ['a', 'b'] },
    execute: ({ a, b }) => {
      executed.push({ name: 'add', args: { a, b } });
      return { sum: a + b };
    },
  });
  const now = tool<{ zone: string }>({
    description: 'The time in a zone',
    parameters: { type: 'object', properties: { zone: { type: 'string' } }, required: ['zone'] },
    execute: ({ zone }) => {
      executed.push({ name: 'now', args: { zone } });
      return `12:00 ${zone}`;
    },
  });

  beforeAll(async () => {
    await server.start();
    server.respond(async (_req, res) => {
      startEventStream(res);
      const payload = alwaysCall || server.requests.length % 2 === 1 ? step1 : step2;
      if (pieceSize === 0) res.write(payload);
      else await writeSplit(res, payload, pieceSize, 0);
      res.end();
    });
    const driver = await createOpenAIDriver('openai', { apiKey: 'sk-proj-loopTESTkey0000', baseURL: `${server.url}/v1`, model: MODEL });
    const moduleRef = await Test.createTestingModule({
      imports: [BuppleEngineModule.forRoot({ engine: { drivers: { openai: driver }, retry: { maxRetries: 0 } } })],
    }).compile();
    await moduleRef.init();
    engine = moduleRef.get(EngineService);
    close = () => moduleRef.close();
  });
  afterAll(async () => {
    await close?.();
    await server.stop();
  });
  beforeEach(() => {
    server.requests.length = 0;
    executed.length = 0;
    alwaysCall = false;
  });

  const run = (maxSteps: number) =>
    lastValueFrom(
      engine.stream([{ role: 'user', content: 'What is 19 + 23, and the time in UTC?' }], { engine: 'openai', tools: { add, now }, maxSteps }).pipe(toArray()),
    );

  it.each([['whole', 0], ...[1, 2, 3, 4, 5, 6, 7].map((n) => [`in ${n}-byte pieces`, n] as [string, number])])(
    'runs both tools, then sends the calls and the results back in OpenAI’s format (bytes sent %s)',
    async (_label, size) => {
      pieceSize = size;
      const chunks: EngineChunk[] = await run(3);

      // the arguments streamed as the provider cut them, per call, then parsed whole
      const deltas = (id: string) => chunks.flatMap((c) => (c.toolCallDelta?.id === id ? [c.toolCallDelta] : []));
      expect(deltas('call_Add1').map((d) => d.argsTextDelta)).toEqual(['{"a"', ': 19, "b', '": 23}']);
      expect(deltas('call_Now2').map((d) => d.argsTextDelta)).toEqual(['{"zone"', ': "UTC"}']);
      expect(new Set(deltas('call_Add1').map((d) => d.name))).toEqual(new Set(['add']));
      expect(chunks.flatMap((c) => (c.toolCall ? [c.toolCall] : []))).toEqual([
        { id: 'call_Add1', name: 'add', args: { a: 19, b: 23 } },
        { id: 'call_Now2', name: 'now', args: { zone: 'UTC' } },
      ]);
      expect(chunks.flatMap((c) => (c.toolResult ? [c.toolResult] : []))).toEqual(
        expect.arrayContaining([
          { id: 'call_Add1', name: 'add', result: { sum: 42 } },
          { id: 'call_Now2', name: 'now', result: '12:00 UTC' },
        ]),
      );
      expect(executed).toEqual(
        expect.arrayContaining([
          { name: 'add', args: { a: 19, b: 23 } },
          { name: 'now', args: { zone: 'UTC' } },
        ]),
      );
      expect(chunks.map((c) => c.content).join('')).toBe('19 + 23 = 42, at noon UTC.');
      const last = chunks[chunks.length - 1];
      expect(last).toMatchObject({ finishReason: 'stop', rawFinishReason: 'stop' });
      expect(last.usage).toMatchObject({ promptTokens: 230, completionTokens: 49, totalTokens: 279, cachedInputTokens: 64 });
      expect(last.steps?.map((s) => s.finishReason)).toEqual(['tool_calls', 'stop']);

      expect(server.requests).toHaveLength(2);
      const [first, second] = server.requests.map((r) => r.body);
      expect(first.stream).toBe(true);
      expect(first.tools).toEqual([
        { type: 'function', function: { name: 'add', description: 'Adds two numbers', parameters: expect.objectContaining({ type: 'object' }) } },
        { type: 'function', function: { name: 'now', description: 'The time in a zone', parameters: expect.objectContaining({ type: 'object' }) } },
      ]);
      expect(second.tools).toEqual(first.tools);
      expect(second.messages).toEqual([
        { role: 'user', content: 'What is 19 + 23, and the time in UTC?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'call_Add1', type: 'function', function: { name: 'add', arguments: expect.any(String) } },
            { id: 'call_Now2', type: 'function', function: { name: 'now', arguments: expect.any(String) } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_Add1', content: '{"sum":42}' },
        { role: 'tool', tool_call_id: 'call_Now2', content: '12:00 UTC' },
      ]);
      // the arguments go back as a JSON string, the call's own arguments
      const sentCalls = second.messages[1].tool_calls as { function: { arguments: string } }[];
      expect(sentCalls.map((c) => JSON.parse(c.function.arguments))).toEqual([{ a: 19, b: 23 }, { zone: 'UTC' }]);
    },
  );

  it.each([1, 2, 4])('maxSteps %i bounds the provider requests when the model keeps calling tools', async (maxSteps) => {
    alwaysCall = true;
    pieceSize = 3;
    const chunks = await run(maxSteps);
    expect(server.requests).toHaveLength(maxSteps);
    const last = chunks[chunks.length - 1];
    // the bound is hit: the answer ends with the last step's calls, not executed
    expect(last.finishReason).toBe('tool_calls');
    expect(last.steps).toHaveLength(maxSteps);
    expect(executed).toHaveLength(2 * (maxSteps - 1));
    expect(chunks.filter((c) => c.toolResult)).toHaveLength(2 * (maxSteps - 1));
    // each request after the first carries every earlier step's calls and results
    server.requests.forEach((request, i) => {
      const messages = request.body.messages as { role: string }[];
      expect(messages.map((m) => m.role)).toEqual(['user', ...Array.from({ length: i }, () => ['assistant', 'tool', 'tool']).flat()]);
    });
  });
});

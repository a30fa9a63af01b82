import 'reflect-metadata';
import { Test } from '@nestjs/testing';
import { lastValueFrom, toArray } from 'rxjs';
import { BuppleEngineModule, EngineService, tool } from '../../lib/index.js';
import { createClaudeDriver } from '../../lib/drivers/claude/claude.driver.js';
import { FakeProviderServer, sseFrame, startEventStream, writeSplit } from '../utils/fake-provider-server.js';

/**
 * A multi-step tool loop with thinking, through EngineService.stream(), against a local server
 * speaking Anthropic's Messages API: the second request must carry the signed thinking, the
 * tool call and its result in Claude's format, as Claude requires for a loop with thinking.
 */

const SIGNATURE = 'ErUBCkYIBxgCIkAuTEhkU0RkUm1pbjZ2dnFWc3l5bVBoVzJ4N0ZhR0x0WDlsT1E5=';
const ev = (data: Record<string, unknown>) => sseFrame(data, data.type as string);
const messageStart = ev({
  type: 'message_start',
  message: {
    id: 'msg_loop',
    type: 'message',
    role: 'assistant',
    model: 'claude-sonnet-5-5',
    content: [],
    usage: { input_tokens: 300, cache_read_input_tokens: 200, output_tokens: 1 },
  },
});
const stop = (reason: string, output: number) =>
  ev({ type: 'message_delta', delta: { stop_reason: reason }, usage: { output_tokens: output } }) + ev({ type: 'message_stop' });

const step1 =
  messageStart +
  ev({ type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } }) +
  ev({ type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'I need the sum of 19 and 23.' } }) +
  ev({ type: 'content_block_delta', index: 0, delta: { type: 'signature_delta', signature: SIGNATURE } }) +
  ev({ type: 'content_block_stop', index: 0 }) +
  ev({ type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 'toolu_01Sum', name: 'add', input: {} } }) +
  ev({ type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{"a": 19, ' } }) +
  ev({ type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '"b": 23}' } }) +
  ev({ type: 'content_block_stop', index: 1 }) +
  stop('tool_use', 60);
const step2 =
  messageStart +
  ev({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }) +
  ev({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: '19 + 23 = 42' } }) +
  ev({ type: 'content_block_stop', index: 0 }) +
  stop('end_turn', 9);

describe('a Claude tool loop with thinking, through EngineService.stream()', () => {
  const server = new FakeProviderServer();
  let close: () => Promise<void>;
  let engine: EngineService;

  beforeAll(async () => {
    await server.start();
    server.respond(async (_req, res) => {
      startEventStream(res);
      await writeSplit(res, server.requests.length === 1 ? step1 : step2, 5, 0);
      res.end();
    });
    const driver = await createClaudeDriver('claude', { apiKey: 'sk-ant-loop', baseURL: server.url });
    const moduleRef = await Test.createTestingModule({
      imports: [BuppleEngineModule.forRoot({ engine: { drivers: { claude: driver }, retry: { maxRetries: 0 } } })],
    }).compile();
    await moduleRef.init();
    engine = moduleRef.get(EngineService);
    close = () => moduleRef.close();
  });
  afterAll(async () => {
    await close?.();
    await server.stop();
  });

  it('runs the tool, then sends the thinking, the call and the result back in Claude’s format', async () => {
    const add = tool<{ a: number; b: number }>({
      description: 'Adds two numbers',
      parameters: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } }, required: ['a', 'b'] },
      execute: ({ a, b }) => ({ sum: a + b }),
    });
    const chunks = await lastValueFrom(
      engine
        .stream([{ role: 'user', content: 'What is 19 + 23?' }], { engine: 'claude', tools: { add }, maxSteps: 3, reasoning: { budgetTokens: 2048 } })
        .pipe(toArray()),
    );
    expect(chunks.map((c) => c.content).join('')).toBe('19 + 23 = 42');
    expect(chunks.map((c) => c.reasoning ?? '').join('')).toBe('I need the sum of 19 and 23.');
    expect(chunks.flatMap((c) => (c.toolCall ? [c.toolCall] : []))).toEqual([{ id: 'toolu_01Sum', name: 'add', args: { a: 19, b: 23 } }]);
    const last = chunks[chunks.length - 1];
    expect(last).toMatchObject({ finishReason: 'stop', rawFinishReason: 'end_turn' });
    expect(last.usage).toMatchObject({ cachedInputTokens: 400 }); // 200 per step, summed

    expect(server.requests).toHaveLength(2);
    const [first, second] = server.requests.map((r) => r.body);
    expect(first.tools).toEqual([{ name: 'add', description: 'Adds two numbers', input_schema: expect.objectContaining({ type: 'object' }) }]);
    expect(first.thinking).toEqual({ type: 'enabled', budget_tokens: 2048 });
    expect(second.thinking).toEqual({ type: 'enabled', budget_tokens: 2048 });
    expect(second.messages).toEqual([
      { role: 'user', content: 'What is 19 + 23?' },
      {
        role: 'assistant',
        content: [
          { type: 'thinking', thinking: 'I need the sum of 19 and 23.', signature: SIGNATURE },
          { type: 'tool_use', id: 'toolu_01Sum', name: 'add', input: { a: 19, b: 23 } },
        ],
      },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01Sum', content: '{"sum":42}' }] },
    ]);
  });
});

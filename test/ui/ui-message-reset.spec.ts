import { lastAssistantMessageIsCompleteWithToolCalls, readUIMessageStream, type UIMessage, type UIMessageChunk } from 'ai';
import { withoutDiscardedTries } from '@bupple/nestjs-ai-engine/client';
import { UiMessageTranslator } from '../../lib/sse/ui-message-protocol.js';
import { UiMessageAssembler, type UiPart } from '../../lib/ui-message/ui-message-assembler.js';

/**
 * A restart after content on a UI message stream, read by the ai package's own reader
 * (`readUIMessageStream`, what `useChat` runs, which validates every chunk against the
 * package's schema): the message it holds keeps the lost try (no chunk removes a part), and
 * `withoutDiscardedTries()` of it is the answer once, the same parts `UiMessageAssembler`
 * stores. The new try calls `now` under the lost try's call id, as OpenAI-compatible servers
 * numbering calls (`call_<n>`) and the offline driver do.
 */

const RETRY = { attempt: 1, maxAttempts: 1, delayMs: 200, reset: true };
const EVENTS: [string, unknown][] = [
  ['start', {}],
  // step 1: a sentence and `add`, with its result
  ['content', { content: 'Let me add them first. ' }],
  ['tool_call_delta', { id: 'call_Add1', name: 'add', argsTextDelta: '{"a":2,"b":3}' }],
  ['tool_call', { id: 'call_Add1', name: 'add', args: { a: 2, b: 3 } }],
  ['tool_result', { id: 'call_Add1', name: 'add', result: { sum: 5 } }],
  // step 2, lost try: reasoning, a sentence, half of `now`
  ['reasoning', { content: 'The sum is known; the time is next.' }],
  ['content', { content: 'Now the clock. ' }],
  ['tool_call_delta', { id: 'call_Now', name: 'now', argsTextDelta: '{"zone":' }],
  ['retry', RETRY],
  // step 2 again: `now` whole, under the same id
  ['tool_call_delta', { id: 'call_Now', name: 'now', argsTextDelta: '{}' }],
  ['tool_call', { id: 'call_Now', name: 'now', args: {} }],
];
const AFTER: [string, unknown][] = [
  ['tool_result', { id: 'call_Now', name: 'now', result: { iso: '2026-01-01T00:00:00.000Z' } }],
  ['content', { content: '2 + 3 = 5, and it is now.' }],
  ['complete', { finishReason: 'stop', usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 } }],
];

/** The chunks of `events` (one translator), also given to an assembler. */
function translate(events: [string, unknown][]): { chunks: UIMessageChunk[]; assembler: UiMessageAssembler } {
  const translator = new UiMessageTranslator('msg-1');
  const assembler = new UiMessageAssembler();
  translator.observe(assembler);
  const chunks = events.flatMap(([event, data]) => translator.translate(event, data)) as unknown as UIMessageChunk[];
  return { chunks, assembler };
}

/** The last message `readUIMessageStream` holds after `chunks`. */
async function read(chunks: UIMessageChunk[]): Promise<UIMessage> {
  const stream = new ReadableStream<UIMessageChunk>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
      controller.close();
    },
  });
  let last: UIMessage | undefined;
  for await (const message of readUIMessageStream({ stream, terminateOnError: true })) last = message;
  if (!last) throw new Error('no message');
  return last;
}

/** What a page shows of a part (the reader's parts carry undefined fields the assembler leaves out). */
const shown = (parts: readonly UiPart[] | UIMessage['parts']) =>
  (parts as UiPart[]).map(
    ({ type, text, state, toolCallId, input, output }) => JSON.parse(JSON.stringify({ type, text, state, toolCallId, input, output })) as unknown,
  );
const textOf = (message: UIMessage) =>
  message.parts
    .filter((part) => part.type === 'text')
    .map((part) => part.text)
    .join('');

describe('a restart after content, read by the ai package (readUIMessageStream)', () => {
  it('the reader keeps the lost try; withoutDiscardedTries() of it is the answer once, the parts the assembler stores', async () => {
    const { chunks, assembler } = translate([...EVENTS, ...AFTER]);
    const message = await read(chunks);
    // useChat's own message: the lost try's reasoning, sentence and call are still there
    expect(textOf(message)).toBe('Let me add them first. Now the clock. 2 + 3 = 5, and it is now.');
    expect(message.parts.filter((part) => part.type === 'reasoning')).toHaveLength(1);
    // the new try's call got a part of its own (the lost one is left streaming), its input from its own deltas
    expect(
      message.parts.filter((part) => part.type === 'tool-now').map((part) => [(part as { state: string }).state, (part as { input?: unknown }).input]),
    ).toEqual([
      ['input-streaming', {}],
      ['output-available', {}],
    ]);

    const answer = withoutDiscardedTries(message);
    expect(textOf(answer)).toBe('Let me add them first. 2 + 3 = 5, and it is now.');
    expect(answer.parts.map((part) => part.type)).toEqual(['step-start', 'text', 'tool-add', 'step-start', 'data-retry', 'tool-now', 'step-start', 'text']);
    expect(shown(answer.parts)).toEqual(shown(assembler.snapshot(true)));
  });

  it('the lost try’s unfinished call is not in the last step lastAssistantMessageIsCompleteWithToolCalls reads', async () => {
    // the new try calls under another id this time; the answer stops after its call, as for a
    // tool the browser runs (no execute on the server)
    const renamed = EVENTS.map(([event, data], i): [string, unknown] =>
      i > EVENTS.findIndex(([name]) => name === 'retry') ? [event, { ...(data as object), id: 'call_NowKept' }] : [event, data],
    );
    const { chunks } = translate([...renamed, ['complete', { finishReason: 'tool_calls' }]]);
    const message = await read(chunks);
    const call = message.parts.find((part) => (part as { toolCallId?: string }).toolCallId === 'call_NowKept') as { state: string; output?: unknown };
    Object.assign(call, { state: 'output-available', output: { iso: 'x' } }); // what addToolOutput does
    expect(lastAssistantMessageIsCompleteWithToolCalls({ messages: [message] })).toBe(true);
  });
});

import { UiMessageTranslator } from '../sse/ui-message-protocol.js';
import { UiMessageAssembler, type UiPart } from './ui-message-assembler.js';

/** The assembler fed by a translator, as `uiChat()` wires them; `events`: the library's events in order. */
function assemble(events: [string, unknown][], parts: UiPart[] = []): UiMessageAssembler {
  const translator = new UiMessageTranslator('m1');
  const assembler = new UiMessageAssembler(parts);
  translator.observe(assembler);
  for (const [event, data] of events) translator.translate(event, data);
  return assembler;
}

const retry = (reset: boolean, attempt = 1) => ({ attempt, maxAttempts: 2, delayMs: 200, reset });
const step = { type: 'step-start' };
const text = (value: string) => ({ type: 'text', text: value, state: 'done' });

describe('UiMessageAssembler after a restart (retry with reset)', () => {
  it('a reset in step 1: the stored parts hold the new try only (and the reset part)', () => {
    const assembler = assemble([
      ['start', {}],
      ['reasoning', { content: 'Thinking it over.' }],
      ['content', { content: 'Lost words. ' }],
      ['retry', retry(true)],
      ['content', { content: 'Kept words.' }],
      ['complete', { finishReason: 'stop' }],
    ]);
    expect(assembler.snapshot(true)).toEqual([step, { type: 'data-retry', data: retry(true) }, text('Kept words.')]);
    // the parts themselves stay as useChat holds them
    expect(assembler.parts.map((part) => part.type)).toEqual(['step-start', 'reasoning', 'text', 'data-retry', 'step-start', 'text']);
  });

  it('a reset in step 2: step 1 stays whole; the new try’s call under the lost call’s id gets a part of its own, with the new input and the output', () => {
    const assembler = assemble([
      ['start', {}],
      ['content', { content: 'Let me add them first. ' }],
      ['tool_call_delta', { id: 'call_Add1', name: 'add', argsTextDelta: '{"a":2,"b":3}' }],
      ['tool_call', { id: 'call_Add1', name: 'add', args: { a: 2, b: 3 } }],
      ['tool_result', { id: 'call_Add1', name: 'add', result: { sum: 5 } }],
      ['reasoning', { content: 'The sum is known; the time is next.' }],
      ['content', { content: 'Now the clock. ' }],
      ['tool_call_delta', { id: 'call_Now', name: 'now', argsTextDelta: '{"zone":' }],
      ['retry', retry(true)],
      ['tool_call_delta', { id: 'call_Now', name: 'now', argsTextDelta: '{}' }],
      ['tool_call', { id: 'call_Now', name: 'now', args: {} }],
      ['tool_result', { id: 'call_Now', name: 'now', result: { iso: '2026-01-01T00:00:00.000Z' } }],
      ['content', { content: 'It is now.' }],
      ['complete', { finishReason: 'stop' }],
    ]);
    expect(assembler.snapshot(true)).toEqual([
      step,
      text('Let me add them first. '),
      { type: 'tool-add', toolCallId: 'call_Add1', state: 'output-available', input: { a: 2, b: 3 }, output: { sum: 5 } },
      step,
      { type: 'data-retry', data: retry(true) },
      { type: 'tool-now', toolCallId: 'call_Now', state: 'output-available', input: {}, output: { iso: '2026-01-01T00:00:00.000Z' } },
      step,
      text('It is now.'),
    ]);
    // the lost call's part was left as it was (useChat's own holds it the same way)
    expect(assembler.parts.filter((part) => part.toolCallId === 'call_Now').map((part) => [part.state, part.rawInput])).toEqual([
      ['input-streaming', '{"zone":'],
      ['output-available', undefined],
    ]);
  });

  it('two resets: both lost tries go', () => {
    const assembler = assemble([
      ['start', {}],
      ['content', { content: 'First. ' }],
      ['retry', retry(true, 1)],
      ['content', { content: 'Second. ' }],
      ['retry', retry(true, 2)],
      ['content', { content: 'Third.' }],
      ['complete', { finishReason: 'stop' }],
    ]);
    expect(assembler.snapshot(true)).toEqual([
      step,
      { type: 'data-retry', data: retry(true, 1) },
      { type: 'data-retry', data: retry(true, 2) },
      text('Third.'),
    ]);
  });

  it('a retry without reset keeps everything', () => {
    const assembler = assemble([
      ['start', {}],
      ['retry', retry(false)],
      ['content', { content: 'All of it.' }],
      ['complete', { finishReason: 'stop' }],
    ]);
    expect(assembler.snapshot(true)).toEqual([step, { type: 'data-retry', data: retry(false) }, text('All of it.')]);
  });

  it('a continued message that still holds a lost try (as useChat sends it back) is stored without it', () => {
    const continued: UiPart[] = [
      step,
      { type: 'text', text: 'Lost. ', state: 'streaming' },
      { type: 'tool-localTime', toolCallId: 'call_T', state: 'input-streaming', rawInput: '{' },
      { type: 'data-retry', data: retry(true) },
      step,
      { type: 'tool-localTime', toolCallId: 'call_T', state: 'output-available', input: {}, output: { iso: 'x' } },
    ];
    const assembler = assemble(
      [
        ['start', {}],
        ['content', { content: 'Your time is x.' }],
        ['complete', { finishReason: 'stop' }],
      ],
      continued,
    );
    expect(assembler.snapshot(true)).toEqual([step, { type: 'data-retry', data: retry(true) }, continued[5], step, text('Your time is x.')]);
  });
});

import { withoutDiscardedTries } from './ui-message-resets.js';

type Part = { type: string } & Record<string, unknown>;
const message = (...parts: Part[]) => ({ id: 'm1', role: 'assistant' as const, metadata: { usage: null }, parts });

const step: Part = { type: 'step-start' };
const text = (value: string): Part => ({ type: 'text', text: value, state: 'done' });
const reasoning = (value: string): Part => ({ type: 'reasoning', text: value, state: 'streaming' });
const tool = (toolCallId: string, state: string, extra: Record<string, unknown> = {}): Part => ({ type: 'tool-now', toolCallId, state, ...extra });
const retry = (reset: boolean, attempt = 1): Part => ({ type: 'data-retry', data: { attempt, maxAttempts: 2, delayMs: 200, reset } });

describe('withoutDiscardedTries', () => {
  it('a reset in step 1: drops the lost try back to the message start, keeps the reset part, and the step-start the new try opens goes', () => {
    const lost = message(step, text('Lost words. '), retry(true), step, text('Kept words.'));
    expect(withoutDiscardedTries(lost).parts).toEqual([step, retry(true), text('Kept words.')]);
    // the rest of the message as it was; the message itself untouched
    expect(withoutDiscardedTries(lost)).toMatchObject({ id: 'm1', role: 'assistant', metadata: { usage: null } });
    expect(lost.parts).toHaveLength(5);
  });

  it('a reset with no step-start at all: back to the message start', () => {
    expect(withoutDiscardedTries(message(text('Lost. '), retry(true), text('Kept.'))).parts).toEqual([retry(true), text('Kept.')]);
  });

  it('a reset in step 2 leaves step 1 whole: its text, its tool call and result', () => {
    const add = { type: 'tool-add', toolCallId: 'call_Add1', state: 'output-available', input: { a: 2, b: 3 }, output: { sum: 5 } };
    const parts = [step, text('Let me add them first. '), add, step, text('Now the clock. '), tool('call_Now', 'input-streaming'), retry(true)];
    const after = [step, tool('call_Now', 'output-available', { input: {}, output: { iso: 'x' } }), step, text('It is now.')];
    expect(withoutDiscardedTries(message(...parts, ...after)).parts).toEqual([
      step,
      text('Let me add them first. '),
      add,
      step,
      retry(true),
      ...after.slice(1),
    ]);
  });

  it('two resets in one step: both lost tries go, both reset parts stay, in order', () => {
    const parts = [step, text('First try. '), retry(true, 1), step, text('Second try. '), retry(true, 2), step, text('Third try.')];
    expect(withoutDiscardedTries(message(...parts)).parts).toEqual([step, retry(true, 1), retry(true, 2), text('Third try.')]);
  });

  it('the lost try’s reasoning, tool-input parts (static and dynamic), sources and files go with its text', () => {
    const parts: Part[] = [
      step,
      reasoning('The sum is known; the time is next.'),
      text('Now the clock. '),
      { type: 'source-url', sourceId: 'source-0', url: 'https://example.org/' },
      { type: 'file', mediaType: 'image/png', url: 'data:image/png;base64,AA==' },
      tool('call_Now', 'input-streaming', { input: {}, rawInput: '{' }),
      { type: 'dynamic-tool', toolName: 'lookup', toolCallId: 'call_Dyn', state: 'input-available', input: {} },
      retry(true),
      step,
      tool('call_Now', 'output-available', { input: {}, output: { iso: 'x' } }),
    ];
    expect(withoutDiscardedTries(message(...parts)).parts).toEqual([
      step,
      retry(true),
      tool('call_Now', 'output-available', { input: {}, output: { iso: 'x' } }),
    ]);
  });

  it('keeps the data parts the lost try’s span held (progress, the app’s own, an earlier retry without reset)', () => {
    const progress = { type: 'data-progress', id: 'progress', data: { stage: 'thinking' } };
    const own = { type: 'data-notice', data: { text: 'hello' } };
    const parts = [step, retry(false), text('Lost. '), progress, own, retry(true, 2), step, text('Kept.')];
    expect(withoutDiscardedTries(message(...parts)).parts).toEqual([step, retry(false), progress, own, retry(true, 2), text('Kept.')]);
  });

  it('a fallback with reset takes the try back too', () => {
    const fallback = { type: 'data-fallback', data: { from: 'openai', to: 'claude', reason: 'connection_error', reset: true } };
    expect(withoutDiscardedTries(message(step, text('Lost. '), fallback, step, text('Kept.'))).parts).toEqual([step, fallback, text('Kept.')]);
  });

  it('a stream that opened no step for the new try (an earlier server): the step-start after the new try’s parts stays', () => {
    const parts = [step, text('Lost. '), retry(true), text('Kept. '), tool('call_Now', 'output-available'), step, text('Done.')];
    expect(withoutDiscardedTries(message(...parts)).parts).toEqual([
      step,
      retry(true),
      text('Kept. '),
      tool('call_Now', 'output-available'),
      step,
      text('Done.'),
    ]);
  });

  it('a retry without reset, a fallback without reset, a warning: everything is kept, the same message returned', () => {
    const plain = message(step, text('All of it. '), retry(false), { type: 'data-fallback', data: { from: 'a', to: 'b', reason: 'x' } }, step, text('More.'));
    expect(withoutDiscardedTries(plain)).toBe(plain);
    const odd = message(step, text('x'), { type: 'data-warning', data: { reset: true } }, { type: 'data-retry', data: 'reset' });
    expect(withoutDiscardedTries(odd)).toBe(odd);
  });

  it('is idempotent, and works as a map callback over useChat’s messages', () => {
    const lost = message(step, text('Lost. '), retry(true), step, text('Kept.'));
    const once = withoutDiscardedTries(lost);
    expect(withoutDiscardedTries(once).parts).toEqual(once.parts);
    const user = { id: 'u1', role: 'user' as const, metadata: { usage: null }, parts: [text('Hi')] };
    const shown = [user, lost].map(withoutDiscardedTries);
    expect(shown[0]).toBe(user);
    expect(shown[1].parts).toEqual(once.parts);
  });
});

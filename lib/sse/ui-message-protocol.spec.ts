import { UI_DELTA_PIECE_CHARS, UiMessageTranslator } from './ui-message-protocol.js';

describe('UiMessageTranslator.textDeltaJson (the per-token path)', () => {
  it('is undefined until a text part is open, then the JSON of the chunk textDelta() would give', () => {
    const fast = new UiMessageTranslator('m1');
    const slow = new UiMessageTranslator('m1');
    fast.translate('start', {});
    slow.translate('start', {});
    expect(fast.textDeltaJson('Hello')).toBeUndefined();
    // the first delta opens the part (text-start), through textDelta()
    expect(fast.textDelta('Hello')).toEqual(slow.textDelta('Hello'));
    for (const text of [' world', '"quoted" \\ back\nslash', '\u2028 é 😀', '']) {
      const json = fast.textDeltaJson(text);
      const [chunk, ...rest] = slow.textDelta(text);
      expect(rest).toEqual([]);
      expect(json).toBe(JSON.stringify(chunk));
      expect(JSON.parse(json!)).toEqual({ type: 'text-delta', id: 'text-0', delta: text });
    }
  });

  it('steps aside when the delta must close or open a part: after reasoning, after a tool result, after a reset, over the piece size', () => {
    const t = new UiMessageTranslator('m2');
    t.translate('start', {});
    t.textDelta('a');
    t.translate('reasoning', { content: 'thinking' });
    expect(t.textDeltaJson('b')).toBeUndefined();
    t.textDelta('b');
    expect(t.textDeltaJson('c')).toBeDefined();
    t.translate('tool_result', { id: 'call_1', name: 'add', result: { sum: 5 } });
    expect(t.textDeltaJson('d')).toBeUndefined();
    t.textDelta('d');
    t.translate('retry', { attempt: 1, reset: true });
    expect(t.textDeltaJson('e')).toBeUndefined();
    t.textDelta('e');
    expect(t.textDeltaJson('x'.repeat(UI_DELTA_PIECE_CHARS + 1))).toBeUndefined();
    expect(t.textDeltaJson('x'.repeat(UI_DELTA_PIECE_CHARS))).toBeDefined();
  });

  it('tells the observer the chunk it stands for', () => {
    const seen: Record<string, unknown>[] = [];
    const t = new UiMessageTranslator('m3');
    t.observe({ apply: (chunk) => seen.push(chunk) });
    t.translate('start', {});
    t.textDelta('a');
    t.textDeltaJson('b');
    expect(seen.at(-1)).toEqual({ type: 'text-delta', id: 'text-0', delta: 'b' });
  });
});

describe('UiMessageTranslator tool calls', () => {
  it('opens a streamed call with tool-input-start, its pieces as tool-input-delta, then tool-input-available', () => {
    const t = new UiMessageTranslator('m4');
    t.translate('start', {});
    expect(t.translate('tool_call_delta', { id: 'call_1', name: 'add', argsTextDelta: '{"a":2,' })).toEqual([
      { type: 'tool-input-start', toolCallId: 'call_1', toolName: 'add' },
      { type: 'tool-input-delta', toolCallId: 'call_1', inputTextDelta: '{"a":2,' },
    ]);
    expect(t.translate('tool_call_delta', { id: 'call_1', name: 'add', argsTextDelta: '"b":3}' })).toEqual([
      { type: 'tool-input-delta', toolCallId: 'call_1', inputTextDelta: '"b":3}' },
    ]);
    expect(t.translate('tool_call', { id: 'call_1', name: 'add', args: { a: 2, b: 3 } })).toEqual([
      { type: 'tool-input-available', toolCallId: 'call_1', toolName: 'add', input: { a: 2, b: 3 } },
    ]);
  });

  it('sends a call that arrived whole (tool_call with no delta before it) as tool-input-available alone, as the AI SDK does', () => {
    const t = new UiMessageTranslator('m5');
    t.translate('start', {});
    t.textDelta('Let me look. ');
    expect(t.translate('tool_call', { id: 'gemini-call-1', name: 'search', args: { q: 'x' } })).toEqual([
      { type: 'text-end', id: 'text-0' },
      { type: 'tool-input-available', toolCallId: 'gemini-call-1', toolName: 'search', input: { q: 'x' } },
    ]);
  });
});

describe('UiMessageTranslator restarts after content (retry / fallback with reset)', () => {
  it('ends the lost try’s open parts, sends the reset part, then opens a step for the new try', () => {
    const t = new UiMessageTranslator('m6');
    t.translate('start', {});
    t.translate('reasoning', { content: 'thinking' });
    t.textDelta('Lost words. ');
    expect(t.translate('retry', { attempt: 1, maxAttempts: 2, delayMs: 200, reset: true })).toEqual([
      { type: 'text-end', id: 'text-1' },
      { type: 'data-retry', data: { attempt: 1, maxAttempts: 2, delayMs: 200, reset: true } },
      { type: 'finish-step' },
      { type: 'start-step' },
    ]);
    // the new try's text: a new part, in the new step
    expect(t.textDelta('Kept.')).toEqual([
      { type: 'text-start', id: 'text-2' },
      { type: 'text-delta', id: 'text-2', delta: 'Kept.' },
    ]);
    expect(t.translate('complete', { finishReason: 'stop' })).toEqual([
      { type: 'text-end', id: 'text-2' },
      { type: 'finish-step' },
      { type: 'finish', finishReason: 'stop', messageMetadata: { usage: null } },
    ]);
  });

  it('starts a tool call of the new try again, even under the lost try’s id (its input from the start)', () => {
    const t = new UiMessageTranslator('m7');
    t.translate('start', {});
    t.translate('tool_call_delta', { id: 'call_1', name: 'now', argsTextDelta: '{' });
    expect(t.translate('fallback', { from: 'openai', to: 'claude', reason: 'connection_error', reset: true })).toEqual([
      { type: 'data-fallback', data: { from: 'openai', to: 'claude', reason: 'connection_error', reset: true } },
      { type: 'finish-step' },
      { type: 'start-step' },
    ]);
    expect(t.translate('tool_call_delta', { id: 'call_1', name: 'now', argsTextDelta: '{}' })).toEqual([
      { type: 'tool-input-start', toolCallId: 'call_1', toolName: 'now' },
      { type: 'tool-input-delta', toolCallId: 'call_1', inputTextDelta: '{}' },
    ]);
  });

  it('a retry or fallback without reset (nothing shown yet) and a warning are data parts only', () => {
    const t = new UiMessageTranslator('m8');
    t.translate('start', {});
    t.textDelta('Hello');
    expect(t.translate('retry', { attempt: 1, maxAttempts: 2, delayMs: 200, reset: false })).toEqual([
      { type: 'data-retry', data: { attempt: 1, maxAttempts: 2, delayMs: 200, reset: false } },
    ]);
    expect(t.translate('fallback', { from: 'a', to: 'b', reason: 'x' })).toEqual([{ type: 'data-fallback', data: { from: 'a', to: 'b', reason: 'x' } }]);
    expect(t.translate('warning', { type: 'unsupported', message: 'no' })).toEqual([{ type: 'data-warning', data: { type: 'unsupported', message: 'no' } }]);
    // the text part is still open
    expect(t.textDeltaJson(' world')).toBeDefined();
  });
});

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

import { MemoryValidationException } from './errors/memory.exception.js';
import { estimateTokens, selectWindow } from './message-window.js';

type M = { role: 'system' | 'user' | 'assistant'; content: string };
const sys = (content: string): M => ({ role: 'system', content });
const user = (content: string): M => ({ role: 'user', content });
const bot = (content: string): M => ({ role: 'assistant', content });

describe('selectWindow', () => {
  const history = [sys('You are terse.'), user('q1'), bot('a1'), user('q2'), sys('Answer in French.'), bot('a2'), user('q3')];

  it('returns everything, in order, without bounds', () => {
    expect(selectWindow(history)).toEqual(history);
    expect(selectWindow(history, {})).not.toBe(history);
  });

  it('limit keeps the last N non-system messages and every system message, in the original order', () => {
    expect(selectWindow(history, { limit: 2 })).toEqual([sys('You are terse.'), sys('Answer in French.'), bot('a2'), user('q3')]);
    expect(selectWindow(history, { limit: 0 })).toEqual([sys('You are terse.'), sys('Answer in French.')]);
    expect(selectWindow(history, { limit: 100 })).toEqual(history);
  });

  it('maxChars counts system messages first, then keeps the newest messages that fit, without gaps', () => {
    const msgs = [sys('12345'), user('aaaa'), bot('bbbbbbbbbb'), user('cc'), bot('ddd')];
    // 5 (system) + 3 + 2 = 10; the next one (10 chars) does not fit, so 'aaaa' is not taken either.
    expect(selectWindow(msgs, { maxChars: 12 })).toEqual([sys('12345'), user('cc'), bot('ddd')]);
    expect(selectWindow(msgs, { maxChars: 10 })).toEqual([sys('12345'), user('cc'), bot('ddd')]);
    expect(selectWindow(msgs, { maxChars: 9 })).toEqual([sys('12345'), bot('ddd')]);
  });

  it('keeps system messages even when they alone exceed the budget', () => {
    const msgs = [sys('x'.repeat(100)), user('hi'), bot('hello')];
    expect(selectWindow(msgs, { maxChars: 10 })).toEqual([sys('x'.repeat(100))]);
    expect(selectWindow(msgs, { maxTokens: 1 })).toEqual([sys('x'.repeat(100))]);
  });

  it('maxTokens estimates 4 characters per token, rounded up per message', () => {
    expect(estimateTokens({ content: '' })).toBe(0);
    expect(estimateTokens({ content: 'abcd' })).toBe(1);
    expect(estimateTokens({ content: 'abcde' })).toBe(2);
    const msgs = [user('a'.repeat(40)), bot('b'.repeat(9)), user('c'.repeat(8))];
    // 2 + 3 = 5 tokens for the last two; the first (10 tokens) does not fit in 14.
    expect(selectWindow(msgs, { maxTokens: 14 })).toEqual([bot('b'.repeat(9)), user('c'.repeat(8))]);
    expect(selectWindow(msgs, { maxTokens: 15 })).toEqual(msgs);
  });

  it('applies every bound given', () => {
    const msgs = [user('aa'), bot('bb'), user('cc')];
    expect(selectWindow(msgs, { limit: 2, maxChars: 2 })).toEqual([user('cc')]);
    expect(selectWindow(msgs, { limit: 1, maxChars: 100 })).toEqual([user('cc')]);
  });

  it('rejects bounds that are not non-negative integers', () => {
    for (const bad of [{ limit: -1 }, { maxChars: 1.5 }, { maxTokens: Number.NaN }, { limit: '3' as unknown as number }]) {
      expect(() => selectWindow([], bad)).toThrow(MemoryValidationException);
    }
  });
});

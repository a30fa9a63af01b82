import { MemoryValidationException } from './errors/memory.exception.js';
import { assertValidId, assertValidKey, MAX_ID_LENGTH, prepareMessage } from './validate-message.js';

describe('assertValidId', () => {
  it.each([
    ['../etc/passwd', '".."'],
    ['..', '".."'],
    ['a/b', '"/"'],
    ['a\\b', '"\\"'],
    ['x\u0000y', 'control characters'],
    ['line\nbreak', 'control characters'],
    ['half \uD83D pair', 'lone surrogate'],
    ['', 'empty'],
    ['x'.repeat(MAX_ID_LENGTH + 1), `at most ${MAX_ID_LENGTH}`],
  ])('rejects %j', (id, why) => {
    expect(() => assertValidId('parentId', id)).toThrow(MemoryValidationException);
    expect(() => assertValidId('parentId', id)).toThrow(why);
  });

  it('rejects non-strings', () => {
    for (const id of [undefined, null, 42, {}, ['a']]) expect(() => assertValidId('parentId', id)).toThrow(MemoryValidationException);
  });

  it('accepts ordinary ids', () => {
    for (const id of ['chat', '42', 'c0a8e5d2-0b1f-4b7e-9a36-5e2f1c7d9e10', 'User:7', 'a.b', 'Ünïcødé ✓', 'emoji 🐈‍⬛', 'x'.repeat(MAX_ID_LENGTH)]) {
      expect(() => assertValidId('parentId', id)).not.toThrow();
    }
  });

  it('checks both parts of a key and names the field', () => {
    expect(() => assertValidKey({ parentType: 'chat', parentId: '../x' })).toThrow('parentId');
    expect(() => assertValidKey({ parentType: 'a/b', parentId: 'x' })).toThrow('parentType');
    expect(() => assertValidKey(null as never)).toThrow(MemoryValidationException);
  });
});

describe('prepareMessage', () => {
  it('fills in the defaults and a UUID', () => {
    const m = prepareMessage({ role: 'user', content: 'hi' });
    expect(m).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), role: 'user', content: 'hi', type: 'text', metadata: {} });
    expect(prepareMessage({ role: 'user', content: 'hi' }).id).not.toBe(m.id);
  });

  it('stores metadata as JSON would (a copy; undefined dropped, dates as strings)', () => {
    const metadata = { a: { b: [1, 2] }, gone: undefined, at: new Date('2024-01-02T03:04:05.000Z') };
    const m = prepareMessage({ role: 'assistant', content: '', metadata, engine: 'openai' });
    expect(m.metadata).toEqual({ a: { b: [1, 2] }, at: '2024-01-02T03:04:05.000Z' });
    metadata.a.b.push(3);
    expect(m.metadata).toEqual({ a: { b: [1, 2] }, at: '2024-01-02T03:04:05.000Z' });
    expect(m.engine).toBe('openai');
  });

  it.each([
    [{ role: 'robot', content: 'x' }, 'role'],
    [{ role: 'user', content: 42 }, 'content'],
    [{ role: 'user', content: 'a\u0000b' }, 'NUL'],
    [{ role: 'user', content: 'x', type: 'pdf' }, 'type'],
    [{ role: 'user', content: 'x', metadata: [] }, 'metadata'],
    [{ role: 'user', content: 'x', metadata: new Map() }, 'metadata'],
    [{ role: 'user', content: 'x', metadata: { big: 1n } }, 'JSON'],
    [{ role: 'user', content: 'x', metadata: { s: 'a\u0000' } }, 'NUL'],
    [{ role: 'user', content: 'x', id: '../x' }, 'messageId'],
    [{ role: 'user', content: 'half \uDC00' }, 'lone surrogate'],
    [{ role: 'user', content: 'x', metadata: { deep: [{ s: '\uD800' }] } }, 'lone surrogate'],
    [{ role: 'user', content: 'x', metadata: { ['k\uD800']: 1 } }, 'lone surrogate'],
    [{ role: 'user', content: 'x', id: 'a\u0000' }, 'messageId'],
    [{ role: 'user', content: 'x', engine: '' }, 'engine'],
  ])('rejects %p', (message, why) => {
    expect(() => prepareMessage(message as never)).toThrow(MemoryValidationException);
    expect(() => prepareMessage(message as never)).toThrow(why);
  });

  it('rejects circular metadata', () => {
    const metadata: Record<string, unknown> = {};
    metadata.self = metadata;
    expect(() => prepareMessage({ role: 'user', content: 'x', metadata })).toThrow(MemoryValidationException);
  });
});

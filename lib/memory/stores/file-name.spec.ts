import fc from 'fast-check';
import { encodeFileName } from './file-name.js';

describe('encodeFileName', () => {
  it('keeps lower-case letters, digits, - and _; escapes everything else', () => {
    expect(encodeFileName('chat-42_x')).toBe('chat-42_x');
    expect(encodeFileName('User')).toBe('%55ser');
    expect(encodeFileName('a.b')).toBe('a%2Eb');
    expect(encodeFileName('é')).toBe('%C3%A9');
    expect(encodeFileName('%h-')).toBe('%25h-');
  });

  it('never yields a path separator, a dot or a reserved name', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 200, unit: 'grapheme' }), (id) => {
        const name = encodeFileName(id);
        expect(/[/\\.]/.test(name) || name.includes('\u0000')).toBe(false);
        expect(name.length).toBeGreaterThan(0);
        expect(Buffer.byteLength(name)).toBeLessThanOrEqual(150);
      }),
    );
  });

  it('gives different names to different ids, also ids that differ only in case or are long', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 120, unit: 'grapheme' }), fc.string({ maxLength: 120, unit: 'grapheme' }), (a, b) => {
        fc.pre(a !== b && a.length > 0 && b.length > 0);
        expect(encodeFileName(a)).not.toBe(encodeFileName(b));
      }),
    );
    expect(encodeFileName('Chat')).not.toBe(encodeFileName('chat'));
    expect(encodeFileName('x'.repeat(151))).toMatch(/^%h-[0-9a-f]{64}$/);
    expect(encodeFileName('x'.repeat(151))).not.toBe(encodeFileName('x'.repeat(152)));
  });
});

import fc from 'fast-check';
import { estimateTokens } from './sse-progress.js';

/** The definition the one-pass count must keep: Latin runs count one token per 6 characters begun, any other visible code point one. */
function reference(text: string): number {
  let count = 0;
  for (const match of text.matchAll(/[A-Za-z0-9\u00C0-\u024F]+|\S/gu)) count += Math.ceil(match[0].length / 6);
  return text.length > 0 ? Math.max(1, count) : 0;
}

describe('estimateTokens', () => {
  it.each([
    ['', 0],
    ['  ', 1],
    ['tok ', 1],
    ['abcdefghijklm', 3],
    ['Hello, world!', 4],
    ['日本語', 3],
    ['🙂🙂', 2],
    ['a\ud800b', 3],
    ['\udc00\ud800', 2],
    ['×÷ÀÉ', 1],
    ['\u3000a\u2028\ufeff\u00a0', 1],
    ['\u0085\u180e', 2],
  ])('%j is %i', (text, tokens) => {
    expect(estimateTokens(text)).toBe(tokens);
    expect(reference(text)).toBe(tokens);
  });

  it('counts like its regular-expression definition, for any text', () => {
    const char = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 1 }),
      fc.constantFrom(' ', '\t', '\n', '\u00a0', '\u1680', '\u2000', '\u200a', '\u2028', '\u2029', '\u202f', '\u205f', '\u3000', '\ufeff', '\u0085', '\u180e'),
      fc.constantFrom('\ud800', '\udbff', '\udc00', '\udfff', 'À', 'ɏ', 'ɐ', '¿', '×', '9', 'z', '{'),
    );
    fc.assert(
      fc.property(fc.array(char, { maxLength: 40 }), (chars) => {
        const text = chars.join('');
        expect(estimateTokens(text)).toBe(reference(text));
      }),
      { numRuns: 3000 },
    );
  });
});

import { textUtf8Decoder, type Utf8StreamDecoder } from '../../protocol/sse-parser.js';
import { nodeUtf8Decoder } from './node-utf8-decoder.js';

function decodeAll(make: () => Utf8StreamDecoder, pieces: Uint8Array[]): string {
  const decoder = make();
  return pieces.map((piece) => decoder.decode(piece)).join('') + decoder.end();
}

/** A deterministic generator (xorshift), so a failure can be replayed. */
function random(seed: number): () => number {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x1_0000_0000;
  };
}

describe('nodeUtf8Decoder', () => {
  const samples: [string, Uint8Array][] = [
    ['ascii', new TextEncoder().encode('data: {"content":"hello"}\n\n')],
    ['2-, 3- and 4-byte characters', new TextEncoder().encode('wörld — 日本語 🙂🙂 é\u0301')],
    ['a BOM kept (the parser strips it)', new Uint8Array([0xef, 0xbb, 0xbf, 0x61])],
    ['a lone continuation byte', new Uint8Array([0x61, 0x80, 0x62])],
    ['a cut-off 3-byte character mid-stream', new Uint8Array([0x61, 0xe6, 0x97, 0x62])],
    ['an overlong encoding', new Uint8Array([0xc0, 0xaf, 0x61])],
    ['a surrogate encoded in UTF-8', new Uint8Array([0xed, 0xa0, 0x80, 0x61])],
    ['a 4-byte character cut at the end', new Uint8Array([0x61, 0xf0, 0x9f, 0x99])],
    ['a code point above U+10FFFF', new Uint8Array([0xf4, 0x90, 0x80, 0x80, 0x61])],
  ];

  it.each(samples)('decodes %s to the same text as TextDecoder, whole and cut at every offset', (_name, bytes) => {
    const expected = decodeAll(textUtf8Decoder, [bytes]);
    expect(decodeAll(nodeUtf8Decoder, [bytes])).toBe(expected);
    for (let at = 1; at < bytes.length; at++) {
      const pieces = [bytes.subarray(0, at), bytes.subarray(at)];
      expect(decodeAll(nodeUtf8Decoder, pieces)).toBe(decodeAll(textUtf8Decoder, pieces));
    }
    expect(
      decodeAll(
        nodeUtf8Decoder,
        Array.from(bytes, (_, i) => bytes.subarray(i, i + 1)),
      ),
    ).toBe(expected);
  });

  it('agrees with TextDecoder on 2,000 random byte strings in random pieces (seed 20261202)', () => {
    const next = random(20261202);
    for (let n = 0; n < 2000; n++) {
      const bytes = Uint8Array.from({ length: 1 + Math.floor(next() * 40) }, () =>
        next() < 0.5 ? 0x20 + Math.floor(next() * 0x5f) : Math.floor(next() * 256),
      );
      const pieces: Uint8Array[] = [];
      for (let at = 0; at < bytes.length;) {
        const size = 1 + Math.floor(next() * 7);
        pieces.push(bytes.subarray(at, at + size));
        at += size;
      }
      expect(decodeAll(nodeUtf8Decoder, pieces)).toBe(decodeAll(textUtf8Decoder, pieces));
    }
  });
});

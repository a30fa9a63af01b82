import { TextPieces } from './text-pieces.js';

describe('TextPieces', () => {
  it('gives back the pieces in order, across the blocks they are joined in', () => {
    for (const count of [0, 1, 63, 64, 65, 128, 200]) {
      const text = new TextPieces();
      let expected = '';
      for (let i = 0; i < count; i++) {
        const piece = i % 7 === 0 ? '' : `p${i};`;
        text.append(piece);
        expected += piece;
      }
      expect(text.toString()).toBe(expected);
      expect(text.length).toBe(expected.length);
    }
  });

  it('keeps a surrogate pair split over two pieces whole', () => {
    const text = new TextPieces();
    const emoji = '😀';
    for (let i = 0; i < 100; i++) {
      text.append(emoji[0]);
      text.append(emoji[1]);
    }
    expect(text.toString()).toBe(emoji.repeat(100));
    expect([...text.toString()]).toHaveLength(100);
  });

  it('can be read while it grows', () => {
    const text = new TextPieces();
    text.append('a');
    expect(text.toString()).toBe('a');
    for (let i = 0; i < 70; i++) text.append('b');
    expect(text.toString()).toBe(`a${'b'.repeat(70)}`);
    text.append('c');
    expect(text.toString()).toBe(`a${'b'.repeat(70)}c`);
    expect(text.toString()).toBe(text.toString());
    expect(text.length).toBe(72);
  });
});

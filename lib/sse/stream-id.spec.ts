import { newStreamId } from './stream-id.js';

describe('newStreamId', () => {
  it('gives 16 base64url characters (96 bits), never the same twice, across pool refills', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 5000; i++) {
      const id = newStreamId();
      expect(id).toMatch(/^[A-Za-z0-9_-]{16}$/);
      seen.add(id);
    }
    expect(seen.size).toBe(5000);
  });

  it('spreads its bits: every base64url character shows up at every position over many ids', () => {
    const positions = Array.from({ length: 16 }, () => new Set<string>());
    for (let i = 0; i < 5000; i++) [...newStreamId()].forEach((c, at) => positions[at].add(c));
    for (const chars of positions) expect(chars.size).toBe(64);
  });
});

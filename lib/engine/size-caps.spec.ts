import 'reflect-metadata';
import type { BuppleEngineModuleOptions } from '../bupple-engine.module-options.js';
import { EngineConfigurationException, validateEngineOptions } from '../options/validate-engine-options.js';
import { pieces } from '../sse/sse-session.js';
import { DEFAULT_MAX_DELTA_CHARS, resolveMaxDeltaChars } from './size-caps.js';

const base = { engine: { default: 'offline', offline: {} } };

function problemsOf(options: object): string[] {
  try {
    validateEngineOptions({ ...base, ...options, engine: { ...base.engine, ...(options as { engine?: object }).engine } } as BuppleEngineModuleOptions);
  } catch (error) {
    expect(error).toBeInstanceOf(EngineConfigurationException);
    return (error as EngineConfigurationException).problems;
  }
  return [];
}

describe('delta size caps', () => {
  it('default 256 KiB, lowered to half of the writer and replay caps when those are lowered', () => {
    expect(DEFAULT_MAX_DELTA_CHARS).toBe(262_144);
    expect(resolveMaxDeltaChars(base)).toBe(262_144);
    expect(resolveMaxDeltaChars({ ...base, sse: { replay: { maxStreamChars: 4096 } } })).toBe(2048);
    expect(resolveMaxDeltaChars({ ...base, sse: { maxPendingLength: 100_000 } })).toBe(50_000);
    expect(resolveMaxDeltaChars({ ...base, engine: { ...base.engine, maxDeltaChars: 10_000 } })).toBe(10_000);
  });

  it('an explicit engine.maxDeltaChars that does not fit the SSE caps is a startup error naming both options', () => {
    expect(problemsOf({ engine: { maxDeltaChars: 100_000 }, sse: { replay: { maxStreamChars: 150_000 } } })).toEqual([
      'engine.maxDeltaChars: must be at most half of sse.replay.maxStreamChars (150000); got 100000',
    ]);
    expect(problemsOf({ engine: { maxDeltaChars: 3 * 1024 * 1024 } })).toEqual([
      'engine.maxDeltaChars: must be at most half of sse.maxPendingLength (4194304); got 3145728',
      'engine.maxDeltaChars: must be at most half of sse.replay.maxStreamChars (1048576); got 3145728',
    ]);
    expect(problemsOf({ engine: { maxDeltaChars: 12 } })).toEqual([expect.stringMatching(/^engine\.maxDeltaChars: must be an integer ≥ 1024/)]);
    expect(problemsOf({ engine: { maxDeltaChars: 65_536 } })).toEqual([]);
  });

  it('splits text into pieces that rejoin exactly and never cut a surrogate pair', () => {
    const text = '😀'.repeat(10) + 'abc';
    const out = pieces(text, 5);
    expect(out.join('')).toBe(text);
    expect(out.every((p) => p.length <= 5 && !/[\uD800-\uDBFF]$/.test(p))).toBe(true);
    expect(pieces('', 5)).toEqual([]);
    expect(pieces('abcdef', 3)).toEqual(['abc', 'def']);
  });
});

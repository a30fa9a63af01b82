import { ChunkSequence } from './chunk-sequence.js';
import { FallbackChain } from './fallback-chain.js';
import type { EngineDriver } from '../drivers/engine-driver.interface.js';

const at = { engine: 'e', model: 'm' };

describe('ChunkSequence', () => {
  it('numbers chunks, puts held warnings and the mode on the next chunk only, and rewinds a restarted step', () => {
    const chunks = new ChunkSequence();
    chunks.holdWarnings([{ type: 'unsupported-option', option: 'topP', message: 'no topP' }]);
    chunks.holdMode('native');
    const first = chunks.next({ content: 'a' }, at, true);
    expect(first).toMatchObject({ content: 'a', index: 0, finishReason: null, role: 'assistant', engine: 'e', model: 'm', structuredOutputMode: 'native' });
    expect(first.warnings).toHaveLength(1);
    const second = chunks.next({ content: 'b' }, at, true);
    expect(second.warnings).toBeUndefined();
    expect(second.structuredOutputMode).toBeUndefined();
    expect(chunks.contentSent).toBe(true);
    expect(chunks.rewind()).toBe(true);
    // reasoning (or a source) is no answer: the retry policy may restart freely, but the client takes it back
    expect(chunks.next({ reasoning: 'r' }, at, false, true).index).toBe(0);
    expect(chunks.contentSent).toBe(false);
    expect(chunks.rewind()).toBe(true);
    // a tool result is neither (it comes after the model call)
    chunks.next({ toolResult: { id: 'c', name: 't', result: 1 } }, at, false);
    expect(chunks.rewind()).toBe(false);
    chunks.next({ content: 'c' }, at, true);
    chunks.beginStep();
    expect(chunks.contentSent).toBe(false);
    chunks.next({ content: 'd' }, at, true);
    chunks.rewind();
    expect(chunks.last({ finishReason: 'stop' }, at)).toMatchObject({ index: 1, finishReason: 'stop' });
  });
});

const driver = (name: string) => ({ name, provider: 'p', defaultModel: `${name}-1`, stream: () => undefined }) as unknown as EngineDriver;

describe('FallbackChain', () => {
  it('counts retries per engine, moves along the chain and says when it is at its end', () => {
    const chain = new FallbackChain([driver('a'), driver('b')]);
    expect(chain.driver.name).toBe('a');
    expect(chain.isFirst).toBe(true);
    expect(chain.retried()).toBe(1);
    expect(chain.retried()).toBe(2);
    expect(chain.hasNext).toBe(true);
    expect(chain.fallBack().name).toBe('b');
    expect(chain.retries).toBe(0);
    expect(chain.isFirst).toBe(false);
    expect(chain.hasNext).toBe(false);
    expect(() => chain.fallBack()).toThrow('No engine left');
    chain.retried();
    chain.newStep();
    expect(chain.retries).toBe(0);
    expect(() => new FallbackChain([])).toThrow('at least one engine');
  });
});

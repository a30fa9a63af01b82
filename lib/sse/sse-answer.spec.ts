import type { EngineChunk } from '../interfaces/engine-chunk.interface.js';
import { SseAnswer } from './sse-answer.js';

const chunk = (over: Partial<EngineChunk>): EngineChunk => ({ content: '', role: 'assistant', engine: 'e', model: 'm', index: 0, finishReason: null, ...over });

describe('SseAnswer', () => {
  it('gathers start and complete data from the report and the chunks', () => {
    const answer = new SseAnswer();
    answer.identify(chunk({ engine: 'openai', model: 'gpt' }));
    expect(answer.startData('s')).toEqual({ streamId: 's', engine: 'openai', model: 'gpt' });
    answer.accepted('claude', 'sonnet');
    answer.identify(chunk({}));
    expect(answer.startData('s')).toEqual({ streamId: 's', engine: 'claude', model: 'sonnet' });

    expect(answer.completeData()).toEqual({ finishReason: 'stop', usage: null });
    answer.chunk(chunk({ content: 'abcdefghi' }));
    expect(answer.tokensUsed).toBe(3);
    expect(answer.completionTokens).toBeUndefined();
    const usage = { promptTokens: 1, completionTokens: 2, totalTokens: 3 };
    const steps = [{ index: 0, text: 'x', toolCalls: [], toolResults: [], finishReason: 'stop', rawFinishReason: null }] as unknown as EngineChunk['steps'];
    answer.chunk(chunk({ finishReason: 'length', usage, steps }));
    expect(answer.completeData()).toEqual({ finishReason: 'length', usage, steps });
    expect(answer.tokensUsed).toBe(3);
    expect(answer.completionTokens).toBe(2);
  });

  it("keeps the steps only from a finishing chunk without text, and takes an object answer's finish", () => {
    const answer = new SseAnswer();
    answer.chunk(chunk({ content: 'x', finishReason: 'stop', steps: [] }));
    expect(answer.completeData()).toEqual({ finishReason: 'stop', usage: null });
    expect('steps' in answer.completeData()).toBe(false);
    answer.objectFinished('stop', { promptTokens: 1, completionTokens: 1, totalTokens: 2 });
    expect(answer.completeData()).toEqual({ finishReason: 'stop', usage: { promptTokens: 1, completionTokens: 1, totalTokens: 2 } });
  });
});

import { AnswerRecorder, parseToolArgs } from './answer-recorder.js';

const at = { engine: 'e', model: 'm' };

describe('AnswerRecorder', () => {
  it('records a plain answer as one assistant text, and forgets a failed try of the step', () => {
    const answer = new AnswerRecorder();
    answer.beginAttempt();
    answer.text('lost');
    answer.beginAttempt();
    answer.text('Hel');
    answer.text('lo');
    const { result, calls, message } = answer.endStep({
      finishReason: 'stop',
      rawFinishReason: 'stop',
      usage: { promptTokens: 1, completionTokens: 2, totalTokens: 3 },
    });
    expect(result).toEqual({
      index: 0,
      text: 'Hello',
      toolCalls: [],
      toolResults: [],
      finishReason: 'stop',
      rawFinishReason: 'stop',
      usage: { promptTokens: 1, completionTokens: 2, totalTokens: 3 },
    });
    expect(calls).toEqual([]);
    expect(message).toBeUndefined();
    const recorded = answer.recorded(true, at, { finishReason: 'stop', rawFinishReason: 'stop' });
    expect(recorded).toMatchObject({ content: 'Hello', complete: true, engine: 'e', model: 'm', finishReason: 'stop', usage: null });
    expect(recorded).not.toHaveProperty('messages');
    expect(answer.toolFields(false)).toBeUndefined();
  });

  it('keeps reasoning blocks with their signatures and tool calls in the step message, then the results, and sums usage over steps', () => {
    const answer = new AnswerRecorder();
    answer.beginAttempt();
    answer.reasoning('think');
    answer.reasoningEnd({ type: 'reasoning-end', signature: 'sig' });
    answer.text('Let me add.');
    const call = answer.toolCall({ type: 'tool-call-end', id: 'c1', name: 'add', argsText: '{"a":2,"b":3}' });
    expect(call).toEqual({ id: 'c1', name: 'add', args: { a: 2, b: 3 } });
    const step = answer.endStep({
      finishReason: 'tool_calls',
      rawFinishReason: 'tool_calls',
      usage: { promptTokens: 5, completionTokens: 5, totalTokens: 10 },
    });
    expect(step.calls).toEqual([{ id: 'c1', name: 'add', args: { a: 2, b: 3 }, argsJson: true }]);
    expect(step.message).toEqual({
      role: 'assistant',
      content: [
        { type: 'reasoning', text: 'think', signature: 'sig' },
        { type: 'text', text: 'Let me add.' },
        { type: 'tool-call', id: 'c1', name: 'add', args: { a: 2, b: 3 } },
      ],
    });
    const results = [{ id: 'c1', name: 'add', result: 5 }];
    results.forEach((r) => answer.toolResult(r));
    expect(answer.stepResults(step.result, results)).toEqual({ role: 'tool', content: [{ type: 'tool-result', id: 'c1', name: 'add', result: 5 }] });
    answer.beginAttempt();
    answer.text('5');
    answer.endStep({ finishReason: 'stop', rawFinishReason: 'stop', usage: { promptTokens: 7, completionTokens: 1, totalTokens: 8, reasoningTokens: 2 } });
    expect(answer.usage({ promptTokens: 7, completionTokens: 1, totalTokens: 8 })).toEqual({
      promptTokens: 12,
      completionTokens: 6,
      totalTokens: 18,
      reasoningTokens: 2,
    });
    expect(answer.toolFields(true)).toMatchObject({ toolCalls: [{ id: 'c1' }], toolResults: [{ id: 'c1', result: 5 }] });
    const recorded = answer.recorded(true, at, { finishReason: 'stop', rawFinishReason: 'stop' })!;
    expect(recorded.content).toBe('5');
    expect(recorded.messages?.map((m) => m.role)).toEqual(['assistant', 'tool', 'assistant']);
  });

  it('stores an interrupted answer only when it holds something, with the reason', () => {
    const answer = new AnswerRecorder();
    answer.beginAttempt();
    expect(answer.recorded(false, at, undefined, 'aborted')).toBeUndefined();
    answer.text('half');
    expect(answer.recorded(false, at, undefined, 'aborted')).toMatchObject({ content: 'half', complete: false, interruptedBy: 'aborted' });
  });

  it('starts with the tool message of continued calls', () => {
    const answer = new AnswerRecorder();
    answer.continueWith([{ id: 'c0', name: 'pay', result: 'ok' }]);
    // the engine streams them once the provider accepted
    answer.toolResult({ id: 'c0', name: 'pay', result: 'ok' });
    answer.beginAttempt();
    answer.text('Paid.');
    answer.endStep({ finishReason: 'stop', rawFinishReason: 'stop' });
    expect(answer.recorded(true, at)?.messages?.map((m) => m.role)).toEqual(['tool', 'assistant']);
    expect(answer.toolFields(false)?.toolResults).toEqual([{ id: 'c0', name: 'pay', result: 'ok' }]);
  });

  it('parses tool arguments, keeping text that is not JSON for the tool loop to report', () => {
    expect(parseToolArgs('')).toEqual({ args: {}, argsJson: true });
    expect(parseToolArgs('{"x":1}')).toEqual({ args: { x: 1 }, argsJson: true });
    expect(parseToolArgs('{"x":')).toEqual({ args: '{"x":', argsJson: false });
  });
});

import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import type { OfflineDriver } from '@bupple/nestjs-ai-engine/drivers';
import { dataOf, postSse } from '../utils/sse-client.js';
import { startOfflineSample } from '../utils/sample-app.js';

describe('sample app: tools and reasoning', () => {
  let app: INestApplication;
  let base: string;
  let offline: OfflineDriver;

  beforeAll(async () => {
    ({ app, base, offline } = await startOfflineSample({ tokenDelayMs: 0 }));
  });
  afterAll(() => app.close());

  const post = (path: string, body: unknown) =>
    fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('POST /chat with tools: the JSON answer has toolCalls, toolResults and steps', async () => {
    const response = await post('/chat', { messages: [{ role: 'user', content: 'add 2 and 3' }], tools: ['add', 'now'] });
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body).toMatchObject({
      role: 'assistant',
      content: 'add returned {"sum":5}.',
      engine: 'offline',
      finishReason: 'stop',
      toolCalls: [{ id: 'call_0_0', name: 'add', args: { a: 2, b: 3 } }],
      toolResults: [{ id: 'call_0_0', name: 'add', result: { sum: 5 } }],
    });
    expect(body.steps).toHaveLength(2);
    expect(body.usage.totalTokens).toBe(body.steps[0].usage.totalTokens + body.steps[1].usage.totalTokens);
  });

  it('POST /chat without tools keeps its fields and adds empty toolCalls, toolResults and steps', async () => {
    const body = await (await post('/chat', { messages: [{ role: 'user', content: 'hi' }] })).json();
    expect(body).toMatchObject({ role: 'assistant', finishReason: 'stop', toolCalls: [], toolResults: [], steps: [] });
    expect(typeof body.content).toBe('string');
  });

  it('POST /chat/stream with tools: tool_call_delta, tool_call, tool_result, content, complete with steps', async () => {
    const result = await postSse(`${base}/chat/stream`, { messages: [{ role: 'user', content: 'what time is it now?' }], tools: ['now'] });
    expect(result.status).toBe(200);
    const [call] = dataOf(result, 'tool_call');
    expect(call).toEqual({ id: 'call_0_0', name: 'now', args: {} });
    const [toolResult] = dataOf(result, 'tool_result');
    expect(toolResult.name).toBe('now');
    expect(Number.isNaN(Date.parse(toolResult.result.iso))).toBe(false);
    expect(dataOf(result, 'complete')[0].steps).toHaveLength(2);
  });

  it('options.reasoning: reasoning streams as reasoning events, apart from the content', async () => {
    const result = await postSse(`${base}/chat/stream`, { messages: [{ role: 'user', content: 'hi' }], options: { reasoning: { effort: 'low' } } });
    const reasoning = dataOf(result, 'reasoning')
      .map((d) => d.content)
      .join('');
    expect(reasoning).toBe('Working out an answer to the question.');
    expect(
      dataOf(result, 'content')
        .map((d) => d.content)
        .join(''),
    ).not.toContain('Working out');
    expect(offline.lastRequest).toBeDefined();
  });

  it('an unknown tool name, or maxSteps out of 1–8: 400 before any provider call', async () => {
    const before = offline.requests.length;
    const unknown = await post('/chat/stream', { messages: [{ role: 'user', content: 'x' }], tools: ['add', 'rm_rf'] });
    expect(unknown.status).toBe(400);
    expect((await unknown.json()).message).toEqual(['each value in tools must be one of: add, now']);
    const tooMany = await post('/chat', { messages: [{ role: 'user', content: 'x' }], tools: ['add'], maxSteps: 9 });
    expect(tooMany.status).toBe(400);
    expect((await tooMany.json()).message).toEqual(['maxSteps must not be greater than 8']);
    const badReasoning = await post('/chat', { messages: [{ role: 'user', content: 'x' }], options: { reasoning: { effort: 'max' } } });
    expect(badReasoning.status).toBe(400);
    expect(offline.requests.length).toBe(before);
  });
});

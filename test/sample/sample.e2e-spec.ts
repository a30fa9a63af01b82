import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import type { OfflineDriver } from '@bupple/nestjs-ai-engine/drivers';
import { engineOptionsFromEnv } from '../../sample/src/config.js';
import { dataOf, postSse, readSse } from '../utils/sse-client.js';
import { startOfflineSample } from '../utils/sample-app.js';

describe('sample app', () => {
  let app: INestApplication;
  let base: string;
  let offline: OfflineDriver;

  beforeAll(async () => {
    // the same offline engine the sample configures, but one whose requests the test can see
    ({ app, base, offline } = await startOfflineSample({ tokenDelayMs: 1 }));
  });
  afterAll(() => app.close());

  const post = (path: string, body: unknown) =>
    fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('defaults to the offline engine when no key is set', () => {
    expect(engineOptionsFromEnv({}).engine.default).toBe('offline');
    expect(engineOptionsFromEnv({ BUPPLE_ENGINE_OPENAI_API_KEY: 'k' }).engine.default).toBe('openai');
    expect(engineOptionsFromEnv({ BUPPLE_ENGINE_OPENAI_API_KEY: 'k', BUPPLE_DEFAULT_ENGINE_DRIVER: 'offline' }).engine.default).toBe('offline');
  });

  it('maps the original environment names to options', () => {
    const options = engineOptionsFromEnv({
      BUPPLE_ENGINE_OPENAI_API_KEY: 'k',
      BUPPLE_ENGINE_OPENAI_BASE_URL: 'http://127.0.0.1:1/v1',
      BUPPLE_ENGINE_OPENAI_MODEL: 'm',
      BUPPLE_ENGINE_OPENAI_TEMPERATURE: '0.5',
      BUPPLE_ENGINE_OPENAI_MAX_TOKENS: '99',
      BUPPLE_ENGINE_OPENAI_ORGANIZATION_ID: 'org',
    });
    expect(options.engine.openai).toEqual({
      apiKey: 'k',
      baseURL: 'http://127.0.0.1:1/v1',
      model: 'm',
      temperature: 0.5,
      maxTokens: 99,
      organization: 'org',
      models: [],
    });
  });

  it('GET /chat/stream answers with events', async () => {
    const result = await readSse(`${base}/chat/stream?message=${encodeURIComponent('What is SSE?')}`);
    expect(result.status).toBe(200);
    expect(result.events[0].event).toBe('start');
    expect(dataOf(result, 'start')[0]).toMatchObject({ engine: 'offline', model: 'offline-1' });
    expect(
      dataOf(result, 'content')
        .map((c) => c.content)
        .join(''),
    ).toContain('What is SSE?');
    expect(result.events.at(-1)!.event).toBe('complete');
  });

  it('POST /chat/stream answers with events and status 200', async () => {
    const result = await postSse(`${base}/chat/stream`, { messages: [{ role: 'user', content: 'hi' }], engine: 'offline', options: { maxTokens: 3 } });
    expect(result.status).toBe(200);
    expect(dataOf(result, 'content')).toHaveLength(3);
    expect(dataOf(result, 'complete')[0]).toMatchObject({ finishReason: 'length' });
  });

  it('POST /chat answers JSON', async () => {
    const response = await post('/chat', {
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: 'hi' },
      ],
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      role: 'assistant',
      content: expect.stringContaining('"hi"'),
      model: 'offline-1',
      finishReason: 'stop',
      usage: { totalTokens: expect.any(Number) },
    });
  });

  it.each([
    ['no messages', { messages: [] }, 'messages must contain at least 1 elements'],
    ['a bad role', { messages: [{ role: 'robot', content: 'x' }] }, 'messages.0.role must be one of the following values: system, user, assistant'],
    ['empty content', { messages: [{ role: 'user', content: '' }] }, 'messages.0.content should not be empty'],
    [
      'a temperature out of range',
      { messages: [{ role: 'user', content: 'x' }], options: { temperature: 5 } },
      'options.temperature must not be greater than 2',
    ],
    ['an unknown field', { messages: [{ role: 'user', content: 'x' }], hack: true }, 'property hack should not exist'],
    ['an unknown engine', { messages: [{ role: 'user', content: 'x' }], engine: 'skynet' }, 'engine must be one of: offline'],
  ])('rejects %s with 400 and field messages, without calling the engine', async (_, body, message) => {
    const before = offline.requests.length;
    for (const path of ['/chat', '/chat/stream']) {
      const response = await post(path, body);
      expect(response.status).toBe(400);
      expect((await response.json()).message).toContain(message);
    }
    const get = await fetch(`${base}/chat/stream?message=`);
    expect(get.status).toBe(400);
    expect(offline.requests.length).toBe(before);
  });

  it('remembers a conversation: a follow-up sees the earlier turns; it can be listed and cleared', async () => {
    const conversationId = `sample-${Date.now()}`;
    const first = await readSse(`${base}/chat/stream?message=${encodeURIComponent('My name is Ada')}&conversationId=${conversationId}`);
    expect(dataOf(first, 'complete')).toHaveLength(1);
    const followUp = await postSse(`${base}/chat/stream`, { messages: [{ role: 'user', content: 'What is my name?' }], conversationId });
    expect(followUp.status).toBe(200);
    // the engine received the earlier turns before the new question
    expect(offline.lastRequest!.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
    expect(offline.lastRequest!.messages[0].content).toBe('My name is Ada');
    const answer = dataOf(followUp, 'content')
      .map((c) => c.content)
      .join('');
    expect(answer).toContain('This conversation has 3 turns so far.');

    const listed = await (await fetch(`${base}/conversations/${conversationId}/messages`)).json();
    expect(listed.messages.map((m: { role: string }) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
    expect(listed.messages[3]).toMatchObject({ content: answer, metadata: expect.objectContaining({ engine: 'offline', finishReason: 'stop' }) });

    expect((await fetch(`${base}/conversations/${conversationId}`, { method: 'DELETE' })).status).toBe(204);
    // cleared: nothing stored, answered like an id nobody used (404, never an empty list that could tell one from the other)
    const cleared = await fetch(`${base}/conversations/${conversationId}/messages`);
    expect(cleared.status).toBe(404);
    expect((await cleared.json()).messages).toBeUndefined();
    expect((await fetch(`${base}/conversations/${conversationId}`, { method: 'DELETE' })).status).toBe(404);
    expect((await fetch(`${base}/conversations/..%2F..%2Fetc/messages`)).status).toBe(400);
  });

  it('lists the configured engines', async () => {
    const response = await fetch(`${base}/chat/engines`);
    expect(await response.json()).toEqual({ default: 'offline', engines: ['offline'] });
  });

  it('serves a page at /', async () => {
    const response = await fetch(`${base}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/text\/html/);
    expect(await response.text()).toContain('/chat/stream');
  });
});

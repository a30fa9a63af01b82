import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { DefaultChatTransport, readUIMessageStream, type UIMessage, type UIMessageChunk } from 'ai';
import { Observable } from 'rxjs';
import { EngineService } from '@bupple/nestjs-ai-engine';
import { OfflineDriver, type EngineDriver, type DriverStreamPart } from '@bupple/nestjs-ai-engine/drivers';
import { UiMessageTranslator } from '../../lib/sse/ui-message-protocol.js';
import { startOfflineSample } from '../utils/sample-app.js';

/** The last snapshot `readUIMessageStream` (the ai package's own reader) assembles. */
async function assemble(stream: ReadableStream<UIMessageChunk>): Promise<UIMessage> {
  let last: UIMessage | undefined;
  for await (const message of readUIMessageStream({ stream, terminateOnError: true })) last = message;
  if (!last) throw new Error('no message');
  return last;
}

const textOf = (message: UIMessage) =>
  message.parts
    .filter((part) => part.type === 'text')
    .map((part) => (part as { text: string }).text)
    .join('');

const userMessage = (id: string, text: string): UIMessage => ({ id, role: 'user', parts: [{ type: 'text', text }] });

describe('the AI SDK UI message protocol (useChat), with the ai package as the client', () => {
  let app: INestApplication;
  let base: string;
  let offline: OfflineDriver;
  let transport: DefaultChatTransport<UIMessage>;

  beforeAll(async () => {
    ({ app, base, offline } = await startOfflineSample({ tokenDelayMs: 1 }));
    transport = new DefaultChatTransport({ api: `${base}/api/chat` });
  });
  afterAll(() => app.close());

  const send = (chatId: string, messages: UIMessage[], abortSignal?: AbortSignal) =>
    transport.sendMessages({ chatId, messages, trigger: 'submit-message', messageId: undefined, abortSignal });

  it('POST /api/chat streams an answer that DefaultChatTransport and readUIMessageStream assemble, text equal to what the engine sent', async () => {
    const before = offline.requests.length;
    const message = await assemble(await send('chat-a', [userMessage('u1', 'What is SSE?')]));
    expect(message.role).toBe('assistant');
    expect(message.id).toMatch(/^msg-/);
    const request = offline.requests[before];
    expect(textOf(message)).toContain('What is SSE?');
    expect(textOf(message).length).toBeGreaterThan(20);
    expect(message.metadata).toMatchObject({ usage: expect.objectContaining({ totalTokens: expect.any(Number) }) });
    expect(request.messages.at(-1)).toEqual({ role: 'user', content: 'What is SSE?' });
  });

  it('speaks v1 on the wire: the header, one JSON chunk per message, [DONE] last', async () => {
    const response = await fetch(`${base}/api/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'chat-wire', messages: [userMessage('u1', 'Hi')], trigger: 'submit-message' }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-vercel-ai-ui-message-stream')).toBe('v1');
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const data = (await response.text())
      .split('\n')
      .filter((line) => line.startsWith('data: '))
      .map((line) => line.slice(6));
    expect(data.at(-1)).toBe('[DONE]');
    const types = data.slice(0, -1).map((json) => (JSON.parse(json) as { type: string }).type);
    expect(types.slice(0, 3)).toEqual(['start', 'start-step', 'text-start']);
    expect(types.slice(-3)).toEqual(['text-end', 'finish-step', 'finish']);
  });

  it('keeps the chat in memory by its id: the second turn carries the first', async () => {
    await assemble(await send('chat-mem', [userMessage('u1', 'First question')]));
    const before = offline.requests.length;
    const second = await assemble(await send('chat-mem', [userMessage('u1', 'First question'), userMessage('u2', 'Second question')]));
    const sent = offline.requests[before].messages;
    expect(sent.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
    expect(sent[0].content).toBe('First question');
    expect(sent[2].content).toBe('Second question');
    expect(textOf(second)).toContain('3 turns');
  });

  it('a bad body is a 400 naming the fields, before any provider call', async () => {
    const before = offline.requests.length;
    for (const body of [
      { messages: [userMessage('u1', 'x')], trigger: 'submit-message' },
      { id: 'c', messages: [{ id: 'u1', role: 'user', parts: [{ type: 'text' }] }], trigger: 'submit-message' },
      { id: 'c', messages: [userMessage('u1', 'x')], trigger: 'resume' },
      { id: 'c', messages: [{ id: 'u1', role: 'robot', parts: [] }], trigger: 'submit-message' },
    ]) {
      const response = await fetch(`${base}/api/chat`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect(response.status).toBe(400);
      expect(JSON.stringify(await response.json())).toMatch(/id must|parts\[0\]: a text part needs text|trigger must|role must/);
    }
    expect(offline.requests.length).toBe(before);
  });

  it('resume: a reload during the answer reconnects with GET /api/chat/:id/stream and gets the whole answer once, from one generation; 204 once idle', async () => {
    const slow = new OfflineDriver('offline', { tokenDelayMs: 15 });
    app.get(EngineService).register('offline', slow);
    try {
      const controller = new AbortController();
      const stream = await send('chat-resume', [userMessage('u1', 'Tell me about resumable streams please')], controller.signal);
      const reader = stream.getReader();
      for (let i = 0; i < 6; i++) await reader.read();
      controller.abort();
      await reader.cancel().catch(() => undefined);
      const resumed = await transport.reconnectToStream({ chatId: 'chat-resume' });
      expect(resumed).not.toBeNull();
      const message = await assemble(resumed!);
      expect(slow.requests).toHaveLength(1);
      const full = await new Promise<string>((resolve) => {
        let text = '';
        new OfflineDriver('x', { tokenDelayMs: 0 }).stream({ messages: slow.requests[0].messages, options: { model: 'offline-1' } }).subscribe({
          next: (part: DriverStreamPart) => {
            if (part.type === 'text-delta') text += part.text;
          },
          complete: () => resolve(text),
        });
      });
      expect(textOf(message)).toBe(full);
      expect(await transport.reconnectToStream({ chatId: 'chat-resume' })).toBeNull();
      expect(await transport.reconnectToStream({ chatId: 'never-seen' })).toBeNull();
    } finally {
      app.get(EngineService).register('offline', offline);
    }
  });

  it('a failure mid-answer arrives as an error chunk with the library message, never provider text', async () => {
    const failing: EngineDriver = {
      name: 'offline',
      provider: 'offline',
      defaultModel: 'f-1',
      stream: () =>
        new Observable<DriverStreamPart>((subscriber) => {
          subscriber.next({ type: 'response-start', model: 'f-1', warnings: [] });
          subscriber.next({ type: 'text-delta', text: 'partial ' });
          setTimeout(() => subscriber.error(Object.assign(new Error('upstream said: secret internal detail sk-abc123'), { status: 400 })), 5);
        }),
    };
    app.get(EngineService).register('offline', failing);
    try {
      const errors: unknown[] = [];
      let last: UIMessage | undefined;
      for await (const message of readUIMessageStream({ stream: await send('chat-err', [userMessage('u1', 'Hi')]), onError: (error) => errors.push(error) }))
        last = message;
      expect(textOf(last!)).toBe('partial ');
      expect(errors).toHaveLength(1);
      expect(String((errors[0] as Error).message ?? errors[0])).not.toMatch(/secret|sk-abc/);
    } finally {
      app.get(EngineService).register('offline', offline);
    }
  });

  it('tool calls, results, reasoning and sources become parts that readUIMessageStream assembles', async () => {
    const translator = new UiMessageTranslator('msg-1');
    const events: [string, unknown][] = [
      ['start', { streamId: 's', engine: 'e', model: 'm' }],
      ['reasoning', { content: 'Let me add. ' }],
      ['tool_call_delta', { id: 'call_1', name: 'add', argsTextDelta: '{"a":2,' }],
      ['tool_call_delta', { id: 'call_1', name: 'add', argsTextDelta: '"b":3}' }],
      ['tool_call', { id: 'call_1', name: 'add', args: { a: 2, b: 3 } }],
      // parallel calls of one step, then their results
      ['tool_call', { id: 'call_2', name: 'now', args: {} }],
      ['tool_result', { id: 'call_1', name: 'add', result: { sum: 5 } }],
      ['tool_result', { id: 'call_2', name: 'now', error: { message: 'clock broken' } }],
      ['content', { content: 'The sum is 5.' }],
      ['source', { url: 'https://example.org/a', title: 'A' }],
      ['progress', { processed: 1, total: 1, percent: 100 }],
      ['complete', { finishReason: 'stop', usage: { promptTokens: 1, completionTokens: 2, totalTokens: 3 } }],
    ];
    const chunks = events.flatMap(([event, data]) => translator.translate(event, data)) as UIMessageChunk[];
    const stream = new ReadableStream<UIMessageChunk>({
      start(controller) {
        for (const chunk of chunks) controller.enqueue(chunk);
        controller.close();
      },
    });
    const message = await assemble(stream);
    const types = message.parts.map((part) => part.type);
    expect(types).toEqual(['step-start', 'reasoning', 'tool-add', 'tool-now', 'step-start', 'text', 'source-url', 'data-progress']);
    expect(message.parts[2]).toMatchObject({ type: 'tool-add', toolCallId: 'call_1', state: 'output-available', input: { a: 2, b: 3 }, output: { sum: 5 } });
    expect(message.parts[3]).toMatchObject({ type: 'tool-now', state: 'output-error', errorText: 'clock broken' });
    expect(message.parts[1]).toMatchObject({ type: 'reasoning', text: 'Let me add. ' });
    expect(message.metadata).toEqual({ usage: { promptTokens: 1, completionTokens: 2, totalTokens: 3 } });
  });
});

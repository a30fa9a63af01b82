import type { RecordedAnswer } from '../interfaces/conversation-like.interface.js';
import { Conversation } from './conversation.js';
import { MemoryValidationException } from './errors/memory.exception.js';
import { InMemoryConversationStore } from './stores/in-memory-conversation.store.js';

const answer = (over: Partial<RecordedAnswer> = {}): RecordedAnswer => ({
  content: 'Paris.',
  complete: true,
  engine: 'openai',
  model: 'gpt-4o-mini',
  finishReason: 'stop',
  usage: { promptTokens: 12, completionTokens: 2, totalTokens: 14 },
  durationMs: 321,
  ...over,
});

describe('Conversation', () => {
  let store: InMemoryConversationStore;
  beforeEach(() => {
    store = new InMemoryConversationStore();
  });

  it('adds messages with the original signature and reads them oldest first', async () => {
    const c = new Conversation(store, { parentType: 'chat', parentId: '1' });
    await c.addSystemMessage('Be brief.');
    const u = await c.addUserMessage('Look', 'image', { url: 'https://x/y.png' }, 'my-id');
    await c.addAssistantMessage('A cat.');
    await c.addMessage('user', 'Thanks');
    expect(u).toMatchObject({ id: 'my-id', role: 'user', type: 'image', metadata: { url: 'https://x/y.png' }, seq: 2 });
    const messages = await c.getMessages();
    expect(messages.map((m) => [m.role, m.content, m.type])).toEqual([
      ['system', 'Be brief.', 'text'],
      ['user', 'Look', 'image'],
      ['assistant', 'A cat.', 'text'],
      ['user', 'Thanks', 'text'],
    ]);
    expect(messages.map((m) => m.seq)).toEqual([1, 2, 3, 4]);
  });

  it('getMessages: limit and budget windows keep system messages', async () => {
    const c = new Conversation(store, { parentType: 'chat', parentId: 'w' });
    await c.addSystemMessage('S1');
    for (let i = 1; i <= 6; i++) await c.addMessage(i % 2 ? 'user' : 'assistant', `message ${i}`);
    const last2 = await c.getMessages({ limit: 2 });
    expect(last2.map((m) => m.content)).toEqual(['S1', 'message 5', 'message 6']);
    const chars = await c.getMessages({ maxChars: 2 + 9 * 3 });
    expect(chars.map((m) => m.content)).toEqual(['S1', 'message 4', 'message 5', 'message 6']);
    const tokens = await c.getMessages({ maxTokens: 1 + 3 * 2 });
    expect(tokens.map((m) => m.content)).toEqual(['S1', 'message 5', 'message 6']);
  });

  it('handles are independent: each sees only its own conversation, also under concurrency', async () => {
    const handles = Array.from({ length: 20 }, (_, i) => new Conversation(store, { parentType: 'chat', parentId: `c${i}` }));
    await Promise.all(handles.flatMap((h, i) => [h.addUserMessage(`question ${i}`), h.addAssistantMessage(`answer ${i}`)]));
    for (const [i, h] of handles.entries()) {
      const contents = (await h.getMessages()).map((m) => m.content).sort();
      expect(contents).toEqual([`answer ${i}`, `question ${i}`]);
    }
    // Two handles on the same conversation share its history (it lives in the store), nothing else.
    const again = new Conversation(store, { parentType: 'chat', parentId: 'c3' });
    expect(await again.getMessages()).toHaveLength(2);
    expect(again).not.toBe(handles[3]);
  });

  it('rejects bad ids when the handle is made', () => {
    expect(() => new Conversation(store, { parentType: 'chat', parentId: '../../etc/passwd' })).toThrow(MemoryValidationException);
    expect(() => new Conversation(store, { parentType: 'ch\u0000at', parentId: '1' })).toThrow(MemoryValidationException);
  });

  it('clear() empties the conversation only', async () => {
    const a = new Conversation(store, { parentType: 'chat', parentId: 'a' });
    const b = new Conversation(store, { parentType: 'chat', parentId: 'b' });
    await a.addUserMessage('x');
    await b.addUserMessage('y');
    await a.clear();
    expect(await a.getMessages()).toEqual([]);
    expect(await b.getMessages()).toHaveLength(1);
  });

  describe('as ConversationLike', () => {
    it('recordInput stores the new messages in order; recordAnswer stores one assistant message with its metadata', async () => {
      const c = new Conversation(store, { parentType: 'chat', parentId: 'r' });
      await c.recordInput([
        { role: 'system', content: 'Answer in one word.' },
        { role: 'user', content: [{ type: 'text', text: 'Capital of France?' }] },
      ]);
      await c.recordAnswer(answer());
      const messages = await c.getMessages();
      expect(messages.map((m) => [m.role, m.content])).toEqual([
        ['system', 'Answer in one word.'],
        ['user', 'Capital of France?'],
        ['assistant', 'Paris.'],
      ]);
      expect(messages[2]).toMatchObject({
        engine: 'openai',
        metadata: {
          engine: 'openai',
          model: 'gpt-4o-mini',
          usage: { promptTokens: 12, completionTokens: 2, totalTokens: 14 },
          finishReason: 'stop',
          durationMs: 321,
        },
      });
      expect(messages[2]!.metadata).not.toHaveProperty('incomplete');
    });

    it('flags an interrupted answer, which is still sent as history', async () => {
      const c = new Conversation(store, { parentType: 'chat', parentId: 'i' });
      await c.recordInput([{ role: 'user', content: 'Tell me a story' }]);
      await c.recordAnswer(answer({ content: 'Once upon a', complete: false, finishReason: null, usage: null, interruptedBy: 'aborted' }));
      const [, stored] = await c.getMessages();
      expect(stored!.metadata).toEqual({
        engine: 'openai',
        model: 'gpt-4o-mini',
        usage: null,
        finishReason: null,
        durationMs: 321,
        incomplete: true,
        interruptedBy: 'aborted',
      });
      expect(await c.toEngineMessages()).toEqual([
        { role: 'user', content: 'Tell me a story' },
        { role: 'assistant', content: 'Once upon a' },
      ]);
    });

    it('recordInput is atomic: one bad message stores none', async () => {
      const c = new Conversation(store, { parentType: 'chat', parentId: 'atomic' });
      await expect(
        c.recordInput([
          { role: 'user', content: 'fine' },
          { role: 'user', content: [{ type: 'image' }] },
        ]),
      ).rejects.toThrow(MemoryValidationException);
      await expect(
        c.recordInput([
          { role: 'user', content: 'fine' },
          { role: 'wizard' as never, content: 'x' },
        ]),
      ).rejects.toThrow(MemoryValidationException);
      expect(await c.getMessages()).toEqual([]);
    });

    it('toEngineMessages run together with recordInput does not return the new input as history', async () => {
      const c = new Conversation(store, { parentType: 'chat', parentId: 'race' });
      await c.addUserMessage('earlier');
      await c.addAssistantMessage('reply');
      const [history] = await Promise.all([c.toEngineMessages(), c.recordInput([{ role: 'user', content: 'new question' }])]);
      expect(history).toEqual([
        { role: 'user', content: 'earlier' },
        { role: 'assistant', content: 'reply' },
      ]);
      // The next exchange sees it.
      expect((await c.toEngineMessages()).at(-1)).toEqual({ role: 'user', content: 'new question' });
    });

    it('toEngineMessages applies the handle window and maps media', async () => {
      const c = new Conversation(store, { parentType: 'chat', parentId: 'win' }, { window: { limit: 2 } });
      await c.addSystemMessage('sys');
      await c.addUserMessage('old');
      await c.addAssistantMessage('old answer');
      await c.addUserMessage('this?', 'image', { data: 'AAAA', mimeType: 'image/png' });
      expect(await c.toEngineMessages()).toEqual([
        { role: 'system', content: 'sys' },
        { role: 'assistant', content: 'old answer' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'this?' },
            { type: 'image', data: 'AAAA', mimeType: 'image/png' },
          ],
        },
      ]);
    });
  });
});

import { randomUUID } from 'node:crypto';
import {
  Conversation,
  ConversationStore,
  MemoryException,
  MemoryValidationException,
  type ConversationKey,
  type ConversationMessage,
} from '../../lib/memory/index.js';

/** How the contract suite gets stores of one kind. */
export interface ContractTarget {
  /**
   * A new store instance over the storage of this run (the same directory, key prefix or
   * table each time, so a second instance sees what the first stored), not yet connected.
   */
  open(): ConversationStore;
  /** True when a new instance (and a new process) sees what an earlier one stored. */
  persistent: boolean;
}

function isIsoDate(text: string): boolean {
  return !Number.isNaN(Date.parse(text)) && new Date(text).toISOString() === text;
}

function expectIncreasing(messages: ConversationMessage[]): void {
  for (let i = 1; i < messages.length; i++) expect(messages[i]!.seq).toBeGreaterThan(messages[i - 1]!.seq);
}

/**
 * The behaviour every ConversationStore must have. Each store's spec calls this once; the
 * tests only use the public contract, so a custom store can run it too.
 */
export function conversationStoreContract(name: string, target: () => ContractTarget): void {
  describe(`${name}: ConversationStore contract`, () => {
    const opened: ConversationStore[] = [];
    let store: ConversationStore;
    const open = async () => {
      const s = target().open();
      opened.push(s);
      await s.connect();
      return s;
    };
    const newKey = (parentType = 'chat'): ConversationKey => ({ parentType, parentId: randomUUID() });

    beforeAll(async () => {
      store = await open();
    });

    afterAll(async () => {
      await Promise.allSettled(opened.map((s) => s.close()));
    });

    it('is a ConversationStore with a name', () => {
      expect(store).toBeInstanceOf(ConversationStore);
      expect(typeof store.name).toBe('string');
    });

    it('append returns the stored message: defaults, generated id, seq, createdAt', async () => {
      const key = newKey();
      const before = Date.now();
      const stored = await store.append(key, { role: 'user', content: 'Hello' });
      expect(stored).toEqual({
        id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
        role: 'user',
        content: 'Hello',
        type: 'text',
        metadata: {},
        seq: expect.any(Number),
        createdAt: expect.any(String),
      });
      expect(isIsoDate(stored.createdAt)).toBe(true);
      expect(Date.parse(stored.createdAt)).toBeGreaterThanOrEqual(before - 5000);
      expect(Date.parse(stored.createdAt)).toBeLessThanOrEqual(Date.now() + 5000);
      expect(await store.list(key)).toEqual([stored]);
    });

    it('keeps every field as given: id, role, type, metadata, engine, unicode and new lines', async () => {
      const key = newKey();
      const metadata = { url: 'https://example.com/cat.png', nested: { list: [1, 'two', null, true], 'key with spaces': 'ü' }, n: 1.5 };
      const content = 'line 1\nline 2\r\n\ttab — emoji 🐈‍⬛ — \u2028 separator — "quotes" \\ backslash';
      const stored = await store.append(key, { id: 'msg-1', role: 'assistant', content, type: 'image', metadata, engine: 'claude' });
      expect(stored).toMatchObject({ id: 'msg-1', role: 'assistant', content, type: 'image', metadata, engine: 'claude' });
      const [read] = await store.list(key);
      expect(read).toEqual(stored);
      await store.append(key, { role: 'system', content: '', type: 'video', metadata: { frames: [] } });
      await store.append(key, { role: 'user', content: 'x', type: 'audio', metadata: { data: 'AAAA', mimeType: 'audio/wav' } });
      expect((await store.list(key)).map((m) => [m.role, m.type, m.content])).toEqual([
        ['assistant', 'image', content],
        ['system', 'video', ''],
        ['user', 'audio', 'x'],
      ]);
    });

    it('lists oldest first with increasing seq; limit takes the last N', async () => {
      const key = newKey();
      for (let i = 0; i < 7; i++) await store.append(key, { role: i % 2 ? 'assistant' : 'user', content: `m${i}` });
      const all = await store.list(key);
      expect(all.map((m) => m.content)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4', 'm5', 'm6']);
      expectIncreasing(all);
      expect(await store.list(key, { limit: 3 })).toEqual(all.slice(-3));
      expect(await store.list(key, { limit: 1 })).toEqual(all.slice(-1));
      expect(await store.list(key, { limit: 100 })).toEqual(all);
      expect(await store.list(key, { limit: 0 })).toEqual([]);
      await expect(store.list(key, { limit: -1 })).rejects.toThrow(MemoryValidationException);
    });

    it('namespaces conversations by owner: the same id under another owner is another, empty conversation', async () => {
      const parentId = `shared-${randomUUID()}`;
      const alice: ConversationKey = { parentType: 'chat', parentId, owner: 'alice' };
      const bob: ConversationKey = { parentType: 'chat', parentId, owner: 'bob' };
      const none: ConversationKey = { parentType: 'chat', parentId };
      // owners that could collide with ids or with each other once encoded or joined
      const tricky: ConversationKey = { parentType: 'chat', parentId, owner: 'alice:chat' };
      const odd: ConversationKey = { parentType: 'chat', parentId, owner: 'auth0|ünï/../@x' };
      await store.append(alice, { role: 'user', content: 'alice secret' });
      expect(await store.list(bob)).toEqual([]);
      expect(await store.list(none)).toEqual([]);
      expect(await store.list(tricky)).toEqual([]);
      expect(await store.list(odd)).toEqual([]);
      expect(await store.list({ ...alice, owner: 'Alice' })).toEqual([]);
      // '' is no owner
      expect(await store.list({ ...none, owner: '' })).toEqual([]);
      await store.append(bob, { role: 'user', content: 'bob' });
      await store.append(none, { role: 'user', content: 'nobody' });
      await store.append(odd, { role: 'user', content: 'odd' });
      expect((await store.list({ ...none, owner: '' })).map((m) => m.content)).toEqual(['nobody']);
      // bob clearing "his" conversation of that id leaves alice's alone
      await store.clear(bob);
      expect(await store.list(bob)).toEqual([]);
      expect((await store.list(alice)).map((m) => m.content)).toEqual(['alice secret']);
      expect((await store.list(none)).map((m) => m.content)).toEqual(['nobody']);
      expect((await store.list(odd)).map((m) => m.content)).toEqual(['odd']);
      await store.appendMany(alice, [
        { role: 'assistant', content: 'a1' },
        { role: 'user', content: 'a2' },
      ]);
      expect((await store.list(alice, { limit: 2 })).map((m) => m.content)).toEqual(['a1', 'a2']);
      expect((await store.list(none)).map((m) => m.content)).toEqual(['nobody']);
      await store.clear(alice);
      expect(await store.list(alice)).toEqual([]);
      expect((await store.list(none)).map((m) => m.content)).toEqual(['nobody']);
    });

    it('rejects a bad owner before touching the backend', async () => {
      const key = newKey();
      for (const owner of ['a\u0000b', 'line\nbreak', 'x'.repeat(201), 42 as unknown as string]) {
        await expect(store.append({ ...key, owner }, { role: 'user', content: 'x' })).rejects.toThrow(MemoryValidationException);
        await expect(store.list({ ...key, owner })).rejects.toThrow(MemoryValidationException);
      }
    });

    it('an unknown conversation is empty; clearing it is harmless', async () => {
      const key = newKey();
      expect(await store.list(key)).toEqual([]);
      expect(await store.list(key, { limit: 5 })).toEqual([]);
      await expect(store.clear(key)).resolves.toBeUndefined();
    });

    it('keeps conversations apart, also keys that could collide when joined or differ only in case', async () => {
      const id = randomUUID();
      const keys: ConversationKey[] = [
        { parentType: 'a:b', parentId: `c-${id}` },
        { parentType: 'a', parentId: `b:c-${id}` },
        { parentType: 'chat', parentId: `Case-${id}` },
        { parentType: 'chat', parentId: `case-${id}` },
        { parentType: 'Chat', parentId: `case-${id}` },
        { parentType: 'chat', parentId: `case-${id}%20` },
        { parentType: 'chat', parentId: `case-${id} ` },
        { parentType: 'chat', parentId: `case-${id}.jsonl` },
        { parentType: 'chat', parentId: `case-${id}-\uFFFD` },
        { parentType: 'chat', parentId: `case-${id}-🐈` },
      ];
      await Promise.all(keys.map((key, i) => store.append(key, { role: 'user', content: `conversation ${i}` })));
      for (const [i, key] of keys.entries()) {
        expect((await store.list(key)).map((m) => m.content)).toEqual([`conversation ${i}`]);
      }
      await store.clear(keys[3]!);
      expect(await store.list(keys[3]!)).toEqual([]);
      expect(await store.list(keys[2]!)).toHaveLength(1);
      expect(await store.list(keys[4]!)).toHaveLength(1);
    });

    it('appendMany stores a batch in order, atomically; an invalid message in it stores nothing', async () => {
      const key = newKey();
      const batch = await store.appendMany(key, [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hi' },
        { role: 'user', content: 'there' },
      ]);
      expect(batch.map((m) => m.content)).toEqual(['Be brief.', 'Hi', 'there']);
      expectIncreasing(batch);
      await expect(
        store.appendMany(key, [
          { role: 'user', content: 'ok' },
          { role: 'user', content: 'bad\u0000' },
        ]),
      ).rejects.toThrow(MemoryValidationException);
      await expect(
        store.appendMany(key, [
          { role: 'user', content: 'ok' },
          { role: 'root' as never, content: 'x' },
        ]),
      ).rejects.toThrow(MemoryValidationException);
      expect(await store.list(key)).toEqual(batch);
      expect(await store.appendMany(key, [])).toEqual([]);
    });

    it('50 concurrent appends to one conversation: every message exactly once, the same order on every read', async () => {
      const key = newKey();
      const results = await Promise.all(Array.from({ length: 50 }, (_, i) => store.append(key, { role: 'user', content: `concurrent ${i}`, metadata: { i } })));
      const seqs = results.map((m) => m.seq);
      expect(new Set(seqs).size).toBe(50);
      const first = await store.list(key);
      const second = target().persistent ? await (await open()).list(key) : undefined;
      const third = await store.list(key);
      expect(first).toHaveLength(50);
      expect(new Set(first.map((m) => m.id)).size).toBe(50);
      expect(first.map((m) => m.content).sort()).toEqual(Array.from({ length: 50 }, (_, i) => `concurrent ${i}`).sort());
      expectIncreasing(first);
      expect(third).toEqual(first);
      if (second !== undefined) expect(second).toEqual(first);
      // What each append returned is exactly what is read back, at its seq.
      const bySeq = new Map(first.map((m) => [m.seq, m]));
      for (const r of results) expect(bySeq.get(r.seq)).toEqual(r);
    });

    it('concurrent appends to many conversations keep each one whole', async () => {
      const keys = Array.from({ length: 10 }, () => newKey());
      await Promise.all(keys.flatMap((key, k) => Array.from({ length: 10 }, (_, i) => store.append(key, { role: 'user', content: `${k}:${i}` }))));
      for (const [k, key] of keys.entries()) {
        const messages = await store.list(key);
        expect(messages.map((m) => m.content).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `${k}:${i}`).sort());
        expectIncreasing(messages);
      }
    });

    it.each([
      ['parentId with ../', { parentType: 'chat', parentId: '../../../etc/passwd' }],
      ['parentType with ../', { parentType: '../outside', parentId: '1' }],
      ['parentId with NUL', { parentType: 'chat', parentId: 'abc\u0000def' }],
      ['parentId with a lone surrogate', { parentType: 'chat', parentId: 'abc\uD800' }],
      ['parentId with /', { parentType: 'chat', parentId: 'a/b' }],
      ['parentId with \\', { parentType: 'chat', parentId: 'a\\b' }],
      ['parentId ..', { parentType: 'chat', parentId: '..' }],
      ['empty parentId', { parentType: 'chat', parentId: '' }],
      ['too long parentId', { parentType: 'chat', parentId: 'x'.repeat(201) }],
    ])('rejects a %s on every operation, storing nothing', async (_label, key) => {
      await expect(store.append(key, { role: 'user', content: 'x' })).rejects.toThrow(MemoryValidationException);
      await expect(store.appendMany(key, [{ role: 'user', content: 'x' }])).rejects.toThrow(MemoryValidationException);
      await expect(store.list(key)).rejects.toThrow(MemoryValidationException);
      await expect(store.clear(key)).rejects.toThrow(MemoryValidationException);
    });

    it('rejects a message id with ../ or NUL', async () => {
      const key = newKey();
      await expect(store.append(key, { id: '../../x', role: 'user', content: 'x' })).rejects.toThrow(MemoryValidationException);
      await expect(store.append(key, { id: 'a\u0000', role: 'user', content: 'x' })).rejects.toThrow(MemoryValidationException);
      expect(await store.list(key)).toEqual([]);
    });

    it('validation errors are MemoryExceptions with a stable code, and say what is wrong', async () => {
      const error = await store.append({ parentType: 'chat', parentId: '../x' }, { role: 'user', content: 'x' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MemoryException);
      expect(MemoryException.isInstance(error)).toBe(true);
      expect(error).toMatchObject({ code: 'memory_invalid', retryable: false, name: 'MemoryValidationException' });
      expect((error as Error).message).toContain('parentId');
    });

    it('returns copies: changing a returned message does not change the history', async () => {
      const key = newKey();
      const stored = await store.append(key, { role: 'user', content: 'x', metadata: { tags: ['a'] } });
      (stored.metadata.tags as string[]).push('changed');
      const [read] = await store.list(key);
      (read!.metadata.tags as string[]).push('changed again');
      expect((await store.list(key))[0]!.metadata).toEqual({ tags: ['a'] });
    });

    it('clear removes the conversation; appending afterwards starts it again', async () => {
      const key = newKey();
      await store.append(key, { role: 'user', content: 'one' });
      await store.append(key, { role: 'user', content: 'two' });
      await store.clear(key);
      expect(await store.list(key)).toEqual([]);
      const again = await store.append(key, { role: 'user', content: 'three' });
      expect(await store.list(key)).toEqual([again]);
    });

    it('works through Conversation handles, which stay independent', async () => {
      const a = new Conversation(store, newKey());
      const b = new Conversation(store, newKey());
      await Promise.all([a.addSystemMessage('A rules'), b.addSystemMessage('B rules')]);
      await Promise.all([a.addUserMessage('question for A'), b.addUserMessage('question for B')]);
      await Promise.all([
        a.recordAnswer({ content: 'answer A', complete: true, engine: 'offline', model: 'offline-1', finishReason: 'stop', usage: null, durationMs: 5 }),
        b.recordAnswer({
          content: 'answer B',
          complete: false,
          engine: 'offline',
          model: 'offline-1',
          finishReason: null,
          usage: null,
          durationMs: 5,
          interruptedBy: 'aborted',
        }),
      ]);
      expect(await a.toEngineMessages()).toEqual([
        { role: 'system', content: 'A rules' },
        { role: 'user', content: 'question for A' },
        { role: 'assistant', content: 'answer A' },
      ]);
      expect((await b.getMessages()).map((m) => m.content)).toEqual(['B rules', 'question for B', 'answer B']);
      expect((await b.getMessages({ limit: 1 })).map((m) => m.content)).toEqual(['B rules', 'answer B']);
      expect((await b.getMessages())[2]!.metadata).toMatchObject({ incomplete: true, interruptedBy: 'aborted' });
    });

    it('stores a tool loop (calls with ids, args, signatures; results) and gives it back paired, an interrupted step flagged', async () => {
      const c = new Conversation(store, newKey());
      await c.recordInput([{ role: 'user', content: 'add 2 and 3' }]);
      const call = { type: 'tool-call' as const, id: 'call_1', name: 'add', args: { a: 2, b: 3 }, providerMetadata: { thoughtSignature: 'ts==' } };
      const result = { type: 'tool-result' as const, id: 'call_1', name: 'add', result: { sum: 5 } };
      const reasoning = { type: 'reasoning' as const, text: 'I should add.', signature: 'sig==' };
      await c.recordAnswer({
        content: 'It is 5.',
        complete: true,
        engine: 'offline',
        model: 'offline-1',
        finishReason: 'stop',
        usage: null,
        durationMs: 5,
        messages: [
          { role: 'assistant', content: [reasoning, call] },
          { role: 'tool', content: [result] },
          { role: 'assistant', content: 'It is 5.' },
        ],
      });
      const stored = await c.getMessages();
      expect(stored.map((m) => m.role)).toEqual(['user', 'assistant', 'tool', 'assistant']);
      expect(stored[3]!.metadata).toMatchObject({ finishReason: 'stop', engine: 'offline' });
      expect(await c.toEngineMessages()).toEqual([
        { role: 'user', content: 'add 2 and 3' },
        { role: 'assistant', content: [reasoning, call] },
        { role: 'tool', content: [result] },
        { role: 'assistant', content: 'It is 5.' },
      ]);
      // an answer cut while its tool ran: the call is stored flagged, and sent back with an "interrupted" result
      await c.recordInput([{ role: 'user', content: 'and now?' }]);
      const now = { type: 'tool-call' as const, id: 'call_2', name: 'now', args: {} };
      await c.recordAnswer({
        content: '',
        complete: false,
        engine: 'offline',
        model: 'offline-1',
        finishReason: null,
        usage: null,
        durationMs: 5,
        interruptedBy: 'aborted',
        messages: [{ role: 'assistant', content: [now] }],
      });
      const after = await c.getMessages();
      expect(after[after.length - 1]!.metadata).toMatchObject({ incomplete: true, interruptedBy: 'aborted' });
      const history = await c.toEngineMessages();
      expect(history.slice(-2)).toEqual([
        { role: 'assistant', content: [now] },
        { role: 'tool', content: [{ type: 'tool-result', id: 'call_2', name: 'now', error: { message: 'The call of tool "now" was interrupted.' } }] },
      ]);
      // a window that would start at the results leaves them out with their call
      const windowed = new Conversation(store, c.key, { window: { limit: 4 } });
      const kept = await windowed.toEngineMessages();
      expect(kept[0]).toEqual({ role: 'assistant', content: 'It is 5.' });
    });

    it('a new store instance over the same storage sees the history (when persistent)', async () => {
      const key = newKey();
      await store.appendMany(key, [
        { role: 'user', content: 'before restart' },
        { role: 'assistant', content: 'kept' },
      ]);
      const other = await open();
      const seen = await other.list(key);
      if (target().persistent) {
        expect(seen.map((m) => m.content)).toEqual(['before restart', 'kept']);
        const next = await other.append(key, { role: 'user', content: 'after restart' });
        expect(next.seq).toBeGreaterThan(seen[1]!.seq);
      } else {
        expect(seen).toEqual([]);
      }
    });

    it('after close, calls fail with a MemoryException instead of hanging', async () => {
      const s = await open();
      await s.close();
      await expect(s.append(newKey(), { role: 'user', content: 'x' })).rejects.toThrow(MemoryException);
      await expect(s.close()).resolves.toBeUndefined();
    });
  });
}

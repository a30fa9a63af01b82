import { InMemoryConversationStore } from '../../lib/memory/index.js';
import { conversationStoreContract } from './conversation-store.contract.js';

conversationStoreContract('in-process store', () => ({ open: () => new InMemoryConversationStore(), persistent: false }));

describe('InMemoryConversationStore', () => {
  it('drops the least recently written conversation beyond maxConversations', async () => {
    const store = new InMemoryConversationStore({ maxConversations: 2 });
    const key = (id: string) => ({ parentType: 'chat', parentId: id });
    await store.append(key('a'), { role: 'user', content: 'a' });
    await store.append(key('b'), { role: 'user', content: 'b' });
    await store.append(key('a'), { role: 'user', content: 'a again' });
    await store.append(key('c'), { role: 'user', content: 'c' });
    expect(store.size).toBe(2);
    expect(await store.list(key('b'))).toEqual([]);
    expect((await store.list(key('a'))).map((m) => m.content)).toEqual(['a', 'a again']);
    expect(await store.list(key('c'))).toHaveLength(1);
  });
});

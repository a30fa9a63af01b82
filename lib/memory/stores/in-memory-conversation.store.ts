import type { ConversationKey, ConversationMessage, ListMessagesOptions, NewConversationMessage } from '../conversation-message.interface.js';
import { ErrorMessages } from '../../errors/error-messages.js';
import { ConversationStore } from '../conversation-store.js';
import { MemoryStorageException } from '../errors/memory.exception.js';
import type { InMemoryStoreOptions } from '../memory-options.interface.js';
import { assertValidKey, assertValidLimit, ownerOfKey, prepareMessage } from '../validate-message.js';

interface StoredConversation {
  nextSeq: number;
  messages: ConversationMessage[];
}

function copy(message: ConversationMessage): ConversationMessage {
  return { ...message, metadata: structuredClone(message.metadata) };
}

/**
 * Keeps conversations in this process (the default store). Appends are synchronous under the
 * hood, so they are atomic and ordered. Returned messages are copies: changing one does not
 * change the history. Lost on restart and not shared between processes: use the file, Redis or
 * database store for that.
 */
export class InMemoryConversationStore extends ConversationStore {
  readonly name: string = 'memory';
  private readonly conversations = new Map<string, StoredConversation>();
  private readonly maxConversations: number;
  private closed = false;

  constructor(options: InMemoryStoreOptions = {}) {
    super();
    this.maxConversations = options.maxConversations ?? Number.POSITIVE_INFINITY;
  }

  /** Number of conversations held (for tests and diagnostics). */
  get size(): number {
    return this.conversations.size;
  }

  async appendMany(key: ConversationKey, messages: NewConversationMessage[]): Promise<ConversationMessage[]> {
    assertValidKey(key);
    this.assertOpen();
    const prepared = messages.map(prepareMessage);
    const id = mapKey(key);
    const conversation = this.conversations.get(id) ?? { nextSeq: 1, messages: [] };
    // Most recently written last: the first entry is the one to drop when over the bound.
    this.conversations.delete(id);
    this.conversations.set(id, conversation);
    const createdAt = new Date().toISOString();
    const stored = prepared.map((message) => ({ ...message, seq: conversation.nextSeq++, createdAt }));
    conversation.messages.push(...stored);
    while (this.conversations.size > this.maxConversations) {
      this.conversations.delete(this.conversations.keys().next().value!);
    }
    return stored.map(copy);
  }

  async list(key: ConversationKey, options: ListMessagesOptions = {}): Promise<ConversationMessage[]> {
    assertValidKey(key);
    this.assertOpen();
    assertValidLimit(options.limit);
    const messages = this.conversations.get(mapKey(key))?.messages ?? [];
    const slice = options.limit === undefined ? messages : options.limit === 0 ? [] : messages.slice(-options.limit);
    return slice.map(copy);
  }

  async clear(key: ConversationKey): Promise<void> {
    assertValidKey(key);
    this.assertOpen();
    this.conversations.delete(mapKey(key));
  }

  /** Drops every conversation; later calls fail. */
  override async close(): Promise<void> {
    this.closed = true;
    this.conversations.clear();
  }

  private assertOpen(): void {
    if (this.closed) throw new MemoryStorageException(ErrorMessages.memoryClosed(this.name), { store: this.name });
  }
}

function mapKey(key: ConversationKey): string {
  // Ids and owners never contain NUL (validated), so this is unambiguous: one NUL without an owner, two with one.
  const owner = ownerOfKey(key);
  const base = `${key.parentType}\u0000${key.parentId}`;
  return owner === undefined ? base : `${owner}\u0000${base}`;
}

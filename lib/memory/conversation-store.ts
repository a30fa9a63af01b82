import type { ConversationKey, ConversationMessage, ListMessagesOptions, NewConversationMessage } from './conversation-message.interface.js';

/**
 * Where conversations are kept. An abstract class, so it is both the type and the injection
 * token of the store in use (`@Inject(ConversationStore)` or `memory.store`).
 *
 * A store must:
 * - keep messages in the order they were appended, the same order on every read, each exactly
 *   once, also when many requests (and, for shared stores, many processes) append at once;
 * - store `appendMany()` atomically: all messages or none, never half a message;
 * - give each stored message a `seq` that increases in append order;
 * - turn an unreachable backend into a `MemoryConnectionException` within a bounded time.
 *
 * Keys and messages reach a store already validated (see `assertValidKey`, `prepareMessage`);
 * the built-in stores validate again, so they are safe to use directly.
 *
 * @example A custom store registers with `BuppleEngineModule.forRoot({ memory: { store: new MyStore() } })`.
 */
export abstract class ConversationStore {
  /** Name used in errors and logs, e.g. `redis`. */
  abstract readonly name: string;

  /**
   * Connects (and prepares, e.g. creates a table). Called once at application startup; the
   * built-in stores also call it on first use. Default: nothing to do.
   */
  async connect(): Promise<void> {}

  /** Appends messages to a conversation atomically, in order; returns them as stored. */
  abstract appendMany(key: ConversationKey, messages: NewConversationMessage[]): Promise<ConversationMessage[]>;

  /** Appends one message; returns it as stored, with its `seq`. */
  async append(key: ConversationKey, message: NewConversationMessage): Promise<ConversationMessage> {
    const [stored] = await this.appendMany(key, [message]);
    return stored!;
  }

  /** The messages of a conversation, oldest first (`limit`: only the last N). Unknown conversation: []. */
  abstract list(key: ConversationKey, options?: ListMessagesOptions): Promise<ConversationMessage[]>;

  /** Deletes a conversation. Unknown conversation: nothing happens. */
  abstract clear(key: ConversationKey): Promise<void>;

  /** Releases connections, file handles and timers. Called at application shutdown. */
  async close(): Promise<void> {}
}

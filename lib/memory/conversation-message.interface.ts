/** Who wrote a stored message; `tool` messages hold tool results (in `metadata.parts`). */
export type MessageRole = 'system' | 'user' | 'assistant' | 'tool';

/** What a stored message holds; media details live in `metadata` (see `toEngineMessages`). */
export type MessageType = 'text' | 'image' | 'audio' | 'video';

/** A JSON object: what `metadata` may hold (it is stored as JSON). */
export type MessageMetadata = Record<string, unknown>;

/** Which conversation: the original's parent context (`setParent(class, id)`). */
export interface ConversationKey {
  /** The kind of thing the conversation belongs to, e.g. `chat`, `User`, `Ticket`. */
  parentType: string;
  /** Its id, e.g. a conversation id or a user id. */
  parentId: string;
  /**
   * Whose conversation it is (the module's `scope` hook gives it per request, see
   * `MemoryService.conversationFor`). Conversations are namespaced by owner: the same
   * `(parentType, parentId)` under another owner is another conversation. Undefined or `''`:
   * no owner (the namespace conversations stored before owners existed live in).
   */
  owner?: string;
}

/** A message handed to a store. Missing fields get defaults (`id`: a new UUID, `type`: text, `metadata`: {}). */
export interface NewConversationMessage {
  id?: string;
  role: MessageRole;
  content: string;
  type?: MessageType;
  metadata?: MessageMetadata;
  /** The engine that wrote it (assistant messages). */
  engine?: string;
}

/** A message as stored and read back. */
export interface ConversationMessage {
  /** The message id (given, or a generated UUID). Not checked for uniqueness. */
  id: string;
  role: MessageRole;
  content: string;
  type: MessageType;
  metadata: MessageMetadata;
  engine?: string;
  /**
   * Position in the conversation: strictly increasing in the order messages were stored, the
   * same on every read. Not necessarily contiguous (the database store uses its table sequence).
   */
  seq: number;
  /** When the store received it, ISO 8601 (UTC). */
  createdAt: string;
}

/** What `ConversationStore.list()` accepts. */
export interface ListMessagesOptions {
  /** Only the last `limit` messages (still oldest first). */
  limit?: number;
}

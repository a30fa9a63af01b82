// @bupple/nestjs-ai-engine/memory: conversation memory for store authors and apps that pick a
// store themselves: the stores, the store contract and its helpers (ids, keys, prepared messages,
// windows), the defaults, the PostgreSQL schema and its migrations, the memory errors.
export { MemoryService } from './memory.service.js';
export { Conversation } from './conversation.js';
export type { ConversationOptions, AnswerMetadata, HistoryReadOptions, RecordAnswerExtras } from './conversation.js';
export { ConversationStore } from './conversation-store.js';
export type {
  ConversationKey,
  ConversationMessage,
  ListMessagesOptions,
  MessageMetadata,
  MessageRole,
  MessageType,
  NewConversationMessage,
} from './conversation-message.interface.js';
export type {
  MemoryModuleOptions,
  MemoryDriverName,
  InMemoryStoreOptions,
  FileStoreOptions,
  RedisStoreOptions,
  DatabaseStoreOptions,
} from './memory-options.interface.js';
export { createConversationStore, validateMemoryOptions, isConversationStore } from './create-conversation-store.js';
export { memoryOptionsFromEnv } from './memory-options-from-env.js';
export { selectWindow, estimateTokens, CHARS_PER_TOKEN } from './message-window.js';
export type { MessageWindowOptions } from './message-window.js';
export { toEngineMessage, toEngineMessages, fromEngineMessage } from './to-engine-messages.js';
export { assertValidId, assertValidKey, assertValidOwner, prepareMessage, MAX_ID_LENGTH } from './validate-message.js';
export type { PreparedMessage } from './validate-message.js';
export { InMemoryConversationStore } from './stores/in-memory-conversation.store.js';
export { FileConversationStore, DEFAULT_FILE_STORE_PATH } from './stores/file-conversation.store.js';
export { RedisConversationStore, DEFAULT_REDIS_URL, DEFAULT_REDIS_KEY_PREFIX, DEFAULT_REDIS_TTL_SECONDS } from './stores/redis-conversation.store.js';
export type { RedisClusterConfig, RedisClusterLike, RedisSentinelConfig } from '../utils/redis-policy.js';
export { PostgresConversationStore } from './stores/postgres-conversation.store.js';
export { engineMemorySchemaSql, engineMemoryOwnerMigrationSql, DEFAULT_TABLE_NAME } from './stores/postgres-schema.js';
export { MemoryException, MemoryConnectionException, MemoryStorageException, MemoryValidationException } from './errors/memory.exception.js';
export type { MemoryExceptionOptions } from './errors/memory.exception.js';
export type { ConversationLike, RecordedAnswer } from '../interfaces/conversation-like.interface.js';

// Public API of @bupple/nestjs-ai-engine, export by export.

// Module
export { BuppleEngineModule } from './bupple-engine.module.js';
export { ENGINE_MODULE_OPTIONS } from './bupple-engine.module-definition.js';
export type { EngineHttpOptions, BuppleEngineModuleExtras } from './bupple-engine.module-definition.js';
export type {
  BuppleEngineModuleOptions,
  EngineOptions,
  ProviderEngineConfig,
  OpenAIEngineConfig,
  ClaudeEngineConfig,
  GeminiEngineConfig,
} from './interfaces/engine-module-options.interface.js';
export { EngineConfigurationException } from './options/validate-engine-options.js';

// Engine
export { EngineService } from './engine.service.js';
export type { Engine } from './engine.service.js';
export type {
  EngineMessage,
  EngineRole,
  ContentPart,
  TextPart,
  ImagePart,
  AudioPart,
  FilePart,
  ReasoningPart,
  ToolCallPart,
  ToolResultPart,
} from './interfaces/engine-message.interface.js';
export type {
  JsonSchema,
  DriverToolDefinition,
  ToolChoice,
  ToolCall,
  ToolCallDelta,
  ToolResult,
  EngineSource,
  StepResult,
} from './interfaces/tool.interface.js';
export type { EngineChunk, EngineResponse } from './interfaces/engine-chunk.interface.js';
export type { EngineUsage } from './interfaces/engine-usage.interface.js';
export type { EngineWarning } from './interfaces/engine-warning.interface.js';
export type { FinishReason } from './interfaces/finish-reason.type.js';
export type {
  EngineCallOptions,
  RetryOptions,
  TimeoutOptions,
  DriverCallOptions,
  ReasoningOptions,
  ResponseFormat,
  StructuredOutputMode,
} from './interfaces/engine-call-options.interface.js';
export type { ConversationLike, RecordedAnswer } from './interfaces/conversation-like.interface.js';
export type { StreamReporter, StreamAcceptedInfo, StreamRetryInfo, StreamFallbackInfo } from './engine/stream-reporter.js';

// Tools (tool definitions, @Tool() discovery, the tool loop's options)
export { Tool, TOOL_METADATA } from './tools/tool.decorator.js';
export type { ToolOptions } from './tools/tool.decorator.js';
export { ToolRegistry } from './tools/tool-registry.service.js';
export { tool, DEFAULT_TOOL_TIMEOUT_MS } from './tools/tool-definition.interface.js';
export type { ToolDefinition, ToolSet, ToolApproval, ToolExecutionContext, ToolParametersClass } from './tools/tool-definition.interface.js';
export type { ToolsOption } from './tools/resolve-tools.js';
export { ToolDefinitionException } from './tools/tool-definition.exception.js';
export { validateJson } from './tools/json-schema-check.js';
export { SSE_TOOL_EVENTS } from './sse/sse-tool-events.js';

// Drivers
export type { EngineDriver, DriverRequest, DriverStreamPart } from './drivers/engine-driver.interface.js';
export { OfflineDriver, splitIntoTokens } from './drivers/offline/offline.driver.js';
export type { OfflineRequestRecord, OfflineRequestState } from './drivers/offline/offline.driver.js';
export type { OfflineEngineConfig, OfflineFailure, OfflineFailureKind } from './drivers/offline/offline-engine-config.interface.js';
export { OpenAIDriver, createOpenAIDriver, OPENAI_DEFAULT_MODEL } from './drivers/openai/openai.driver.js';
export { toOpenAIStrictSchema } from './drivers/openai/to-openai-strict-schema.js';
export type { OpenAIChatClient } from './drivers/openai/openai-api.types.js';
export { ClaudeDriver, createClaudeDriver, CLAUDE_DEFAULT_MODEL, CLAUDE_DEFAULT_MAX_TOKENS } from './drivers/claude/claude.driver.js';
export { GeminiDriver, createGeminiDriver, GEMINI_DEFAULT_MODEL, GEMINI_DEFAULT_BASE_URL } from './drivers/gemini/gemini.driver.js';

// Errors
export {
  EngineException,
  AuthenticationException,
  RateLimitException,
  ValidationException,
  ConnectionException,
  ProviderOverloadedException,
  ContentFilterException,
  ProviderServerException,
  ProviderStreamLimitException,
  UnknownEngineException,
  MissingPackageException,
} from './errors/engine.exception.js';
export type { EngineExceptionOptions } from './errors/engine.exception.js';
export { EngineExceptionFilter } from './errors/engine-exception.filter.js';
export { toHttpException } from './errors/engine-http.js';

// Structured output: DTO class -> JSON Schema, validation of plain values as DTO instances
export { dtoToJsonSchema, Describe, validateAs, validateAsSync } from './schema/index.js';
export { jsonSchema } from './object/object-options.interface.js';
export type {
  TypedJsonSchema,
  ObjectSchema,
  DeepPartial,
  ObjectCallOptions,
  ArrayCallOptions,
  EnumCallOptions,
  ObjectResult,
  ObjectStreamPart,
} from './object/object-options.interface.js';
export { PartialJsonReader, readJsonText } from './object/partial-json-reader.js';
export type { PartialJsonReaderOptions } from './object/partial-json-reader.js';
export { JsonReadError } from './object/json-read.error.js';
export { validateJsonSchema } from './object/json-schema-validate.js';
export type { DtoClass, Validated } from './schema/index.js';
export { SchemaConversionException, ObjectValidationException, formatFieldError } from './errors/object.exception.js';
export type { ObjectFieldError } from './errors/object.exception.js';

// Memory
export {
  MemoryService,
  Conversation,
  ConversationStore,
  InMemoryConversationStore,
  FileConversationStore,
  RedisConversationStore,
  PostgresConversationStore,
  memoryOptionsFromEnv,
  engineMemorySchemaSql,
  createConversationStore,
  isConversationStore,
  validateMemoryOptions,
  selectWindow,
  estimateTokens,
  CHARS_PER_TOKEN,
  toEngineMessage,
  toEngineMessages,
  fromEngineMessage,
  assertValidId,
  assertValidKey,
  prepareMessage,
  MAX_ID_LENGTH,
  DEFAULT_FILE_STORE_PATH,
  DEFAULT_REDIS_KEY_PREFIX,
  DEFAULT_REDIS_TTL_SECONDS,
  DEFAULT_TABLE_NAME,
  MemoryException,
  MemoryConnectionException,
  MemoryStorageException,
  MemoryValidationException,
} from './memory/index.js';
export type {
  ConversationOptions,
  AnswerMetadata,
  ConversationKey,
  ConversationMessage,
  ListMessagesOptions,
  MessageMetadata,
  MessageRole,
  MessageType,
  NewConversationMessage,
  MemoryModuleOptions,
  MemoryDriverName,
  InMemoryStoreOptions,
  FileStoreOptions,
  RedisStoreOptions,
  DatabaseStoreOptions,
  MessageWindowOptions,
  PreparedMessage,
  MemoryExceptionOptions,
} from './memory/index.js';

// SSE
export {
  SseStream,
  SseStreamInterceptor,
  SseProgressInterceptor,
  SseKeepaliveInterceptor,
  SseTransformInterceptor,
  SseDisconnectInterceptor,
  SseStreams,
  sseEvent,
  encodeSseEvent,
} from './sse/index.js';
export type {
  SseStopResult,
  SseResumeRequest,
  SseEvent,
  EncodableSseEvent,
  SseStreamOptions,
  SseModuleOptions,
  SseProgressOptions,
  SseDisconnectPolicy,
  SseReplayOptions,
  SseRequest,
  SseStreamInfo,
  SseStreamState,
} from './sse/index.js';

// operations: health and OpenAPI
export { EngineHealthIndicator } from './health/engine-health.indicator.js';
export type { EngineHealthCheckOptions, EngineHealthResult, DependencyHealth } from './health/engine-health.indicator.js';
export { ApiSseResponse } from './openapi/api-sse-response.decorator.js';
export type { ApiSseResponseOptions } from './openapi/api-sse-response.decorator.js';
export { SSE_EVENT_DATA_SCHEMAS } from './openapi/sse-event-schemas.js';

// Claude driver: prompt caching options (claude)
export type { CacheControlOptions } from './interfaces/engine-call-options.interface.js';
export type { TelemetryOptions, EngineFinishInfo, EngineFinishHook } from './telemetry/telemetry-options.interface.js';

// the AI SDK UI message protocol (useChat)
export { UiChatRequestDto, UiMessageDto } from './ui-message/ui-chat-request.dto.js';
export { uiMessagesToEngineMessages, lastUiUserMessage, type UiMessageLike } from './ui-message/ui-to-engine-messages.js';
export { UI_MESSAGE_STREAM_HEADER } from './sse/ui-message-protocol.js';

// Ownership and limits (security): the module's scope hook, conversation owners
export type { EngineScopeHook } from './scope/engine-scope.js';
export { resolveScope } from './scope/engine-scope.js';
export { assertValidOwner, engineMemoryOwnerMigrationSql } from './memory/index.js';
export { JsonLimitsGuard, JSON_LIMITS, DEFAULT_JSON_LIMITS, jsonLimitProblem, requestJsonProblem, jsonLimitException } from './security/json-limits.js';
export type { JsonLimits } from './security/json-limits.js';
export { applyRequestTimeouts } from './security/request-timeouts.js';
export { TooManyStreamsException, TokenLimitException, assertModelAllowed, allowedModels } from './security/limits.js';
export type { EngineLimitsOptions } from './security/limits.js';
export { publicEngineError, describeEngineError } from './errors/engine-http.js';
export type { RequestTimeoutOptions } from './security/request-timeouts.js';

// Resilience: Redis outages (replay store), deadlines, size caps
export { ReplayUnavailableException } from './sse/replay/replay-unavailable.exception.js';
export { DeltaTooLargeException } from './errors/engine.exception.js';

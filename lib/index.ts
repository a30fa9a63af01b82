// Public API of @bupple/nestjs-ai-engine: what an app uses (at most 50 names, counted by
// `node scripts/public-api.mjs`; test/package/public-api.spec.ts holds the list). Everything
// else has its own entry point (docs/api.md): /memory, /drivers, /sse, /schema, /tools,
// /security, /errors, /integrations, /client, /testing.

// Module and its options
export { BuppleEngineModule } from './bupple-engine.module.js';
export { ENGINE_MODULE_OPTIONS } from './bupple-engine.module-definition.js';
export type { EngineHttpOptions, BuppleEngineModuleExtras } from './bupple-engine.module-definition.js';
export type { BuppleEngineModuleOptions, EngineOptions } from './bupple-engine.module-options.js';
export type { OpenAIEngineConfig, ClaudeEngineConfig, GeminiEngineConfig } from './interfaces/provider-engine-config.interface.js';
export type { OfflineEngineConfig } from './drivers/offline/offline-engine-config.interface.js';

// Services
export { EngineService } from './engine.service.js';
export type { Engine } from './engine.service.js';
export { MemoryService } from './memory/memory.service.js';
export { Conversation } from './memory/conversation.js';
export { SseStreams } from './sse/sse-streams.service.js';

// Decorators, filter, guard and server settings
export { SseStream } from './sse/sse-stream.decorator.js';
export { Tool } from './tools/tool.decorator.js';
export { EngineExceptionFilter } from './errors/engine-exception.filter.js';
export { JsonLimitsGuard } from './security/json-limits.js';
export { applyRequestTimeouts } from './security/request-timeouts.js';

// Helpers: a tool definition, a typed JSON Schema
export { tool } from './tools/tool-definition.interface.js';
export { jsonSchema } from './object/object-options.interface.js';

// Errors an app catches (every exception class: @bupple/nestjs-ai-engine/errors)
export {
  EngineException,
  AuthenticationException,
  RateLimitException,
  ValidationException,
  ConnectionException,
  ProviderOverloadedException,
  ContentFilterException,
  ProviderServerException,
} from './errors/engine.exception.js';
export { EngineConfigurationException } from './options/validate-engine-options.js';

// Messages, call options, chunks and answers
export type { EngineMessage } from './interfaces/engine-message.interface.js';
export type { EngineCallOptions, RetryOptions, TimeoutOptions } from './interfaces/engine-call-options.interface.js';
export type { EngineChunk, EngineResponse } from './interfaces/engine-chunk.interface.js';
export type { EngineUsage } from './interfaces/engine-usage.interface.js';
export type { EngineWarning } from './interfaces/engine-warning.interface.js';
export type { FinishReason } from './interfaces/finish-reason.type.js';
export type { ToolCall, ToolResult } from './interfaces/tool.interface.js';
export type { ToolDefinition, ToolSet, ToolExecutionContext } from './tools/tool-definition.interface.js';
export type { ObjectResult } from './object/object-options.interface.js';
export type { ConversationMessage } from './memory/conversation-message.interface.js';
export type { SseRequest, SseStreamOptions } from './sse/sse-options.interface.js';
export type { EngineFinishInfo } from './telemetry/telemetry-options.interface.js';

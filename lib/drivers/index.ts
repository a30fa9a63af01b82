// @bupple/nestjs-ai-engine/drivers: for driver authors and apps that register engines
// themselves: the driver contract and its stream parts, the message parts and tool types a
// driver maps, the built-in drivers with their factories and defaults, provider option types,
// and the provider transport the built-in drivers use (keep-alive requests, the one SSE
// reader, the shared status→exception table).
export type { EngineDriver, DriverRequest, DriverStreamPart } from './engine-driver.interface.js';
export type {
  EngineRole,
  ContentPart,
  TextPart,
  ImagePart,
  AudioPart,
  FilePart,
  ReasoningPart,
  ToolCallPart,
  ToolResultPart,
} from '../interfaces/engine-message.interface.js';
export type { JsonSchema, DriverToolDefinition, ToolChoice, ToolCallDelta, EngineSource, StepResult } from '../interfaces/tool.interface.js';
export type { DriverCallOptions, ReasoningOptions, CacheControlOptions } from '../interfaces/engine-call-options.interface.js';
export type { ProviderEngineConfig, OpenAIEngineConfig, ClaudeEngineConfig, GeminiEngineConfig } from '../interfaces/provider-engine-config.interface.js';
export { OfflineDriver, splitIntoTokens } from './offline/offline.driver.js';
export type { OfflineRequestRecord, OfflineRequestState } from './offline/offline.driver.js';
export type { OfflineEngineConfig, OfflineFailure, OfflineFailureKind } from './offline/offline-engine-config.interface.js';
export { OpenAIDriver, createOpenAIDriver, OPENAI_DEFAULT_MODEL } from './openai/openai.driver.js';
export { toOpenAIStrictSchema } from './openai/to-openai-strict-schema.js';
export type { OpenAIChatClient } from './openai/openai-api.types.js';
export { ClaudeDriver, createClaudeDriver, CLAUDE_DEFAULT_MODEL, CLAUDE_DEFAULT_MAX_TOKENS } from './claude/claude.driver.js';
export { GeminiDriver, createGeminiDriver, GEMINI_DEFAULT_MODEL, GEMINI_DEFAULT_BASE_URL } from './gemini/gemini.driver.js';
export { UnknownEngineException, MissingPackageException, ProviderStreamLimitException, DeltaTooLargeException } from '../errors/engine.exception.js';
export {
  createProviderTransport,
  transportOptionsOf,
  readEventStream,
  mapProviderFailure,
  ProviderResponseError,
  type ProviderTransport,
  type ProviderTransportOptions,
  type ReadEventStreamOptions,
  type ProviderErrorBodyReader,
} from './transport/provider-transport.js';
export { exceptionFromFacts, type ProviderErrorContext, type ProviderErrorFacts } from './transport/provider-errors.js';
export type { NodeHttpTimeout } from './transport/node-http-fetch.js';
export type { SseMessage } from '../protocol/sse-parser.js';

// Public API of @bupple/nestjs-ai-engine/client: runs in browsers and Node 20 (fetch,
// ReadableStream, TextDecoder, AbortController), with no NestJS and no dependency.
export { streamChat, ChatStream } from './chat-stream.js';
export type { ChatStreamOptions, ChatStreamHandlers, StreamStatus, StreamCloseReason, StreamOutcome, KeepaliveInfo } from './chat-stream-options.js';
export { StreamClientError, StreamHttpError, StreamConnectionError, StreamProtocolError, parseRetryAfter } from './stream-errors.js';
export { isStreamEvent, isKnownEventName, parseEventId } from './stream-events.js';
export type {
  StreamEvent,
  KnownStreamEvent,
  CustomStreamEvent,
  KnownStreamEventName,
  StreamEventDataMap,
  StartData,
  ContentData,
  ProgressData,
  CompleteData,
  ChunkErrorData,
  StreamErrorData,
  RetryData,
  FallbackData,
  WarningData,
  StreamUsage,
  // tool calling, reasoning and sources
  StreamStepData,
  ToolCallDeltaData,
  ToolCallData,
  ToolResultData,
  ToolApprovalData,
  ReasoningData,
  SourceData,
  // structured output
  ObjectPartialData,
  ObjectElementData,
  ObjectData,
} from './stream-events.js';
export { SseParser, SseLimitError, parseSse } from './sse-parser.js';
// useChat frontends (the AI SDK UI message protocol): the answer without the tries a restart took back
export { withoutDiscardedTries } from '../protocol/ui-message-resets.js';
export type { SseMessage, SseParserCallbacks } from './sse-parser.js';

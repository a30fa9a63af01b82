// The event protocol, defined once: what @SseStream() routes send, how events and ids are
// written and read, and what is worth retrying. Imported by lib/sse, lib/client, lib/drivers
// and lib/testing; no Node API and no dependency (the browser client bundles it).
export {
  STREAM_EVENT_NAMES,
  isKnownEventName,
  type KnownStreamEventName,
  type StreamEventData,
  type StreamEventDataMap,
  type StreamUsage,
  type StartData,
  type ContentData,
  type ProgressData,
  type CompleteData,
  type ChunkErrorData,
  type StreamErrorData,
  type RetryData,
  type FallbackData,
  type WarningData,
  type StreamStepData,
  type ToolCallDeltaData,
  type ToolCallData,
  type ToolResultData,
  type ToolApprovalData,
  type ReasoningData,
  type SourceData,
} from './events.js';
export { formatEventId, parseEventId, MAX_SEQ_DIGITS, MAX_STREAM_ID_LENGTH } from './event-id.js';
export { encodeSseEvent, encodeSseComment, encodeSseRetry, sanitizeField, type EncodableSseEvent } from './sse-encoder.js';
export {
  SseParser,
  SseLimitError,
  parseSse,
  DEFAULT_SSE_MAX_LENGTH,
  type SseMessage,
  type SseParserCallbacks,
  type SseParserOptions,
  type SseStreamParser,
} from './sse-parser.js';
export { isRetryableHttpStatus, parseRetryAfter, parseRetryAfterValue, type HeaderSource } from './retry.js';
export { withoutDiscardedTries } from './ui-message-resets.js';

/**
 * The events `@SseStream()` routes send: their names and the data each carries. The server
 * emits through these types and the browser client reads through them, so the two cannot
 * drift. Other areas add their events here (one entry in the map and in `STREAM_EVENT_NAMES`).
 */

/** Token usage, as the server reports it in `complete`. */
export interface StreamUsage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
}

/** `start`: the engine accepted the request. */
export interface StartData {
  streamId: string;
  engine: string | null;
  model: string | null;
}

/** `content`: the next piece of the answer. */
export interface ContentData {
  content: string;
  index?: number;
}

/**
 * `progress`: how far the answer is, in output tokens. While streaming, `processed` is
 * estimated from the text (never above `total`, `percent` below 100) and `total` is the
 * expected size (`maxTokens`); the last event, at completion, has `processed === total` = the
 * answer's tokens (the provider's usage when it sends it, else the estimate) and `percent` 100.
 */
export interface ProgressData {
  processed: number;
  total: number;
  percent: number;
}

/** One model call of an answer, as `complete` lists them when tools ran (issue #12). */
export interface StreamStepData {
  index: number;
  text: string;
  reasoning?: string;
  toolCalls: ToolCallData[];
  toolResults: ToolResultData[];
  finishReason: string;
  rawFinishReason: string | null;
  usage?: StreamUsage;
}

/** `complete`: the answer is whole. `steps` when the answer took more than one model call. */
export interface CompleteData {
  finishReason: string;
  usage: StreamUsage | null;
  steps?: StreamStepData[];
}

/** `tool_call_delta`: a piece of a tool call's argument text, while it streams. */
export interface ToolCallDeltaData {
  id: string;
  name: string;
  argsTextDelta: string;
}

/** `tool_call`: a tool call, its arguments complete (parsed); alone (no `tool_call_delta`) for a call that arrived whole (Gemini). */
export interface ToolCallData {
  id: string;
  name: string;
  args: unknown;
}

/** `tool_result`: what a tool returned (`result`), or why it did not run (`error`; `denied` when the user denied the call). */
export interface ToolResultData {
  id: string;
  name: string;
  result?: unknown;
  error?: { message: string };
  denied?: true;
}

/** `tool_approval`: a tool call waiting for approval. */
export type ToolApprovalData = ToolCallData;

/** `reasoning`: a piece of the model's reasoning, apart from the answer. */
export interface ReasoningData {
  content: string;
}

/** `source`: a source the answer cites. */
export interface SourceData {
  url: string;
  title?: string;
}

/** `chunk_error`: one chunk was skipped; the answer goes on. */
export interface ChunkErrorData {
  message: string;
  index?: number;
}

/**
 * `stream_error`: the answer failed for good (sanitised: no secrets, no stack). The client
 * also reports a `resync` event (the server no longer holds the missed events) this way,
 * with code `resync` and `retryable: true`.
 */
export interface StreamErrorData {
  code: string;
  message: string;
  retryable: boolean;
  /** Code `object_validation`: each field of the model's object that failed validation. */
  errors?: { path: string; message: string }[];
}

/** `object_partial`: the structured answer so far (deep-partial; each one holds the whole object so far). */
export interface ObjectPartialData {
  object: unknown;
}

/** `object_element`: array output: one complete, valid element. */
export interface ObjectElementData {
  index: number;
  element: unknown;
}

/** `object`: the validated structured answer (then `complete`). */
export interface ObjectData {
  object: unknown;
}

/**
 * `retry`: the engine tries again. With `reset`, what the step under way had shown is void: the
 * text and tool calls since the last `tool_result` (all of it in an answer without tools).
 */
export interface RetryData {
  attempt: number;
  maxAttempts: number;
  delayMs: number;
  reset: boolean;
}

/** `fallback`: the engine switched to another one. With `reset`, what the step under way had shown is void (as for `retry`). */
export interface FallbackData {
  from: string;
  to: string;
  reason: string;
  reset?: boolean;
}

/** `warning`: an option the provider could not honour (sent after `start`). */
export interface WarningData {
  type: 'unsupported-option' | 'other';
  option?: string;
  message: string;
}

/** The data of each event the library itself sends, by name. */
export interface StreamEventDataMap {
  start: StartData;
  content: ContentData;
  progress: ProgressData;
  keepalive: unknown;
  complete: CompleteData;
  chunk_error: ChunkErrorData;
  stream_error: StreamErrorData;
  retry: RetryData;
  fallback: FallbackData;
  warning: WarningData;
  resync: unknown;
  tool_call_delta: ToolCallDeltaData;
  tool_call: ToolCallData;
  tool_result: ToolResultData;
  tool_approval: ToolApprovalData;
  reasoning: ReasoningData;
  source: SourceData;
  object_partial: ObjectPartialData;
  object_element: ObjectElementData;
  object: ObjectData;
}

/** The name of an event the library itself sends. */
export type KnownStreamEventName = keyof StreamEventDataMap;

/** The data an event of that name carries; `unknown` for an app's own event names. */
export type StreamEventData<K extends string> = K extends KnownStreamEventName ? StreamEventDataMap[K] : unknown;

/** Every name in `StreamEventDataMap`, at run time. */
export const STREAM_EVENT_NAMES: readonly KnownStreamEventName[] = [
  'start',
  'content',
  'progress',
  'keepalive',
  'complete',
  'chunk_error',
  'stream_error',
  'retry',
  'fallback',
  'warning',
  'resync',
  'tool_call_delta',
  'tool_call',
  'tool_result',
  'tool_approval',
  'reasoning',
  'source',
  'object_partial',
  'object_element',
  'object',
];

const KNOWN: ReadonlySet<string> = new Set<string>(STREAM_EVENT_NAMES);

/** True for the event names the library sends itself. */
export function isKnownEventName(name: string): name is KnownStreamEventName {
  return KNOWN.has(name);
}

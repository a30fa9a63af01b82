import type { JsonSchema } from '../interfaces/tool.interface.js';

const str = { type: 'string' } as const;
const int = { type: 'integer', minimum: 0 } as const;
const bool = { type: 'boolean' } as const;
const nullableStr = { type: ['string', 'null'] } as const;
const object = (properties: Record<string, JsonSchema>, required: string[] = Object.keys(properties)): JsonSchema => ({
  type: 'object',
  properties,
  required,
});
const usage = {
  type: ['object', 'null'],
  properties: { promptTokens: int, completionTokens: int, totalTokens: int, cachedInputTokens: int, cacheWriteTokens: int, reasoningTokens: int },
  required: ['promptTokens', 'completionTokens', 'totalTokens'],
};
const toolCall = object({ id: str, name: str, args: {} });

/**
 * The JSON Schema of each event's `data`, for the events `@SseStream()` routes send, by event
 * name. `@ApiSseResponse()` documents a route with them.
 */
export const SSE_EVENT_DATA_SCHEMAS: Readonly<Record<string, JsonSchema>> = {
  start: object({ streamId: str, engine: nullableStr, model: nullableStr }),
  content: object({ content: str, index: int }, ['content']),
  reasoning: object({ content: str }),
  tool_call_delta: object({ id: str, name: str, argsTextDelta: str }),
  tool_call: toolCall,
  tool_result: object({ id: str, name: str, result: {}, error: object({ message: str }), denied: bool }, ['id', 'name']),
  tool_approval: toolCall,
  source: object({ url: str, title: str }, ['url']),
  object_partial: object({ object: {} }),
  object_element: object({ index: int, element: {} }),
  object: object({ object: {} }),
  progress: object({ processed: int, total: int, percent: { type: 'number', minimum: 0, maximum: 100 } }),
  keepalive: {},
  warning: object({ type: { enum: ['unsupported-option', 'other'] }, option: str, message: str }, ['type', 'message']),
  retry: object({ attempt: int, maxAttempts: int, delayMs: int, reset: bool }),
  fallback: object({ from: str, to: str, reason: str, reset: bool }, ['from', 'to', 'reason']),
  chunk_error: object({ message: str, index: int }, ['message']),
  stream_error: object({ code: str, message: str, retryable: bool }),
  complete: object({ finishReason: str, usage, steps: { type: 'array', items: { type: 'object' } } }, ['finishReason', 'usage']),
};

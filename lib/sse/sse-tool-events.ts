import type { EngineChunk } from '../interfaces/engine-chunk.interface.js';

/** SSE event names of the parts of an answer besides its text (public contract). */
export const SSE_TOOL_EVENTS = {
  toolCallDelta: 'tool_call_delta',
  toolCall: 'tool_call',
  toolResult: 'tool_result',
  toolApproval: 'tool_approval',
  reasoning: 'reasoning',
  source: 'source',
} as const;

/** Where the events go: the session's general and per-token paths. */
export interface SsePartSink {
  emit(event: string, data: unknown): void;
  /**
   * The per-token path: `json` is the event's data already encoded, `fields` the same data as
   * an object, so that a sink that does not write JSON (the UI message protocol) never parses.
   */
  emitRaw(event: string, json: string, fields: object): void;
}

/**
 * Writes the non-text part a chunk carries as its event: `tool_call_delta` `{ id, name,
 * argsTextDelta }`, `tool_call` `{ id, name, args }`, `tool_result` `{ id, name, result }` or
 * `{ id, name, error: { message } }`, `tool_approval` `{ id, name, args }`, `reasoning`
 * `{ content }`, `source` `{ url, title? }`.
 */
let lastId = '';
let lastName = '';
let lastPrefix = '{"id":"","name":"","argsTextDelta":';

export function emitChunkParts(chunk: EngineChunk, sink: SsePartSink): void {
  const delta = chunk.toolCallDelta;
  if (delta) {
    // per token: one string, no object to serialise; a call's deltas share their id and name
    if (delta.id !== lastId || delta.name !== lastName) {
      lastId = delta.id;
      lastName = delta.name;
      lastPrefix = `{"id":${JSON.stringify(delta.id)},"name":${JSON.stringify(delta.name)},"argsTextDelta":`;
    }
    sink.emitRaw(SSE_TOOL_EVENTS.toolCallDelta, `${lastPrefix}${JSON.stringify(delta.argsTextDelta)}}`, delta);
    return;
  }
  if (chunk.reasoning) {
    sink.emitRaw(SSE_TOOL_EVENTS.reasoning, `{"content":${JSON.stringify(chunk.reasoning)}}`, { content: chunk.reasoning });
    return;
  }
  if (chunk.toolCall) {
    sink.emit(SSE_TOOL_EVENTS.toolCall, { id: chunk.toolCall.id, name: chunk.toolCall.name, args: chunk.toolCall.args });
    return;
  }
  if (chunk.toolResult) {
    const { id, name, error, result, denied } = chunk.toolResult;
    if (!error) sink.emit(SSE_TOOL_EVENTS.toolResult, { id, name, result: result ?? null });
    else
      sink.emit(SSE_TOOL_EVENTS.toolResult, denied ? { id, name, error: { message: error.message }, denied } : { id, name, error: { message: error.message } });
    return;
  }
  if (chunk.toolApproval) {
    sink.emit(SSE_TOOL_EVENTS.toolApproval, { id: chunk.toolApproval.id, name: chunk.toolApproval.name, args: chunk.toolApproval.args });
    return;
  }
  if (chunk.source)
    sink.emit(SSE_TOOL_EVENTS.source, chunk.source.title === undefined ? { url: chunk.source.url } : { url: chunk.source.url, title: chunk.source.title });
}

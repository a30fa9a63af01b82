import type { EngineChunk } from '../interfaces/engine-chunk.interface.js';
import type { ToolCallDelta } from '../interfaces/tool.interface.js';

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
 * What the deltas of one stream's tool call share: the JSON of the event before the argument
 * piece (`{"id":…,"name":…,"argsTextDelta":`), built once per call, not per token. One per
 * stream (`new ToolDeltaPrefix()`), so that streams whose calls interleave do not rebuild it
 * for each other; a stream that keeps none shares one.
 */
export class ToolDeltaPrefix {
  private id = '';
  private name = '';
  private json = '{"id":"","name":"","argsTextDelta":';

  /** The prefix for `delta`'s call. */
  of(delta: ToolCallDelta): string {
    // a call's deltas share their id and name (the same strings: two identity checks)
    if (delta.id !== this.id || delta.name !== this.name) {
      this.id = delta.id;
      this.name = delta.name;
      this.json = `{"id":${JSON.stringify(delta.id)},"name":${JSON.stringify(delta.name)},"argsTextDelta":`;
    }
    return this.json;
  }
}

const sharedPrefix = new ToolDeltaPrefix();

/**
 * Writes the non-text part a chunk carries as its event: `tool_call_delta` `{ id, name,
 * argsTextDelta }` (a piece of arguments that stream), `tool_call` `{ id, name, args }` (the
 * call complete; alone for a call that arrived whole, e.g. Gemini's), `tool_result`
 * `{ id, name, result }` or `{ id, name, error: { message } }`, `tool_approval`
 * `{ id, name, args }`, `reasoning` `{ content }`, `source` `{ url, title? }`.
 * `prefix`: the stream's own (see `ToolDeltaPrefix`).
 */
export function emitChunkParts(chunk: EngineChunk, sink: SsePartSink, prefix: ToolDeltaPrefix = sharedPrefix): void {
  const delta = chunk.toolCallDelta;
  if (delta) {
    // per token: one string, no object to serialise
    sink.emitRaw(SSE_TOOL_EVENTS.toolCallDelta, `${prefix.of(delta)}${JSON.stringify(delta.argsTextDelta)}}`, delta);
    return;
  }
  if (chunk.reasoning) {
    sink.emitRaw(SSE_TOOL_EVENTS.reasoning, `{"content":${JSON.stringify(chunk.reasoning)}}`, { content: chunk.reasoning });
    return;
  }
  const call = chunk.toolCall;
  if (call) {
    // once per call, but once per upstream event for calls that arrive whole: built as one string too
    const { id, name, args } = call;
    const argsJson = JSON.stringify(args) as string | undefined;
    if (argsJson === undefined) sink.emit(SSE_TOOL_EVENTS.toolCall, { id, name });
    else sink.emitRaw(SSE_TOOL_EVENTS.toolCall, `{"id":${JSON.stringify(id)},"name":${JSON.stringify(name)},"args":${argsJson}}`, { id, name, args });
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

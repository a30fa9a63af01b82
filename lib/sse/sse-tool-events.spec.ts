import type { EngineChunk } from '../interfaces/engine-chunk.interface.js';
import { emitChunkParts, SSE_TOOL_EVENTS, ToolDeltaPrefix, type SsePartSink } from './sse-tool-events.js';

const chunk = (fields: Partial<EngineChunk>): EngineChunk => ({
  content: '',
  role: 'assistant',
  engine: 'e',
  model: 'm',
  index: 0,
  finishReason: null,
  ...fields,
});

describe('emitChunkParts(): the per-token path', () => {
  const raw: [string, string, object][] = [];
  const sink: SsePartSink = { emit: () => undefined, emitRaw: (event, json, fields) => raw.push([event, json, fields]) };

  it('hands the fields beside the JSON, equal to it, so that the UI protocol never parses', () => {
    const delta = { id: 'call_1', name: 'add', argsTextDelta: '{"a":"x\\"y' };
    emitChunkParts(chunk({ toolCallDelta: delta }), sink);
    emitChunkParts(chunk({ toolCallDelta: { id: 'call_1', name: 'add', argsTextDelta: '1}' } }), sink);
    emitChunkParts(chunk({ reasoning: 'so "then"\n' }), sink);
    expect(raw.map(([event]) => event)).toEqual([SSE_TOOL_EVENTS.toolCallDelta, SSE_TOOL_EVENTS.toolCallDelta, SSE_TOOL_EVENTS.reasoning]);
    for (const [, json, fields] of raw) expect(JSON.parse(json)).toEqual(fields);
    // the delta itself: no copy per token
    expect(raw[0][2]).toBe(delta);
  });

  it('writes a complete call as one tool_call string, {id, name, args} as the general path wrote it', () => {
    const seen: [string, string, object][] = [];
    const calls: SsePartSink = { emit: () => undefined, emitRaw: (event, json, fields) => seen.push([event, json, fields]) };
    const args = { q: 'a "b"\n', n: [1, null] };
    emitChunkParts(chunk({ toolCall: { id: 'gemini-call-1', name: 'search', args, providerMetadata: { thoughtSignature: 'sig' } } }), calls);
    expect(seen).toEqual([
      [SSE_TOOL_EVENTS.toolCall, JSON.stringify({ id: 'gemini-call-1', name: 'search', args }), { id: 'gemini-call-1', name: 'search', args }],
    ]);
  });

  it('keeps each stream’s call prefix apart: interleaved streams get their own ids and names', () => {
    const out: string[] = [];
    const sink: SsePartSink = { emit: () => undefined, emitRaw: (_event, json) => out.push(json) };
    const [a, b] = [new ToolDeltaPrefix(), new ToolDeltaPrefix()];
    emitChunkParts(chunk({ toolCallDelta: { id: 'a1', name: 'add', argsTextDelta: '{' } }), sink, a);
    emitChunkParts(chunk({ toolCallDelta: { id: 'b1', name: 'now', argsTextDelta: '{' } }), sink, b);
    emitChunkParts(chunk({ toolCallDelta: { id: 'a1', name: 'add', argsTextDelta: '}' } }), sink, a);
    emitChunkParts(chunk({ toolCallDelta: { id: 'a2', name: 'add', argsTextDelta: '[' } }), sink, a);
    emitChunkParts(chunk({ toolCallDelta: { id: 'b1', name: 'now', argsTextDelta: '}' } }), sink, b);
    expect(out.map((json) => JSON.parse(json))).toEqual([
      { id: 'a1', name: 'add', argsTextDelta: '{' },
      { id: 'b1', name: 'now', argsTextDelta: '{' },
      { id: 'a1', name: 'add', argsTextDelta: '}' },
      { id: 'a2', name: 'add', argsTextDelta: '[' },
      { id: 'b1', name: 'now', argsTextDelta: '}' },
    ]);
  });
});

import type { EngineChunk } from '../interfaces/engine-chunk.interface.js';
import { emitChunkParts, SSE_TOOL_EVENTS, type SsePartSink } from './sse-tool-events.js';

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
});

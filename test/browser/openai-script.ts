import type { ServerResponse } from 'node:http';
import { sleep, type RecordedRequest } from '../utils/fake-provider-server.js';
import { openaiChunk, openaiWire } from '../providers/provider-wire.js';

/**
 * Pieces of scripted OpenAI Chat Completions streams, for the browser specs that run the
 * sample's `openai` engine against a `ScriptedProvider(openaiWire)`: the frames of a tool loop
 * (text, calls with their arguments in pieces, the usage frame) written one by one.
 */

export const FRAME_GAP_MS = 30;

/** Writes `frames` one by one, `FRAME_GAP_MS` apart, as a provider streams them; stops if the client left. */
export async function stream(res: ServerResponse, frames: string[]): Promise<void> {
  for (const frame of frames) {
    if (res.destroyed) return;
    res.write(frame);
    await sleep(FRAME_GAP_MS);
  }
}

export const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
  openaiChunk(openaiWire.model, [{ index: 0, delta, logprobs: null, finish_reason: finish }]);
export const usage = (prompt: number, completion: number) =>
  openaiChunk(openaiWire.model, [], { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion });
export const callStart = (id: string, name: string) => chunk({ tool_calls: [{ index: 0, id, type: 'function', function: { name, arguments: '' } }] });
export const callArgs = (piece: string) => chunk({ tool_calls: [{ index: 0, function: { arguments: piece } }] });
export const DONE = 'data: [DONE]\n\n';

/** The messages a request carried, without the parts that differ in every run (tool results' times). */
export const turnsOf = (request: RecordedRequest) =>
  (request.body as { messages: { role: string; content?: unknown; tool_calls?: { id: string }[]; tool_call_id?: string }[] }).messages.map((m) => ({
    role: m.role,
    calls: m.tool_calls?.map((call) => call.id),
    result: m.tool_call_id,
  }));

import type { ServerResponse } from 'node:http';
import { sleep, type RecordedRequest } from '../utils/fake-provider-server.js';
import { engineEnv, type ScriptedProvider, type Step } from '../providers/scripted-provider.js';
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

/** What the tool loop of `toolLoopWithRestart()` says: step 1's sentence, the lost try's, the answer's pieces. */
export const RESTART_TEXT = {
  step1: 'Let me add them first. ',
  lost: 'Now the clock. ',
  final: ['2 + 3 = 5,', ' and the clock says it is now.'],
};

/**
 * The requests of a tool loop whose step 2 restarts, in order: step 1 (a sentence, then `add`
 * with its arguments in pieces); step 2's first try (reasoning, a sentence and half of the `now`
 * call under `lostCallId`, then the connection drops); step 2 again (the `now` call whole, under
 * `keptCallId`: the lost call's id, as servers that number their calls send it, or another);
 * step 3 (the answer). The last try of step 2 repeats nothing the lost one said.
 */
export function toolLoopWithRestart({ lostCallId, keptCallId }: { lostCallId: string; keptCallId: string }): Step[] {
  return [
    async (_req, res) => {
      openaiWire.startStream(res);
      await stream(res, [
        chunk({ role: 'assistant', content: '', refusal: null }),
        chunk({ content: RESTART_TEXT.step1 }),
        callStart('call_Add1', 'add'),
        callArgs('{"a": 2'),
        callArgs(', "b": 3}'),
        chunk({}, 'tool_calls'),
        usage(60, 20),
        DONE,
      ]);
      res.end();
    },
    async (_req, res) => {
      openaiWire.startStream(res);
      await stream(res, [
        chunk({ role: 'assistant', content: '' }),
        chunk({ content: null, reasoning_content: 'The sum is known; the time is next.' }),
        chunk({ content: RESTART_TEXT.lost }),
        callStart(lostCallId, 'now'),
        callArgs('{'),
      ]);
      await sleep(400); // long enough for the page to show the card
      res.destroy();
    },
    async (_req, res) => {
      openaiWire.startStream(res);
      await stream(res, [
        chunk({ role: 'assistant', content: '' }),
        callStart(keptCallId, 'now'),
        callArgs('{}'),
        chunk({}, 'tool_calls'),
        usage(90, 10),
        DONE,
      ]);
      res.end();
    },
    async (_req, res) => {
      openaiWire.startStream(res);
      await stream(res, [
        chunk({ role: 'assistant', content: '' }),
        ...RESTART_TEXT.final.map((content) => chunk({ content })),
        chunk({}, 'stop'),
        usage(120, 15),
        DONE,
      ]);
      res.end();
    },
  ];
}

/**
 * The sample's environment for a restart after content: its `openai` engine on `provider`, one
 * retry (`maxRetries`) 200 ms later that starts the step again (`RETRY_AFTER_CONTENT=restart`),
 * memory and replay in process.
 */
export const restartingSampleEnv = (provider: ScriptedProvider, maxRetries: number): Record<string, string> => ({
  ...engineEnv(provider),
  BUPPLE_DEFAULT_ENGINE_DRIVER: 'openai',
  BUPPLE_ENGINE_MAX_RETRIES: String(maxRetries),
  BUPPLE_ENGINE_RETRY_DELAY_MS: '200',
  BUPPLE_ENGINE_RETRY_AFTER_CONTENT: 'restart',
  BUPPLE_MEMORY_DRIVER: 'memory',
  BUPPLE_SSE_REPLAY_DRIVER: 'memory',
});

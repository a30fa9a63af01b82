import type { EngineUsage } from '../../interfaces/engine-usage.interface.js';
import type { FinishReason } from '../../interfaces/finish-reason.type.js';
import type { DriverStreamPart } from '../engine-driver.interface.js';
import { mapOpenAIFinishReason } from './map-openai-finish-reason.js';
import type { OpenAIChatChunk, OpenAIUsage } from './openai-api.types.js';

/** A tool call being streamed, by its `index`. */
interface PendingToolCall {
  id: string;
  name: string;
  args: string;
  started: boolean;
  ended: boolean;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Whether a delta holds anything besides its role: text, reasoning, tool calls, a refusal… */
function carriesData(delta: unknown): boolean {
  if (typeof delta !== 'object' || delta === null) return false;
  for (const [key, value] of Object.entries(delta)) {
    if (key === 'role' || value === null || value === undefined || value === '') continue;
    if (Array.isArray(value) && value.length === 0) continue;
    return true;
  }
  return false;
}

/** Token usage as the engine reports it, with the cached-input and reasoning counts when there are any (as Claude's). */
export function normaliseOpenAIUsage(usage: OpenAIUsage): EngineUsage {
  const promptTokens = usage.prompt_tokens ?? 0;
  const completionTokens = usage.completion_tokens ?? 0;
  const out: EngineUsage = { promptTokens, completionTokens, totalTokens: usage.total_tokens ?? promptTokens + completionTokens };
  const cached = usage.prompt_tokens_details?.cached_tokens;
  if (typeof cached === 'number' && cached > 0) out.cachedInputTokens = cached;
  const reasoning = usage.completion_tokens_details?.reasoning_tokens;
  if (typeof reasoning === 'number' && reasoning > 0) out.reasoningTokens = reasoning;
  return out;
}

/**
 * Turns Chat Completions chunks (OpenAI and the compatible servers as recorded) into driver
 * parts, choice 0 only:
 * - `delta.content` as text; as an array of parts (Mistral): `text` parts as text,
 *   `thinking` parts as reasoning;
 * - `delta.reasoning_content` (DeepSeek) and `delta.reasoning` (Groq, OpenRouter) as reasoning;
 * - `delta.tool_calls[i]`: argument pieces accumulated per `index`, as `tool-call-start` /
 *   `tool-call-delta` / `tool-call-end` (ends once the finish reason comes, or the stream ends);
 * - `delta.refusal`: streamed as text, and the answer finishes as `content_filter` (the raw
 *   finish reason is kept), the rule for every provider;
 * - Perplexity `citations` (and `search_results`) as `source` parts, each URL once;
 * - usage from the chunk that carries it (the last one wins: Perplexity sends it cumulatively),
 *   `x_groq.usage` when there is no `usage`.
 * A delta with other data is `activity`; an empty one is nothing (no sign of work).
 */
export class OpenAIStreamReader {
  private readonly calls = new Map<number, PendingToolCall>();
  /** The started call whose arguments came last, by its `index`: the next piece is most likely its. */
  private streaming: PendingToolCall | undefined;
  private streamingIndex = -1;
  private readonly sources = new Set<string>();
  private reasoningOpen = false;
  private refused = false;
  private usage: OpenAIUsage | undefined;
  private responseId: string | undefined;
  rawFinishReason: string | undefined;

  constructor(private readonly emit: (part: DriverStreamPart) => void) {}

  /** Whether the chunk being read emitted a part (set by `out`). */
  private emitted = false;
  /** Emits a part of the chunk being read (one bound function, not a closure per chunk: this is the per-token path). */
  private readonly out = (part: DriverStreamPart): void => {
    this.emitted = true;
    this.emit(part);
  };

  /** One parsed chunk. */
  read(chunk: OpenAIChatChunk): void {
    this.emitted = false;
    const out = this.out;
    if (this.responseId === undefined && typeof chunk.id === 'string' && chunk.id !== '') this.responseId = chunk.id;
    if (isRecord(chunk.usage)) this.usage = chunk.usage;
    else if (isRecord(chunk.x_groq) && isRecord(chunk.x_groq.usage)) this.usage = chunk.x_groq.usage as OpenAIUsage;
    if (chunk.search_results !== undefined || chunk.citations !== undefined) this.readSources(chunk, out);

    const choices = chunk.choices;
    const choice = Array.isArray(choices) ? ((choices[0]?.index ?? 0) === 0 ? choices[0] : choices.find((c) => (c?.index ?? 0) === 0)) : undefined;
    const delta = isRecord(choice?.delta) ? choice.delta : undefined;
    if (delta) {
      const reasoning = typeof delta.reasoning_content === 'string' ? delta.reasoning_content : typeof delta.reasoning === 'string' ? delta.reasoning : '';
      if (reasoning !== '') this.reasoning(reasoning, out);
      const content = delta.content;
      if (typeof content === 'string') {
        if (content !== '') this.text(content, out);
      } else if (Array.isArray(content)) {
        for (const part of content) this.contentPart(part, out);
      }
      if (typeof delta.refusal === 'string' && delta.refusal !== '') {
        this.refused = true;
        this.text(delta.refusal, out);
      }
      const toolCalls = delta.tool_calls;
      if (Array.isArray(toolCalls)) for (let position = 0; position < toolCalls.length; position++) this.toolCall(toolCalls[position], position, out);
    }
    if (choice?.finish_reason) {
      this.rawFinishReason = choice.finish_reason;
      this.endToolCalls(out);
    }
    // e.g. metadata in the delta: alive, but an empty delta is no sign of work (timeout.idleMs)
    if (!this.emitted && carriesData(delta)) this.emit({ type: 'activity' });
  }

  /** The stream ended with a finish reason: what is still open, then the `finish` part. */
  finish(): void {
    this.endReasoning(this.emit);
    this.endToolCalls(this.emit);
    const raw = this.rawFinishReason ?? null;
    const finishReason: FinishReason = this.refused ? 'content_filter' : mapOpenAIFinishReason(raw);
    const part: DriverStreamPart = { type: 'finish', finishReason, rawFinishReason: raw };
    if (this.usage) part.usage = normaliseOpenAIUsage(this.usage);
    if (this.responseId) part.responseId = this.responseId;
    this.emit(part);
  }

  private text(text: string, out: (part: DriverStreamPart) => void): void {
    this.endReasoning(out);
    out({ type: 'text-delta', text });
  }

  private reasoning(text: string, out: (part: DriverStreamPart) => void): void {
    this.reasoningOpen = true;
    out({ type: 'reasoning-delta', text });
  }

  private endReasoning(out: (part: DriverStreamPart) => void): void {
    if (!this.reasoningOpen) return;
    this.reasoningOpen = false;
    out({ type: 'reasoning-end' });
  }

  /** Mistral: `{ type: 'text', text }` or `{ type: 'thinking', thinking: [{ type: 'text', text }] | string }`. */
  private contentPart(part: unknown, out: (part: DriverStreamPart) => void): void {
    if (typeof part === 'string') {
      if (part !== '') this.text(part, out);
      return;
    }
    if (!isRecord(part)) return;
    if (part.type === 'text' && typeof part.text === 'string') {
      if (part.text !== '') this.text(part.text, out);
    } else if (part.type === 'thinking') {
      const thinking = part.thinking;
      const pieces =
        typeof thinking === 'string'
          ? [thinking]
          : Array.isArray(thinking)
            ? thinking.map((t) => (isRecord(t) && typeof t.text === 'string' ? t.text : typeof t === 'string' ? t : ''))
            : [];
      for (const piece of pieces) if (piece !== '') this.reasoning(piece, out);
    }
  }

  private toolCall(call: unknown, position: number, out: (part: DriverStreamPart) => void): void {
    if (!isRecord(call)) return;
    const index = typeof call.index === 'number' ? call.index : position;
    const fn = call.function;
    // the per-token path: one more argument piece of the call under way (no map lookup)
    const streaming = this.streaming;
    if (streaming !== undefined && index === this.streamingIndex && typeof fn === 'object' && fn !== null) {
      const piece = (fn as { arguments?: unknown }).arguments;
      if (typeof piece === 'string') {
        if (piece !== '') {
          streaming.args += piece;
          out({ type: 'tool-call-delta', id: streaming.id, argsTextDelta: piece });
        }
        return;
      }
    }
    this.toolCallPart(call, index, isRecord(fn) ? fn : {}, out);
  }

  /** A piece of a call that is not the one under way: its start, its name or id, or a parallel call's arguments. */
  private toolCallPart(call: Record<string, unknown>, index: number, fn: Record<string, unknown>, out: (part: DriverStreamPart) => void): void {
    let pending = this.calls.get(index);
    if (pending !== undefined && pending.started && !pending.ended && typeof fn.arguments === 'string') {
      const piece = fn.arguments;
      this.streaming = pending;
      this.streamingIndex = index;
      if (piece !== '') {
        pending.args += piece;
        out({ type: 'tool-call-delta', id: pending.id, argsTextDelta: piece });
      }
      return;
    }
    if (!pending) {
      pending = { id: '', name: '', args: '', started: false, ended: false };
      this.calls.set(index, pending);
    }
    if (pending.ended) return;
    if (typeof call.id === 'string' && call.id !== '' && !pending.started) pending.id = call.id;
    if (typeof fn.name === 'string' && fn.name !== '' && !pending.started) pending.name += fn.name;
    const piece = typeof fn.arguments === 'string' ? fn.arguments : '';
    if (!pending.started && pending.name !== '') {
      this.endReasoning(out);
      pending.id ||= `call_${index}`;
      pending.started = true;
      this.streaming = pending;
      this.streamingIndex = index;
      out({ type: 'tool-call-start', id: pending.id, name: pending.name });
      // pieces that came before the name
      if (pending.args !== '') out({ type: 'tool-call-delta', id: pending.id, argsTextDelta: pending.args });
    }
    if (piece !== '') {
      pending.args += piece;
      if (pending.started) out({ type: 'tool-call-delta', id: pending.id, argsTextDelta: piece });
    }
  }

  private endToolCalls(out: (part: DriverStreamPart) => void): void {
    this.streaming = undefined;
    this.streamingIndex = -1;
    for (const [index, pending] of [...this.calls.entries()].sort((a, b) => a[0] - b[0])) {
      if (pending.ended) continue;
      pending.ended = true;
      if (!pending.started) {
        pending.id ||= `call_${index}`;
        out({ type: 'tool-call-start', id: pending.id, name: pending.name });
        if (pending.args !== '') out({ type: 'tool-call-delta', id: pending.id, argsTextDelta: pending.args });
      }
      out({ type: 'tool-call-end', id: pending.id, name: pending.name, argsText: pending.args });
    }
  }

  /** Perplexity: `citations: string[]` and `search_results: { url, title }[]` on the chunks. */
  private readSources(chunk: OpenAIChatChunk, out: (part: DriverStreamPart) => void): void {
    const add = (url: unknown, title?: unknown) => {
      if (typeof url !== 'string' || url === '' || this.sources.has(url)) return;
      this.sources.add(url);
      out(typeof title === 'string' && title !== '' ? { type: 'source', url, title } : { type: 'source', url });
    };
    if (Array.isArray(chunk.search_results)) for (const result of chunk.search_results) if (isRecord(result)) add(result.url, result.title);
    if (Array.isArray(chunk.citations))
      for (const citation of chunk.citations) add(typeof citation === 'string' ? citation : isRecord(citation) ? citation.url : undefined);
  }
}

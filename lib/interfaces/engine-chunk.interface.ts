import type { EngineUsage } from './engine-usage.interface.js';
import type { EngineWarning } from './engine-warning.interface.js';
import type { StructuredOutputMode } from './engine-call-options.interface.js';
import type { FinishReason } from './finish-reason.type.js';
import type { EngineSource, StepResult, ToolCall, ToolCallDelta, ToolResult } from './tool.interface.js';

/**
 * One piece of a streamed answer. `index` counts chunks from 0. The last chunk of a
 * successful stream carries `finishReason` (and `usage` when the provider reports it);
 * its `content` may be empty.
 *
 * `content` is answer text only. A chunk that carries something else has `content: ''` and
 * one of `reasoning`, `toolCallDelta`, `toolCall`, `toolResult`, `toolApproval`, `source`.
 */
export interface EngineChunk {
  content: string;
  /** Reasoning text (opt-in, see `reasoning` in the call options). */
  reasoning?: string;
  /** A piece of a tool call's argument text, while it streams. */
  toolCallDelta?: ToolCallDelta;
  /** A tool call whose arguments are complete and parsed. */
  toolCall?: ToolCall;
  /** The outcome of a tool the engine executed. */
  toolResult?: ToolResult;
  /** A tool call that waits for the caller's approval before it runs. */
  toolApproval?: ToolCall;
  /** A cited source. */
  source?: EngineSource;
  /** On the last chunk: every tool call, result and model step of the answer. */
  toolCalls?: ToolCall[];
  toolResults?: ToolResult[];
  steps?: StepResult[];
  role: 'assistant';
  /** The engine (configured name) that produced it: after a fallback, the one that answered. */
  engine: string;
  model: string;
  index: number;
  finishReason: FinishReason | null;
  rawFinishReason?: string | null;
  usage?: EngineUsage;
  /** Present on the first chunk when the provider could not honour some option. */
  warnings?: EngineWarning[];
  /** On the first chunk of an answer asked for with `responseFormat`: how the driver honoured it. */
  structuredOutputMode?: StructuredOutputMode;
}

/** A whole answer, as `EngineService.send()` returns it. */
export interface EngineResponse {
  role: 'assistant';
  content: string;
  engine: string;
  model: string;
  usage: EngineUsage | null;
  finishReason: FinishReason;
  rawFinishReason: string | null;
  warnings: EngineWarning[];
  /** Reasoning text, when asked for and sent. */
  reasoning?: string;
  toolCalls?: ToolCall[];
  toolResults?: ToolResult[];
  steps?: StepResult[];
  sources?: EngineSource[];
}

import type { EngineUsage } from './engine-usage.interface.js';
import type { FinishReason } from './finish-reason.type.js';

/** A JSON Schema object, as tools and structured output send it to providers. */
export type JsonSchema = Record<string, unknown>;

/** A tool as a driver sends it to the provider: name, description and JSON Schema parameters. */
export interface DriverToolDefinition {
  name: string;
  description?: string;
  /** JSON Schema of the arguments (`type: 'object'`). */
  parameters: JsonSchema;
}

/** `auto` (the model decides), `none`, `required` (some tool), or `{ name }` (that tool). */
export type ToolChoice = 'auto' | 'none' | 'required' | { name: string };

/** A tool call the model made, its arguments parsed. */
export interface ToolCall {
  /** The provider's call id (generated when the provider sends none, e.g. Gemini). */
  id: string;
  name: string;
  /** Parsed arguments; `{}` when the model sent none. */
  args: unknown;
  /** Provider data that must travel back with the call on the next turn (e.g. Gemini `thoughtSignature`). */
  providerMetadata?: Record<string, unknown>;
}

/** Streamed arguments of a tool call: one piece of the raw JSON text. */
export interface ToolCallDelta {
  id: string;
  name: string;
  argsTextDelta: string;
}

/** The outcome of one tool call: `result` when it ran, `error` when it did not. */
export interface ToolResult {
  id: string;
  name: string;
  result?: unknown;
  error?: { message: string };
  /** The user denied the call (`needsApproval`): it did not run, and `error.message` says so. */
  denied?: true;
}

/** A cited source (Perplexity citations, Claude web search, Gemini grounding). */
export interface EngineSource {
  url: string;
  title?: string;
}

/** One model call inside an answer (a tool loop makes several). */
export interface StepResult {
  /** 0-based. */
  index: number;
  text: string;
  reasoning?: string;
  toolCalls: ToolCall[];
  toolResults: ToolResult[];
  finishReason: FinishReason;
  rawFinishReason: string | null;
  usage?: EngineUsage;
}

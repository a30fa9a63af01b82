import type { ConversationLike } from './conversation-like.interface.js';
import type { ToolApproval } from '../tools/tool-definition.interface.js';
import type { ToolsOption } from '../tools/resolve-tools.js';
import type { EngineFinishHook } from './engine-finish.interface.js';
import type { DriverToolDefinition, JsonSchema, ToolChoice } from './tool.interface.js';

/** Opt-in reasoning ("thinking"): OpenAI `reasoning_effort`, Claude `thinking`, Gemini `thinkingConfig`. */
export interface ReasoningOptions {
  effort?: 'low' | 'medium' | 'high';
  /** Token budget for reasoning (Claude `budget_tokens`, Gemini `thinkingBudget`). */
  budgetTokens?: number;
}

/**
 * What shape the answer text must have, as a driver maps it: `json` with a `schema` asks for
 * the provider's native structured output (OpenAI `json_schema` strict, Claude
 * `output_format`, Gemini `responseSchema`); `json` without one asks for JSON mode.
 */
export interface ResponseFormat {
  type: 'json';
  schema?: JsonSchema;
  /** Schema name where the provider wants one (OpenAI). */
  name?: string;
  description?: string;
}

/**
 * Claude prompt caching: cache breakpoints (`cache_control: { type: 'ephemeral' }`) after the
 * system prompt and after the tool definitions. Mark messages with `cacheControl: true` to cache
 * the conversation up to them. Other providers ignore it.
 */
export interface CacheControlOptions {
  system?: boolean;
  tools?: boolean;
}

/**
 * How a driver honoured `responseFormat`, strongest first: `json_schema` (OpenAI strict
 * structured output), `native` (the provider's own schema mode: Claude output format, Gemini
 * `responseSchema`), `tool` (a forced tool call whose arguments are the object), `json_object`
 * (JSON mode without the schema), `prompt` (the schema in the system prompt only).
 */
export type StructuredOutputMode = 'json_schema' | 'json_object' | 'prompt' | 'native' | 'tool';

/** Retry policy for retryable provider errors (408/409/429/5xx, connection failures). */
export interface RetryOptions {
  /** Retries after the first attempt, per engine. Default 2. */
  maxRetries?: number;
  /** First backoff delay in ms, doubled each retry, with full jitter. Default 500. */
  initialDelayMs?: number;
  /** Upper bound of one backoff delay in ms. Default 8000. */
  maxDelayMs?: number;
  /**
   * What to do when a stream fails after content was already sent:
   * `'error'` (default) ends it with the error; `'restart'` starts the answer again and
   * first reports a `retry` event with `reset: true` so the client drops the partial text.
   */
  afterContent?: 'error' | 'restart';
}

/** Timeouts for one provider call, in ms. */
export interface TimeoutOptions {
  /** Until the provider accepts the request (response headers). Default 30000. */
  firstByteMs?: number;
  /**
   * Longest silence between two chunks before the stream counts as stalled. Only data counts:
   * an empty delta (no text, reasoning or tool data) does not reset it. Default 60000.
   */
  idleMs?: number;
  /**
   * Overall deadline for one answer, from the call to its last chunk, retries and fallbacks
   * included: past it the answer fails with a `connection` error (not retried). Default 600000 (10 min).
   */
  totalMs?: number;
}

/** Per-call settings. Anything left out falls back to the engine's configuration. */
export interface EngineCallOptions {
  /** Configured engine name; defaults to `engine.default`. */
  engine?: string;
  model?: string;
  temperature?: number;
  maxTokens?: number;
  topP?: number;
  stop?: string | string[];
  presencePenalty?: number;
  frequencyPenalty?: number;
  /** End-user id passed to providers that accept one (abuse monitoring). */
  user?: string;
  /** Provider-specific settings, merged into the request body as they are. */
  providerOptions?: Record<string, unknown>;
  /** Engines to try in order when this one fails for good. Overrides `engine.fallback`. */
  fallback?: string[];
  retry?: RetryOptions;
  timeout?: TimeoutOptions;
  /** Stores the exchange in this conversation (see MemoryService). */
  conversation?: ConversationLike;
  /** Aborts the call, like unsubscribing. */
  signal?: AbortSignal;
  /** Opt-in reasoning; reasoning text streams apart from the answer. */
  reasoning?: ReasoningOptions;
  /** Claude prompt caching of the system prompt and tools (see {@link CacheControlOptions}). */
  cacheControl?: CacheControlOptions;
  /**
   * Tools the model may call: tools by name (`{ add: { description, parameters, execute } }`),
   * names of `@Tool()` methods or registered tools (`['add']`), or a list of both.
   */
  tools?: ToolsOption;
  /** `auto` (default), `none`, `required` (some tool), or a tool's name (that tool). */
  toolChoice?: 'auto' | 'none' | 'required' | (string & {}) | { name: string };
  /** Whether the model may make several calls in one step (providers that support the switch). */
  parallelToolCalls?: boolean;
  /**
   * Model calls per answer, 1–100. 1 (default): tool calls are returned, not executed. Above 1:
   * the calls of tools with `execute` run, and the model is called again with their results,
   * until it answers without calls or the bound is hit (the last step's calls are returned).
   */
  maxSteps?: number;
  /**
   * Decisions on calls that waited for approval (`tool_approval`): approved calls run and
   * denied ones are reported to the model as denied, before the model is called again. The
   * pending calls are found in the history (the conversation's, or the messages given).
   */
  toolApprovals?: ToolApproval[];
  /** Called once when this answer ends (done, failed or aborted), after the module's `onFinish`. */
  onFinish?: EngineFinishHook;
  /** The answer's shape (JSON, with a schema). `EngineService.object()` sets it for you. */
  responseFormat?: ResponseFormat;
}

/** Options after defaults are applied, as a driver receives them. */
export interface DriverCallOptions {
  model: string;
  temperature?: number;
  maxTokens?: number;
  topP?: number;
  stop?: string[];
  presencePenalty?: number;
  frequencyPenalty?: number;
  user?: string;
  providerOptions?: Record<string, unknown>;
  /** Tools the model may call, already converted to JSON Schema. */
  tools?: DriverToolDefinition[];
  toolChoice?: ToolChoice;
  parallelToolCalls?: boolean;
  reasoning?: ReasoningOptions;
  responseFormat?: ResponseFormat;
  cacheControl?: CacheControlOptions;
}

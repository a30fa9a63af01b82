import { ErrorMessages } from '../../errors/error-messages.js';
import type { DriverCallOptions, ReasoningOptions } from '../../interfaces/engine-call-options.interface.js';
import type { ClaudeEngineConfig } from '../../interfaces/provider-engine-config.interface.js';
import type { EngineWarning } from '../../interfaces/engine-warning.interface.js';
import type { DriverRequest } from '../engine-driver.interface.js';
import type { ClaudeRequestBody, ClaudeTextBlock, ClaudeTool, ClaudeToolChoice } from './claude-api.types.js';
import { convertToClaudeMessages } from './convert-to-claude-messages.js';

/** `max_tokens` is required by Claude: used when neither the call nor the configuration sets it. */
export const CLAUDE_DEFAULT_MAX_TOKENS = 4096;

/** Thinking budgets for `reasoning.effort` (Claude's minimum is 1024). */
export const CLAUDE_THINKING_BUDGETS: Readonly<Record<'low' | 'medium' | 'high', number>> = { low: 1024, medium: 4096, high: 16384 };
/** The smallest `budget_tokens` Claude accepts. */
export const CLAUDE_MIN_THINKING_BUDGET = 1024;

/** The name of the tool a structured answer is forced through, when that mode is asked for. */
export const CLAUDE_JSON_TOOL = 'json_answer';

/** How the answer's JSON shape is obtained (see `response-start`'s `structuredOutputMode`). */
export type ClaudeStructuredOutputMode = 'native' | 'tool' | 'prompt';

const PROVIDER = 'claude';
/** Sampling settings removed by Anthropic API version 2026-10-21, which the SDK 1.x sends. */
const REMOVED_IN_API = 'removed in Anthropic API version 2026-10-21';
const EPHEMERAL = { type: 'ephemeral' } as const;
const JSON_PROMPT = 'Answer with one JSON value only: no prose before or after it, no code fence.';

/** One call's request, what could not be honoured, and how structured output is done. */
export interface ClaudeRequest {
  body: ClaudeRequestBody;
  warnings: EngineWarning[];
  structuredOutputMode?: ClaudeStructuredOutputMode;
  /** Set in `tool` mode: this tool's input is the answer, streamed as text. */
  jsonTool?: string;
}

function thinkingBudget(reasoning: ReasoningOptions, warnings: EngineWarning[]): number {
  const asked = reasoning.budgetTokens ?? CLAUDE_THINKING_BUDGETS[reasoning.effort ?? 'medium'];
  if (asked >= CLAUDE_MIN_THINKING_BUDGET) return Math.floor(asked);
  warnings.push({
    type: 'other',
    option: 'reasoning',
    message: `claude needs a thinking budget of at least ${CLAUDE_MIN_THINKING_BUDGET} tokens; ${asked} was raised to ${CLAUDE_MIN_THINKING_BUDGET}.`,
  });
  return CLAUDE_MIN_THINKING_BUDGET;
}

function toolChoice(options: DriverCallOptions): ClaudeToolChoice | undefined {
  const parallel = options.parallelToolCalls === false ? { disable_parallel_tool_use: true } : {};
  const choice = options.toolChoice;
  if (choice === undefined) return options.parallelToolCalls === false ? { type: 'auto', ...parallel } : undefined;
  if (choice === 'none') return { type: 'none' };
  if (choice === 'auto') return { type: 'auto', ...parallel };
  if (choice === 'required') return { type: 'any', ...parallel };
  return { type: 'tool', name: choice.name, ...parallel };
}

/**
 * The request body for one call, and what could not be honoured:
 * - `temperature` and `topP` (removed in API 2026-10-21), `presencePenalty`, `frequencyPenalty`:
 *   warnings, not sent;
 * - `tools` → `tools` with `input_schema`; `toolChoice` `auto` / `required` (`any`) / a name
 *   (`tool`) / `none`; `parallelToolCalls: false` → `disable_parallel_tool_use`;
 * - `reasoning` → `thinking: { type: 'enabled', budget_tokens }` (`budgetTokens`, or low 1024,
 *   medium 4096, high 16384); `max_tokens` is raised above the budget when it is not;
 *   Claude cannot force a tool while thinking, so a forced `toolChoice` drops the thinking, with a warning;
 * - `responseFormat` with a schema → native structured output (`output_config.format`), or, with
 *   `providerOptions: { structuredOutput: 'tool' }`, a forced tool call whose input is the answer;
 *   without a schema → an instruction in the system prompt;
 * - `cacheControl` → `cache_control: { type: 'ephemeral' }` on the system prompt and the last tool;
 * - `providerOptions` are merged last, as they are.
 */
export function buildClaudeRequest(request: DriverRequest, config: Pick<ClaudeEngineConfig, 'maxTokens'> = {}): ClaudeRequest {
  const options: DriverCallOptions = request.options;
  const { structuredOutput, ...providerOptions } = (options.providerOptions ?? {}) as Record<string, unknown>;
  const warnings: EngineWarning[] = [];
  const unsupported = (option: keyof DriverCallOptions, detail?: string) => {
    if (options[option] !== undefined) {
      warnings.push({ type: 'unsupported-option', option, message: ErrorMessages.optionNotSupported(PROVIDER, option, detail) });
    }
  };
  unsupported('temperature', REMOVED_IN_API);
  unsupported('topP', REMOVED_IN_API);
  unsupported('presencePenalty');
  unsupported('frequencyPenalty');

  const format = options.responseFormat;
  let structuredOutputMode: ClaudeStructuredOutputMode | undefined;
  let jsonTool: string | undefined;
  if (format?.type === 'json') {
    structuredOutputMode = !format.schema ? 'prompt' : structuredOutput === 'tool' ? 'tool' : 'native';
  }

  const { system, messages } = convertToClaudeMessages(request.messages, { cacheSystem: options.cacheControl?.system === true });
  let systemField = system;
  if (structuredOutputMode === 'prompt') {
    if (systemField === undefined) systemField = JSON_PROMPT;
    else if (typeof systemField === 'string') systemField = `${systemField}\n\n${JSON_PROMPT}`;
    else systemField = [...systemField, { type: 'text', text: JSON_PROMPT } satisfies ClaudeTextBlock];
  }

  const tools: ClaudeTool[] = (options.tools ?? []).map((tool) => ({
    name: tool.name,
    ...(tool.description !== undefined && { description: tool.description }),
    input_schema: tool.parameters,
  }));
  let choice = toolChoice(options);
  if (structuredOutputMode === 'tool' && format?.schema) {
    jsonTool = CLAUDE_JSON_TOOL;
    tools.push({ name: jsonTool, description: format.description ?? 'Give the answer as the input of this tool.', input_schema: format.schema });
    choice = { type: 'tool', name: jsonTool };
  }
  if (tools.length > 0 && options.cacheControl?.tools) tools[tools.length - 1].cache_control = EPHEMERAL;

  let maxTokens = options.maxTokens ?? config.maxTokens ?? CLAUDE_DEFAULT_MAX_TOKENS;
  let thinking: ClaudeRequestBody['thinking'];
  if (options.reasoning) {
    if (choice?.type === 'any' || choice?.type === 'tool') {
      warnings.push({
        type: 'other',
        option: 'reasoning',
        message:
          'claude cannot think while a tool call is forced (toolChoice required, a tool name, or structured output through a tool); reasoning was not sent.',
      });
    } else {
      const budget = thinkingBudget(options.reasoning, warnings);
      thinking = { type: 'enabled', budget_tokens: budget };
      if (maxTokens <= budget) {
        // max_tokens counts the thinking too: keep the room the caller asked for, for the answer
        if (options.maxTokens !== undefined || config.maxTokens !== undefined) {
          warnings.push({
            type: 'other',
            option: 'maxTokens',
            message: `claude needs max_tokens above the thinking budget (${budget}); ${maxTokens} was raised to ${budget + maxTokens}.`,
          });
        }
        maxTokens = budget + maxTokens;
      }
    }
  }

  const body: ClaudeRequestBody = {
    model: options.model,
    max_tokens: maxTokens,
    messages,
    ...(systemField !== undefined && { system: systemField }),
    ...(options.stop?.length && { stop_sequences: options.stop }),
    ...(options.user !== undefined && { metadata: { user_id: options.user } }),
    ...(tools.length > 0 && { tools }),
    ...(choice !== undefined && { tool_choice: choice }),
    ...(thinking && { thinking }),
    ...(structuredOutputMode === 'native' && format?.schema && { output_config: { format: { type: 'json_schema' as const, schema: format.schema } } }),
    ...providerOptions,
  };
  return { body, warnings, ...(structuredOutputMode && { structuredOutputMode }), ...(jsonTool && { jsonTool }) };
}

import type { EngineMessage } from '../interfaces/engine-message.interface.js';
import type { JsonSchema } from '../interfaces/tool.interface.js';

/** What a tool's `execute` receives besides its arguments. */
export interface ToolExecutionContext {
  /** The call's id, as the model sent it. */
  callId: string;
  /** Fires when the stream is unsubscribed (client gone, stop) or the tool's timeout passes. */
  signal: AbortSignal;
  /** The messages of the call so far (history, input, earlier steps). */
  messages: readonly EngineMessage[];
  /** 0-based index of the model step that made the call. */
  step: number;
}

/** A class whose instances a tool takes as arguments (class-validator decorators on its fields). */
export type ToolParametersClass<T extends object = object> = new (...args: any[]) => T;

/**
 * A tool the model may call. `parameters` is a JSON Schema (`type: 'object'`), or a
 * class-validator DTO class (converted to JSON Schema; arguments are validated and
 * transformed into an instance before `execute`). Without `execute`, the call is returned to
 * the caller to handle.
 */
export interface ToolDefinition<Args = any, Result = unknown> {
  description?: string;
  parameters: JsonSchema | ToolParametersClass;
  execute?: (args: Args, context: ToolExecutionContext) => Result | Promise<Result>;
  /** The call waits for the caller's approval before it runs (see `toolApprovals`). */
  needsApproval?: boolean | ((args: Args) => boolean | Promise<boolean>);
  /** Longest run of `execute` in ms before the call fails with a timeout (its signal fires). Default 60000. */
  timeoutMs?: number;
}

/** Tools by name, as a call's `tools` option takes them. */
export type ToolSet = Record<string, ToolDefinition>;

/** The caller's decision on a call that waited for approval (`tool_approval`). */
export interface ToolApproval {
  /** The id of the pending call. */
  id: string;
  approved: boolean;
  /** Told to the model when the call is denied. */
  reason?: string;
}

/** Default of `ToolDefinition.timeoutMs`. */
export const DEFAULT_TOOL_TIMEOUT_MS = 60_000;

/** A tool with JSON Schema parameters; `Args` types `execute`'s arguments. */
export function tool<Args = Record<string, unknown>, Result = unknown>(
  definition: ToolDefinition<Args, Result> & { parameters: JsonSchema },
): ToolDefinition<Args, Result>;
/** A tool whose parameters are a DTO class: `execute` gets a validated instance. */
export function tool<T extends object, Result = unknown>(
  definition: ToolDefinition<T, Result> & { parameters: ToolParametersClass<T> },
): ToolDefinition<T, Result>;
export function tool(definition: ToolDefinition): ToolDefinition {
  return definition;
}

import type { ToolCall, ToolResult } from '../interfaces/tool.interface.js';
import type { ReceivedToolCall, ToolRunContext } from '../tools/execute-tool-call.js';
import { runToolCalls } from '../tools/run-tool-calls.js';

/** What a step's tools left to do. */
export type ToolStepEnd =
  /** Every call ran: the model is called again and hears the results. */
  | { next: 'model'; results: ToolResult[] }
  /** Some calls wait (approval, or a tool without `execute`): the answer ends here. */
  | { next: 'end'; results: ToolResult[]; approvals: ToolCall[] };

/**
 * The tool step of the loop: runs the calls of one model step (concurrently, see
 * runToolCalls; `onResult` hears each result as it is known), then says whether the model
 * is called again or the answer ends with calls left to the caller.
 */
export async function toolStep(calls: readonly ReceivedToolCall[], context: ToolRunContext, onResult: (result: ToolResult) => void): Promise<ToolStepEnd> {
  const outcome = await runToolCalls(calls, context, onResult);
  if (outcome.approvals.length > 0 || outcome.unexecuted.length > 0) return { next: 'end', results: outcome.results, approvals: outcome.approvals };
  return { next: 'model', results: outcome.results };
}

import type { ToolCall, ToolResult } from '../interfaces/tool.interface.js';
import { callNeedsApproval, prepareToolCall, runTool, type ReceivedToolCall, type ToolRunContext } from './execute-tool-call.js';

/** What became of one step's tool calls. */
export interface ToolStepOutcome {
  /** Results in the order of the calls (errors included); calls below have none. */
  results: ToolResult[];
  /** Calls that wait for the caller's approval. */
  approvals: ToolCall[];
  /** Calls of tools without `execute`: the caller handles them. */
  unexecuted: ToolCall[];
}

/**
 * Runs one step's tool calls concurrently. A call that cannot run (unknown tool, arguments
 * that are not JSON or fail validation) gets an error result without running; `onResult`
 * hears each result as soon as it is known.
 */
export async function runToolCalls(
  calls: readonly ReceivedToolCall[],
  context: ToolRunContext,
  onResult: (result: ToolResult) => void,
): Promise<ToolStepOutcome> {
  const approvals: ToolCall[] = [];
  const unexecuted: ToolCall[] = [];
  const outcomes = await Promise.all(
    calls.map(async (call): Promise<ToolResult | undefined> => {
      const { argsJson: _argsJson, ...plain } = call;
      const prepared = await prepareToolCall(call, context.tools);
      if ('error' in prepared) {
        onResult(prepared.error);
        return prepared.error;
      }
      const tool = context.tools.get(call.name)!;
      if (!tool.definition.execute) {
        unexecuted.push(plain);
        return undefined;
      }
      if (await callNeedsApproval(tool, prepared.args)) {
        approvals.push(plain);
        return undefined;
      }
      const result = await runTool(plain, tool, prepared.args, context);
      if (!context.signal.aborted) onResult(result);
      return result;
    }),
  );
  const order = new Map(calls.map((call, i) => [call.id, i]));
  const byCallOrder = (a: ToolCall, b: ToolCall) => order.get(a.id)! - order.get(b.id)!;
  return {
    results: outcomes.filter((r): r is ToolResult => r !== undefined),
    approvals: approvals.sort(byCallOrder),
    unexecuted: unexecuted.sort(byCallOrder),
  };
}

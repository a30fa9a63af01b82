import type { EngineMessage, ToolCallPart, ToolResultPart } from '../interfaces/engine-message.interface.js';
import type { ToolResult } from '../interfaces/tool.interface.js';
import { prepareToolCall, runTool, type ToolRunContext } from './execute-tool-call.js';
import { pairToolMessages, unansweredToolCalls } from './pair-tool-messages.js';
import type { ToolApproval } from './tool-definition.interface.js';
import { ToolMessages } from './tool-messages.js';

/** The history with every call answered, and the results this request produced (approved or denied calls). */
export interface ContinuedCalls {
  messages: EngineMessage[];
  results: ToolResult[];
}

/**
 * Before the first model call: calls of the history that have no result yet get one. An
 * approved call runs (its arguments checked first), a denied one is answered as denied; a
 * call with no decision is answered as not executed, so providers accept the history.
 */
export async function continuePendingCalls(
  messages: EngineMessage[],
  approvals: readonly ToolApproval[] | undefined,
  context: ToolRunContext,
): Promise<ContinuedCalls> {
  const pending = unansweredToolCalls(messages);
  if (pending.length === 0) return { messages: pairToolMessages(messages, notExecuted), results: [] };
  const decisions = new Map((approvals ?? []).map((approval) => [approval.id, approval]));
  const results = await Promise.all(
    pending
      .filter((call) => decisions.has(call.id))
      .map(async (call): Promise<ToolResult> => {
        const decision = decisions.get(call.id)!;
        if (!decision.approved) return { id: call.id, name: call.name, error: { message: ToolMessages.denied(call.name, decision.reason) }, denied: true };
        const prepared = await prepareToolCall({ id: call.id, name: call.name, args: call.args, argsJson: true }, context.tools);
        if ('error' in prepared) return prepared.error;
        return runTool({ id: call.id, name: call.name, args: call.args }, context.tools.get(call.name)!, prepared.args, context);
      }),
  );
  const withResults =
    results.length > 0 ? [...messages, { role: 'tool' as const, content: results.map((r): ToolResultPart => ({ type: 'tool-result', ...r })) }] : messages;
  return { messages: pairToolMessages(withResults, notExecuted), results };
}

function notExecuted(call: ToolCallPart): ToolResultPart {
  return { type: 'tool-result', id: call.id, name: call.name, error: { message: ToolMessages.notExecuted(call.name) } };
}

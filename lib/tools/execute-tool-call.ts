import { redactSecrets } from '../errors/redact.js';
import type { EngineMessage } from '../interfaces/engine-message.interface.js';
import type { ToolCall, ToolResult } from '../interfaces/tool.interface.js';
import type { ResolvedTool } from './resolve-tools.js';
import { ToolMessages } from './tool-messages.js';

/** A tool call as the engine received it: `argsJson` false when its argument text did not parse. */
export interface ReceivedToolCall extends ToolCall {
  argsJson: boolean;
}

/** What one tool run needs besides the call. */
export interface ToolRunContext {
  tools: Map<string, ResolvedTool>;
  /** Fires when the stream is unsubscribed. */
  signal: AbortSignal;
  messages: readonly EngineMessage[];
  step: number;
}

function failure(call: ToolCall, message: string): ToolResult {
  return { id: call.id, name: call.name, error: { message } };
}

function messageOf(error: unknown): string {
  return redactSecrets(error instanceof Error ? error.message : String(error));
}

/** What a call needs before it can run: an error result when it cannot run at all (unknown tool, bad arguments). */
export async function prepareToolCall(call: ReceivedToolCall, tools: Map<string, ResolvedTool>): Promise<{ args: unknown } | { error: ToolResult }> {
  const tool = tools.get(call.name);
  if (!tool) return { error: failure(call, ToolMessages.notFound(call.name, [...tools.keys()])) };
  if (!call.argsJson) return { error: failure(call, ToolMessages.argumentsNotJson(call.name)) };
  try {
    const prepared = await tool.prepare(call.args);
    return prepared.ok ? { args: prepared.value } : { error: failure(call, prepared.message) };
  } catch (error) {
    return { error: failure(call, ToolMessages.badArguments(call.name, [messageOf(error)])) };
  }
}

/** Whether a call must wait for approval; a `needsApproval` function that throws counts as yes. */
export async function callNeedsApproval(tool: ResolvedTool, args: unknown): Promise<boolean> {
  const rule = tool.definition.needsApproval;
  if (typeof rule !== 'function') return rule === true;
  try {
    return (await rule(args)) === true;
  } catch {
    return true;
  }
}

/** The value as JSON (what goes back to the model and into memory); undefined becomes null. */
function asJson(value: unknown): unknown {
  const text = JSON.stringify(value === undefined ? null : value);
  return text === undefined ? null : (JSON.parse(text) as unknown);
}

/**
 * Runs one tool with prepared arguments. Never throws: a throw, a timeout (`timeoutMs`), an
 * abort of the stream, or a result that is not JSON becomes an error result. The tool's
 * signal fires on timeout and on abort; the run stops waiting for it then.
 */
export async function runTool(call: ToolCall, tool: ResolvedTool, args: unknown, context: ToolRunContext): Promise<ToolResult> {
  const execute = tool.definition.execute;
  if (!execute) return failure(call, ToolMessages.notExecuted(call.name));
  const controller = new AbortController();
  let stop: (reason: string) => void = () => undefined;
  const stopped = new Promise<never>((_, reject) => {
    stop = (reason) => reject(new Error(reason));
  });
  stopped.catch(() => undefined);
  // the reason first, so that a tool that rejects on its signal does not hide it
  const onAbort = () => {
    stop(ToolMessages.aborted(call.name));
    controller.abort();
  };
  if (context.signal.aborted) return failure(call, ToolMessages.aborted(call.name));
  context.signal.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(() => {
    stop(ToolMessages.timedOut(call.name, tool.timeoutMs));
    controller.abort();
  }, tool.timeoutMs);
  try {
    const value = await Promise.race([
      Promise.resolve().then(() => execute(args, { callId: call.id, signal: controller.signal, messages: context.messages, step: context.step })),
      stopped,
    ]);
    try {
      return { id: call.id, name: call.name, result: asJson(value) };
    } catch {
      return failure(call, ToolMessages.notSerialisable(call.name));
    }
  } catch (error) {
    if (controller.signal.aborted) return failure(call, messageOf(error));
    return failure(call, ToolMessages.failed(call.name, messageOf(error)));
  } finally {
    clearTimeout(timer);
    context.signal.removeEventListener('abort', onAbort);
  }
}

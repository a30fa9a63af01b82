import type { EngineMessage, ToolResultPart } from '../../interfaces/engine-message.interface.js';
import type { DriverToolDefinition } from '../../interfaces/tool.interface.js';
import type { DriverRequest } from '../engine-driver.interface.js';
import type { OfflineStep } from './offline-engine-config.interface.js';

/** Which step of an answer a request is: the assistant messages since the last user message. */
export function stepIndexOf(messages: readonly EngineMessage[]): number {
  let steps = 0;
  for (let i = messages.length - 1; i >= 0; i--) {
    if (messages[i].role === 'user') break;
    if (messages[i].role === 'assistant') steps++;
  }
  return steps;
}

function textOf(message: EngineMessage): string {
  return typeof message.content === 'string' ? message.content : message.content.map((p) => (p.type === 'text' ? p.text : '')).join(' ');
}

/** Arguments for a tool from a prompt: its numbers fill the number properties in order, a quoted text the string ones. */
function argsFromPrompt(tool: DriverToolDefinition, prompt: string): Record<string, unknown> {
  const numbers = (prompt.match(/-?\d+(?:\.\d+)?/g) ?? []).map(Number);
  const quoted = /"([^"]*)"|'([^']*)'/.exec(prompt);
  const properties = (tool.parameters.properties ?? {}) as Record<string, { type?: unknown }>;
  const args: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(properties)) {
    const type = Array.isArray(schema?.type) ? schema.type[0] : schema?.type;
    if ((type === 'number' || type === 'integer') && numbers.length > 0) args[name] = numbers.shift();
    else if (type === 'string' && quoted) args[name] = quoted[1] ?? quoted[2];
    else if (type === 'boolean') args[name] = false;
  }
  return args;
}

/**
 * The offline engine's behaviour with tools and no script: a prompt that names one of the
 * call's tools (as a word: "add 2 and 3") calls it; once the results are in, the reply says
 * what each tool returned. Undefined when there is nothing to do with tools.
 */
export function defaultToolStep(request: DriverRequest): OfflineStep | undefined {
  const tools = request.options.tools ?? [];
  if (tools.length === 0 || request.options.toolChoice === 'none') return undefined;
  const messages = request.messages;
  const last = messages[messages.length - 1];
  if (last?.role === 'tool' && Array.isArray(last.content)) {
    const results = last.content.filter((p): p is ToolResultPart => p.type === 'tool-result');
    const said = results.map((r) => (r.error ? `${r.name} failed: ${r.error.message}` : `${r.name} returned ${JSON.stringify(r.result)}`));
    return { text: `${said.join('; ')}.` };
  }
  if (last?.role !== 'user') return undefined;
  const prompt = textOf(last);
  const forced = typeof request.options.toolChoice === 'object' ? request.options.toolChoice.name : undefined;
  const named = tools.filter((tool) => forced === tool.name || new RegExp(`\\b${tool.name.replace(/[-]/g, '\\-')}\\b`, 'i').test(prompt));
  const chosen = named.length > 0 ? named : request.options.toolChoice === 'required' ? tools.slice(0, 1) : [];
  if (chosen.length === 0) return undefined;
  const calls = request.options.parallelToolCalls === false ? chosen.slice(0, 1) : chosen;
  return { toolCalls: calls.map((tool) => ({ name: tool.name, args: argsFromPrompt(tool, prompt) })) };
}

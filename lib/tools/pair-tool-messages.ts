import type { EngineMessage, ToolCallPart, ToolResultPart } from '../interfaces/engine-message.interface.js';

function partsOf(message: EngineMessage) {
  return Array.isArray(message.content) ? message.content : [];
}

/** The tool calls of an assistant message. */
export function toolCallsOf(message: EngineMessage): ToolCallPart[] {
  return message.role === 'assistant' ? partsOf(message).filter((p): p is ToolCallPart => p.type === 'tool-call') : [];
}

function resultsOf(messages: readonly EngineMessage[]): Map<string, ToolResultPart> {
  const results = new Map<string, ToolResultPart>();
  for (const message of messages) {
    if (message.role !== 'tool') continue;
    for (const part of partsOf(message)) if (part.type === 'tool-result') results.set(part.id, part);
  }
  return results;
}

/** Tool calls in the messages that no tool message answers, oldest first. */
export function unansweredToolCalls(messages: readonly EngineMessage[]): ToolCallPart[] {
  const results = resultsOf(messages);
  return messages.flatMap(toolCallsOf).filter((call) => !results.has(call.id));
}

/**
 * The messages as every provider accepts them: each assistant message with tool calls is
 * followed by one tool message holding a result for each of its calls, in call order (a
 * result stored later is moved up; a call with none gets `fill(call)`), and tool messages
 * that answer no call before them are left out.
 */
export function pairToolMessages(messages: readonly EngineMessage[], fill: (call: ToolCallPart) => ToolResultPart): EngineMessage[] {
  if (!messages.some((m) => m.role === 'tool' || toolCallsOf(m).length > 0)) return [...messages];
  const results = resultsOf(messages);
  const paired: EngineMessage[] = [];
  for (const message of messages) {
    if (message.role === 'tool') continue;
    paired.push(message);
    const calls = toolCallsOf(message);
    if (calls.length > 0) paired.push({ role: 'tool', content: calls.map((call) => results.get(call.id) ?? fill(call)) });
  }
  return paired;
}

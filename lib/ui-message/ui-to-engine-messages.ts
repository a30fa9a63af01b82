import type { ContentPart, EngineMessage } from '../interfaces/engine-message.interface.js';
import type { ToolApproval } from '../tools/tool-definition.interface.js';
import { ToolMessages } from '../tools/tool-messages.js';

/** The fields of a `UIMessage` the conversion reads. */
export interface UiMessageLike {
  role: 'system' | 'user' | 'assistant';
  parts: Record<string, unknown>[];
}

/** `data:<mediaType>;base64,<data>` → inline data; any other URL stays a URL. */
function media(url: string, mediaType: string): { url?: string; data?: string; mimeType: string } {
  const match = /^data:([^;,]+)?(;base64)?,(.*)$/s.exec(url);
  if (match && match[2]) return { data: match[3], mimeType: match[1] ?? mediaType };
  return { url, mimeType: mediaType };
}

/**
 * Converts `UIMessage`s (as `useChat` sends them) to engine messages, in each provider's format
 * once a driver maps them: text parts; file parts as images (`image/*`) or files (PDFs and
 * other documents); an assistant's tool parts whose output is known as a `tool-call` part plus
 * a `tool` message with its `tool-result`; a tool part whose approval was answered
 * (`approval-responded`) as a `tool-call` part alone, for `uiToolApprovals()` to decide. Reasoning, sources, step and data parts are left
 * out (providers do not take unsigned reasoning back). Messages left with no content are dropped.
 */
export function uiMessagesToEngineMessages(messages: UiMessageLike[]): EngineMessage[] {
  const out: EngineMessage[] = [];
  for (const message of messages) {
    const content: ContentPart[] = [];
    const results: ContentPart[] = [];
    for (const part of message.parts) {
      const type = String(part.type);
      if (type === 'text' && typeof part.text === 'string' && part.text !== '') content.push({ type: 'text', text: part.text });
      else if (type === 'file' && typeof part.url === 'string' && typeof part.mediaType === 'string') {
        const file = media(part.url, part.mediaType);
        if (part.mediaType.startsWith('image/')) content.push({ type: 'image', ...file });
        else content.push({ type: 'file', ...file, ...(typeof part.filename === 'string' ? { filename: part.filename } : {}) });
      } else if ((type.startsWith('tool-') || type === 'dynamic-tool') && message.role === 'assistant') {
        const name = type === 'dynamic-tool' ? String(part.toolName) : type.slice('tool-'.length);
        const id = String(part.toolCallId);
        if (part.state === 'output-available') {
          content.push({ type: 'tool-call', id, name, args: part.input ?? {} });
          results.push({ type: 'tool-result', id, name, result: part.output ?? null });
        } else if (part.state === 'approval-responded') {
          // answered by the request's toolApprovals (uiToolApprovals): the call waits for its result
          content.push({ type: 'tool-call', id, name, args: part.input ?? {} });
        } else if (part.state === 'output-error' || part.state === 'output-denied') {
          content.push({ type: 'tool-call', id, name, args: part.input ?? {} });
          results.push({
            type: 'tool-result',
            id,
            name,
            error: {
              message:
                typeof part.errorText === 'string'
                  ? part.errorText
                  : ToolMessages.denied(
                      name,
                      typeof (part.approval as { reason?: unknown } | undefined)?.reason === 'string'
                        ? (part.approval as { reason: string }).reason
                        : undefined,
                    ),
            },
          });
        }
      }
    }
    if (content.length === 0) continue;
    const onlyText = content.every((part) => part.type === 'text');
    out.push({ role: message.role, content: onlyText ? content.map((part) => (part as { text: string }).text).join('\n') : content });
    if (results.length > 0) out.push({ role: 'tool', content: results });
  }
  return out;
}

/**
 * The messages to send when the conversation's history comes from memory: the last user
 * message only (for `regenerate-message`, the last user message again).
 */
export function lastUiUserMessage(messages: UiMessageLike[]): EngineMessage[] {
  const last = [...messages].reverse().find((message) => message.role === 'user');
  return last ? uiMessagesToEngineMessages([last]) : [];
}

/**
 * The approvals answered in the last assistant message (`addToolApprovalResponse` in
 * `useChat`: tool parts in state `approval-responded`), as the engine's `toolApprovals`.
 */
export function uiToolApprovals(messages: UiMessageLike[]): ToolApproval[] {
  const last = messages[messages.length - 1];
  if (!last || last.role !== 'assistant') return [];
  const approvals: ToolApproval[] = [];
  for (const part of last.parts) {
    const type = String(part.type);
    if (!(type.startsWith('tool-') || type === 'dynamic-tool') || part.state !== 'approval-responded') continue;
    const approval = part.approval as { approved?: unknown; reason?: unknown } | undefined;
    if (typeof approval?.approved !== 'boolean') continue;
    approvals.push({
      id: String(part.toolCallId),
      approved: approval.approved,
      ...(typeof approval.reason === 'string' && approval.reason !== '' ? { reason: approval.reason } : {}),
    });
  }
  return approvals;
}

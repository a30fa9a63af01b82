import type { ConversationMessage } from '../memory/conversation-message.interface.js';
import type { UiMessage, UiPart } from './ui-message-assembler.js';
import { withoutDiscardedTries } from '../protocol/ui-message-resets.js';

/** What `uiChat()` keeps in a stored message's `metadata.ui`. */
export interface StoredUiInfo {
  /** The `UIMessage` id the stored message belongs to. */
  id: string;
  /** The whole `UIMessage`'s parts (on a user message, and on the last stored message of an answer). */
  parts?: UiPart[];
  /** The `UIMessage`'s metadata. */
  metadata?: Record<string, unknown>;
}

export function storedUiInfo(message: ConversationMessage): StoredUiInfo | undefined {
  const ui = message.metadata.ui as StoredUiInfo | undefined;
  return typeof ui === 'object' && ui !== null && typeof ui.id === 'string' ? ui : undefined;
}

interface Group {
  id: string;
  uiId?: string;
  records: ConversationMessage[];
}

/** Parts of a message stored without `metadata.ui` (before `uiChat()`, or by an event-protocol route). */
function derivedParts(records: ConversationMessage[]): UiPart[] {
  const parts: UiPart[] = [];
  for (const record of records) {
    const kept = Array.isArray(record.metadata.parts) ? (record.metadata.parts as Record<string, unknown>[]) : [];
    if (record.role === 'user' || record.role === 'system') {
      if (record.content) parts.push({ type: 'text', text: record.content });
      const media = record.role === 'user' ? (kept.length > 0 ? kept : record.type === 'image' || record.type === 'audio' ? [record.metadata] : []) : [];
      for (const m of media) {
        const mediaType = typeof m.mimeType === 'string' ? m.mimeType : 'application/octet-stream';
        if (typeof m.url === 'string') parts.push({ type: 'file', mediaType, url: m.url });
        else if (typeof m.data === 'string') parts.push({ type: 'file', mediaType, url: `data:${mediaType};base64,${m.data}` });
      }
    } else if (record.role === 'assistant') {
      parts.push({ type: 'step-start' });
      for (const part of kept) if (part.type === 'reasoning') parts.push({ type: 'reasoning', text: String(part.text ?? ''), state: 'done' });
      if (record.content) parts.push({ type: 'text', text: record.content, state: 'done' });
      for (const part of kept)
        if (part.type === 'tool-call')
          parts.push({ type: `tool-${String(part.name)}`, toolCallId: String(part.id), state: 'input-available', input: part.args ?? {} });
    } else {
      for (const result of kept) {
        const call = parts.find((p) => p.toolCallId === result.id);
        if (!call) continue;
        const error = result.error as { message?: unknown } | undefined;
        if (error) Object.assign(call, { state: 'output-error', errorText: String(error.message ?? 'The tool failed.') });
        else Object.assign(call, { state: 'output-available', output: result.result ?? null });
      }
    }
  }
  return parts;
}

function answerMetadata(records: ConversationMessage[], stored: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  const last = [...records].reverse().find((r) => r.role === 'assistant' || r.metadata.finishReason !== undefined) ?? records[records.length - 1];
  const metadata: Record<string, unknown> = { ...stored };
  if (!('usage' in metadata) && last.metadata.usage !== undefined) metadata.usage = last.metadata.usage;
  if (last.metadata.incomplete === true) {
    metadata.incomplete = true;
    if (typeof last.metadata.interruptedBy === 'string') metadata.interruptedBy = last.metadata.interruptedBy;
  }
  return Object.keys(metadata).length > 0 ? metadata : undefined;
}

/**
 * A conversation's stored messages as `UIMessage`s, for `useChat({ messages })`: user and system
 * messages with their ids and parts as sent; each answer as one assistant message with its id
 * (the `messageId` of its `start` chunk) and the parts the browser assembled (text, reasoning,
 * tool parts with input, output and state, sources, files, data parts that are not transient),
 * its metadata `{ usage }`, plus `incomplete: true` (and `interruptedBy`) when it was cut short.
 * A tool loop's steps, and a message continued after a client-side tool result or an approval,
 * are one message. The parts of a try that a restart took back are left out
 * (`withoutDiscardedTries()`), from rows stored before the assembler dropped them too.
 * Messages stored without UI parts (older rows, event-protocol routes) get parts made from
 * what was stored. When answers follow each other with no user message
 * between (`regenerate`), the last one stands.
 */
export function toUiMessages(records: readonly ConversationMessage[]): UiMessage[] {
  const out: UiMessage[] = [];
  let group: Group | undefined;
  const close = () => {
    if (!group) return;
    const g = group;
    group = undefined;
    const withParts = [...g.records].reverse().find((r) => storedUiInfo(r)?.parts);
    const info = withParts ? storedUiInfo(withParts)! : undefined;
    // rows stored before the assembler dropped restarted tries may still hold them
    const message: UiMessage = {
      id: g.uiId ?? g.id,
      role: 'assistant',
      parts: info?.parts ? withoutDiscardedTries({ parts: info.parts }).parts : derivedParts(g.records),
    };
    const metadata = answerMetadata(g.records, info?.metadata);
    if (metadata) message.metadata = metadata;
    // a regenerated answer replaces the one before it
    if (out.length > 0 && out[out.length - 1].role === 'assistant') out.pop();
    out.push(message);
  };
  for (const record of records) {
    const ui = storedUiInfo(record);
    if (record.role === 'user' || record.role === 'system') {
      close();
      const message: UiMessage = { id: ui?.id ?? record.id, role: record.role, parts: ui?.parts ?? derivedParts([record]) };
      if (ui?.metadata) message.metadata = ui.metadata;
      out.push(message);
      continue;
    }
    const last: ConversationMessage | undefined = group?.records[group.records.length - 1];
    const joins = group !== undefined && (ui ? group.uiId === ui.id : group.uiId === undefined && (record.role === 'tool' || last?.role === 'tool'));
    if (!joins) {
      if (record.role === 'tool' && group) {
        group.records.push(record);
        continue;
      }
      close();
      group = { id: record.id, uiId: ui?.id, records: [] };
    }
    group!.records.push(record);
  }
  close();
  return out;
}

import { withoutDiscardedTries } from '../protocol/ui-message-resets.js';

/** A part of a `UIMessage` (the AI SDK's shape: `{ type, … }`). */
export type UiPart = Record<string, unknown> & { type: string };

/** A `UIMessage` as stored and read back: `{ id, role, parts, metadata? }`. */
export interface UiMessage {
  id: string;
  role: 'system' | 'user' | 'assistant';
  parts: UiPart[];
  metadata?: Record<string, unknown>;
}

const isTool = (part: UiPart) => part.type.startsWith('tool-') || part.type === 'dynamic-tool';

/**
 * Builds the answer's `UIMessage` parts from the chunks a UI message stream sends, the way the
 * AI SDK's own reader (`readUIMessageStream`, `useChat`) builds them on the client, so that
 * what is stored is what the browser shows: text and reasoning parts (state `done` once ended,
 * `streaming` when cut off), tool parts through their states (`input-streaming`,
 * `input-available`, `approval-requested`, `output-available`, `output-error`), `step-start`,
 * `source-url`, and data parts that are not transient (a data part with an id replaces the
 * earlier one of the same type and id). Continuing a message (a client tool result, an
 * approval) starts from that message's parts.
 *
 * As `useChat` does, a tool call's input chunks go to its part in the current step (a call of
 * a new try under a lost try's id gets a part of its own), and a restart after content
 * (`data-retry` / `data-fallback` with `reset`) removes nothing from `parts`; `snapshot()` is
 * the message as the user should see it, without the tries a restart took back
 * (`withoutDiscardedTries`), so that what is stored is the answer once.
 */
export class UiMessageAssembler {
  /** The parts as `useChat` holds them (lost tries included). */
  readonly parts: UiPart[];
  metadata: Record<string, unknown> | undefined;
  private readonly open = new Map<string, UiPart>();
  private readonly toolInputs = new Map<string, string>();

  constructor(parts: readonly UiPart[] = []) {
    this.parts = parts.map((part) => structuredClone(part));
  }

  /** Applies one chunk. */
  apply(chunk: Record<string, unknown>): void {
    switch (chunk.type) {
      case 'text-start':
      case 'reasoning-start': {
        const part: UiPart =
          chunk.type === 'text-start' ? { type: 'text', text: '', state: 'streaming' } : { type: 'reasoning', id: chunk.id, text: '', state: 'streaming' };
        this.open.set(String(chunk.id), part);
        this.parts.push(part);
        return;
      }
      case 'text-delta':
      case 'reasoning-delta': {
        const part = this.open.get(String(chunk.id));
        if (part) part.text = `${part.text as string}${String(chunk.delta)}`;
        return;
      }
      case 'text-end':
      case 'reasoning-end': {
        const part = this.open.get(String(chunk.id));
        if (part) part.state = 'done';
        this.open.delete(String(chunk.id));
        return;
      }
      case 'start-step':
        this.parts.push({ type: 'step-start' });
        return;
      case 'finish-step':
        this.open.clear();
        return;
      case 'source-url':
        this.parts.push({
          type: 'source-url',
          sourceId: chunk.sourceId,
          url: chunk.url,
          ...(chunk.title === undefined ? {} : { title: chunk.title }),
        } as UiPart);
        return;
      case 'tool-input-start':
        this.toolInputs.set(String(chunk.toolCallId), '');
        this.tool(String(chunk.toolCallId), String(chunk.toolName), { state: 'input-streaming' });
        return;
      case 'tool-input-delta': {
        const id = String(chunk.toolCallId);
        const text = `${this.toolInputs.get(id) ?? ''}${String(chunk.inputTextDelta)}`;
        this.toolInputs.set(id, text);
        const part = this.findTool(id, true);
        if (part) part.rawInput = text;
        return;
      }
      case 'tool-input-available': {
        const id = String(chunk.toolCallId);
        this.toolInputs.delete(id);
        const part = this.tool(id, String(chunk.toolName), { state: 'input-available', input: chunk.input });
        delete part.rawInput;
        return;
      }
      case 'tool-approval-request': {
        const part = this.findTool(String(chunk.toolCallId));
        if (part) Object.assign(part, { state: 'approval-requested', approval: { id: chunk.approvalId } });
        return;
      }
      case 'tool-output-available': {
        const part = this.findTool(String(chunk.toolCallId));
        if (part) Object.assign(part, { state: 'output-available', output: chunk.output });
        return;
      }
      case 'tool-output-denied': {
        const part = this.findTool(String(chunk.toolCallId));
        if (part) part.state = 'output-denied';
        return;
      }
      case 'tool-output-error': {
        const part = this.findTool(String(chunk.toolCallId));
        if (part) Object.assign(part, { state: 'output-error', errorText: chunk.errorText });
        return;
      }
      case 'start':
      case 'finish':
        if (chunk.messageMetadata !== undefined && chunk.messageMetadata !== null)
          this.metadata = { ...this.metadata, ...(chunk.messageMetadata as Record<string, unknown>) };
        return;
      default:
        if (typeof chunk.type === 'string' && chunk.type.startsWith('data-') && chunk.transient !== true) {
          const part = { type: chunk.type, ...(chunk.id === undefined ? {} : { id: chunk.id }), data: chunk.data } as UiPart;
          const same = chunk.id === undefined ? -1 : this.parts.findIndex((p) => p.type === chunk.type && p.id === chunk.id);
          if (same >= 0) this.parts[same] = part;
          else this.parts.push(part);
        }
    }
  }

  /**
   * A copy of the parts without the tries a restart took back, as JSON keeps them; `close`:
   * text and reasoning still streaming are marked done (the answer ended).
   */
  snapshot(close = false): UiPart[] {
    const parts = JSON.parse(JSON.stringify(withoutDiscardedTries({ parts: this.parts }).parts)) as UiPart[];
    if (close) for (const part of parts) if (part.state === 'streaming') part.state = 'done';
    return parts;
  }

  /** The latest tool part of `toolCallId`; `inStep`: only among the current step's parts (after its `step-start`). */
  private findTool(toolCallId: string, inStep = false): UiPart | undefined {
    for (let i = this.parts.length - 1; i >= 0; i--) {
      const part = this.parts[i];
      if (inStep && part.type === 'step-start') return undefined;
      if (isTool(part) && part.toolCallId === toolCallId) return part;
    }
    return undefined;
  }

  /** The call's part in the current step, updated with `fields`, or a new one. */
  private tool(toolCallId: string, toolName: string, fields: Record<string, unknown>): UiPart {
    const part = this.findTool(toolCallId, true);
    if (part) return Object.assign(part, fields);
    const created: UiPart = { type: `tool-${toolName}`, toolCallId, ...fields };
    this.parts.push(created);
    return created;
  }
}

import type { ConversationLike, RecordedAnswer } from '../interfaces/conversation-like.interface.js';
import type { EngineMessage, ToolResultPart } from '../interfaces/engine-message.interface.js';
import type { ConversationMessage } from '../memory/conversation-message.interface.js';
import type { Conversation } from '../memory/conversation.js';
import { fromEngineMessage } from '../memory/to-engine-messages.js';
import { withoutDiscardedTries } from '../protocol/ui-message-resets.js';
import { uiTranslatorOf, type UiMessageTranslator } from '../sse/ui-message-protocol.js';
import type { ToolApproval } from '../tools/tool-definition.interface.js';
import { UiMessageAssembler, type UiMessage, type UiPart } from './ui-message-assembler.js';
import { storedUiInfo, toUiMessages } from './ui-messages-from-memory.js';
import { uiMessagesToEngineMessages, uiToolApprovals } from './ui-to-engine-messages.js';

/** What `useChat`'s transport posts (`UiChatRequestDto` validates it). */
export interface UiChatRequest {
  id: string;
  messages: UiMessage[];
  trigger: 'submit-message' | 'regenerate-message';
  messageId?: string;
}

const isToolPart = (part: UiPart) => part.type.startsWith('tool-') || part.type === 'dynamic-tool';

/** Results the browser produced (`addToolResult` / `addToolOutput`) in the last assistant message. */
function clientResults(message: UiMessage): ToolResultPart[] {
  const results: ToolResultPart[] = [];
  for (const part of message.parts) {
    if (!isToolPart(part)) continue;
    const name = part.type === 'dynamic-tool' ? String(part.toolName) : part.type.slice('tool-'.length);
    const id = String(part.toolCallId);
    if (part.state === 'output-available') results.push({ type: 'tool-result', id, name, result: part.output ?? null });
    else if (part.state === 'output-error') results.push({ type: 'tool-result', id, name, error: { message: String(part.errorText ?? 'The tool failed.') } });
  }
  return results;
}

/**
 * A `useChat` chat kept in conversation memory as `UIMessage`s: the conversation handle to give
 * `EngineService.stream()`, the messages and `toolApprovals` to send with it.
 *
 * - A request ending with a user message sends that message; it is stored with its id and
 *   parts (once: a message already stored, as on `regenerate`, is not stored again, and the
 *   history ends before it).
 * - A request ending with an assistant message continues it (what `useChat` sends after
 *   `addToolResult` with `sendAutomaticallyWhen: lastAssistantMessageIsCompleteWithToolCalls`, or
 *   after `addToolApprovalResponse`): its tool parts in state `output-available` /
 *   `output-error` go to the model as tool results, those in `approval-responded` become the
 *   engine's `toolApprovals`. The answer keeps that message's id.
 * - On a `protocol: 'ui-message'` route, the answer is stored once, as the parts the browser
 *   assembled, with the id of the stream's `start` chunk, complete or flagged incomplete.
 *
 * `toUiMessages(await conversation.getMessages())` reads the chat back.
 *
 * @example
 * ```ts
 * @Post('chat')
 * @SseStream({ protocol: 'ui-message' })
 * chat(@Body() body: UiChatRequestDto, @Req() req: SseRequest) {
 *   const chat = uiChat(this.memory.conversationFor(req, 'chat', body.id), body, req);
 *   return this.engine.stream(chat.messages, { conversation: chat, toolApprovals: chat.toolApprovals, tools, maxSteps: 5 });
 * }
 * ```
 */
export class UiChat implements ConversationLike {
  /** The new messages to send to the engine (the history comes from memory). */
  readonly messages: EngineMessage[];
  /** Approval decisions of the continued message, for `EngineService.stream(…, { toolApprovals })`. */
  readonly toolApprovals: ToolApproval[];
  private readonly input?: UiMessage;
  private readonly continued?: UiMessage;
  private readonly results: ToolResultPart[] = [];
  private readonly translator?: UiMessageTranslator;
  private readonly assembler?: UiMessageAssembler;
  private reading?: Promise<ConversationMessage[]>;

  constructor(
    readonly conversation: Conversation,
    request: UiChatRequest,
    httpRequest?: object,
  ) {
    const last = request.messages[request.messages.length - 1];
    if (last?.role === 'assistant') {
      // the browser sends the message as useChat holds it, lost tries included: they are no part of the answer
      this.continued = withoutDiscardedTries(last);
      this.results = clientResults(this.continued);
      this.toolApprovals = uiToolApprovals(request.messages);
      this.messages = this.results.length > 0 ? [{ role: 'tool', content: this.results }] : [];
    } else {
      this.input = last;
      this.toolApprovals = [];
      this.messages = last ? uiMessagesToEngineMessages([last]) : [];
    }
    this.translator = httpRequest ? uiTranslatorOf(httpRequest) : undefined;
    if (this.translator) {
      if (this.continued) this.translator.useMessageId(this.continued.id);
      this.assembler = new UiMessageAssembler(this.continued?.parts);
      this.translator.observe(this.assembler);
    }
  }

  /** The answer's `UIMessage` id: the stream's (`start` chunk), else the continued message's. */
  get messageId(): string | undefined {
    return this.translator?.messageId ?? this.continued?.id;
  }

  /** The chat as `UIMessage`s, oldest first (see `toUiMessages`). */
  async uiMessages(): Promise<UiMessage[]> {
    return toUiMessages(await this.conversation.getMessages());
  }

  async toEngineMessages(): Promise<EngineMessage[]> {
    const open = new Set([...this.results.map((r) => r.id), ...this.toolApprovals.map((a) => a.id)]);
    const read = this.conversation.readHistory({ select: (stored) => this.historyOf(stored), leaveUnanswered: open });
    this.reading = read.then((r) => r.stored);
    return (await read).history;
  }

  async recordInput(): Promise<void> {
    const stored = await (this.reading ?? this.conversation.getMessages()).catch(() => undefined);
    if (stored === undefined) return;
    const input = this.input;
    if (input && !stored.some((m) => m.id === input.id)) {
      const ui = { id: input.id, parts: input.parts, ...(input.metadata ? { metadata: input.metadata } : {}) };
      const text = input.parts
        .filter((p) => p.type === 'text')
        .map((p) => String(p.text))
        .join('\n');
      await this.conversation.addMessage(input.role, text, 'text', { ui }, input.id);
    }
    if (this.continued && this.results.length > 0) {
      const answered = new Set(
        stored.filter((m) => m.role === 'tool').flatMap((m) => (Array.isArray(m.metadata.parts) ? m.metadata.parts : []).map((p) => (p as { id?: string }).id)),
      );
      const fresh = this.results.filter((r) => !answered.has(r.id));
      if (fresh.length > 0) {
        const prepared = fromEngineMessage({ role: 'tool', content: fresh });
        await this.conversation.addMessage('tool', prepared.content, 'text', { ...prepared.metadata, ui: { id: this.continued.id } });
      }
    }
  }

  async recordAnswer(answer: RecordedAnswer): Promise<void> {
    const id = this.messageId;
    if (id === undefined) return this.conversation.recordAnswer(answer);
    const metadata: Record<string, unknown> = { ...this.continued?.metadata, ...this.assembler?.metadata, usage: answer.usage };
    const parts = this.assembler?.snapshot(true);
    await this.conversation.recordAnswer(answer, {
      metadata: { ui: { id } },
      lastMetadata: { ui: { id, ...(parts ? { parts } : {}), metadata } },
    });
  }

  /** The stored messages the history is made of: up to the request's user message when it is stored already (regenerate). */
  private historyOf(stored: ConversationMessage[]): ConversationMessage[] {
    const input = this.input;
    const at = input ? stored.findIndex((m) => m.role === input.role && (m.id === input.id || storedUiInfo(m)?.id === input.id)) : -1;
    const before = at >= 0 ? stored.slice(0, at) : stored;
    // an answer followed by another one with no user message between (a regenerated answer): the last one stands
    const kept: ConversationMessage[] = [];
    let run: ConversationMessage[] = [];
    let runId: string | undefined;
    for (const message of before) {
      if (message.role === 'user' || message.role === 'system') {
        kept.push(...run, message);
        run = [];
        runId = undefined;
        continue;
      }
      const id = storedUiInfo(message)?.id;
      if (run.length > 0 && id !== undefined && runId !== undefined && id !== runId) run = [];
      if (run.length === 0) runId = id;
      run.push(message);
    }
    kept.push(...run);
    return kept;
  }
}

/** A `useChat` chat on a conversation handle (see `UiChat`); `httpRequest`: the route's request, on a `protocol: 'ui-message'` route. */
export function uiChat(conversation: Conversation, request: UiChatRequest, httpRequest?: object): UiChat {
  return new UiChat(conversation, request, httpRequest);
}

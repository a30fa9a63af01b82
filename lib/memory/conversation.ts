import { randomUUID } from 'node:crypto';
import type { ConversationLike, RecordedAnswer } from '../interfaces/conversation-like.interface.js';
import type { EngineMessage } from '../interfaces/engine-message.interface.js';
import type { ConversationKey, ConversationMessage, MessageMetadata, MessageRole, MessageType } from './conversation-message.interface.js';
import type { ConversationStore } from './conversation-store.js';
import { assertValidWindow, selectWindow, type MessageWindowOptions } from './message-window.js';
import { pairToolMessages } from '../tools/pair-tool-messages.js';
import { ToolMessages } from '../tools/tool-messages.js';
import { fromEngineMessage, toEngineMessages } from './to-engine-messages.js';
import { assertValidKey } from './validate-message.js';

/** Options of one conversation handle. */
export interface ConversationOptions {
  /** The part of the history `toEngineMessages()` sends to the engine. Default: all of it. */
  window?: MessageWindowOptions;
  /**
   * Whose conversation it is (see `ConversationKey.owner`): the same id under another owner is
   * another conversation. `MemoryService.conversationFor(request, …)` sets it from the module's
   * `scope` hook. Default: none.
   */
  owner?: string;
}

/** What `Conversation.readHistory()` accepts. */
export interface HistoryReadOptions {
  /** The stored messages the history is made of (default: all), before the handle's window. */
  select?: (stored: ConversationMessage[]) => ConversationMessage[];
  /** Ids of tool calls left without a result when the history has none (default: every call gets one). */
  leaveUnanswered?: ReadonlySet<string>;
}

/** What `Conversation.recordAnswer()` adds to the stored messages' metadata. */
export interface RecordAnswerExtras {
  /** Merged into the metadata of every message of the answer. */
  metadata?: MessageMetadata;
  /** Merged into the metadata of the last message of the answer (the one with the answer's metadata). */
  lastMetadata?: MessageMetadata;
}

/** What `recordAnswer` stores in the assistant message's metadata. */
export interface AnswerMetadata {
  engine: string;
  model: string;
  usage: RecordedAnswer['usage'];
  finishReason: string | null;
  durationMs: number;
  /** Present (true) when the answer was cut short. */
  incomplete?: true;
  /** Why it was cut short: `aborted` (the client left) or the error code. */
  interruptedBy?: string;
}

/**
 * A handle on one conversation (`memory.conversation(parentType, parentId)`). It holds only its
 * key and the store, so handles are cheap, and two handles (two requests) never share state:
 * everything lives in the store. Also what `EngineService.stream(messages, { conversation })`
 * takes (it implements `ConversationLike`).
 */
export class Conversation implements ConversationLike {
  readonly parentType: string;
  readonly parentId: string;
  /** Its owner (undefined: none). */
  readonly owner: string | undefined;
  private readonly window?: MessageWindowOptions;
  /** Ids recorded by `recordInput` while a `toEngineMessages` read is under way, per read. */
  private readonly readsInProgress = new Set<Set<string>>();

  constructor(
    private readonly store: ConversationStore,
    key: ConversationKey,
    options: ConversationOptions = {},
  ) {
    const owner = options.owner ?? key.owner;
    assertValidKey({ ...key, owner });
    if (options.window) assertValidWindow(options.window);
    this.parentType = key.parentType;
    this.parentId = key.parentId;
    this.owner = owner === '' ? undefined : owner;
    this.window = options.window ? { ...options.window } : undefined;
  }

  /** The conversation's key. */
  get key(): ConversationKey {
    const key: ConversationKey = { parentType: this.parentType, parentId: this.parentId };
    if (this.owner !== undefined) key.owner = this.owner;
    return key;
  }

  /** Whether it holds any message (for its owner: another owner's conversation of the same id does not count). */
  async exists(): Promise<boolean> {
    return (await this.store.list(this.key, { limit: 1 })).length > 0;
  }

  /** Appends a message; returns it as stored (with its id and `seq`). */
  addMessage(role: MessageRole, content: string, type: MessageType = 'text', metadata: MessageMetadata = {}, messageId?: string): Promise<ConversationMessage> {
    return this.store.append(this.key, { id: messageId, role, content, type, metadata });
  }

  addUserMessage(content: string, type: MessageType = 'text', metadata: MessageMetadata = {}, messageId?: string): Promise<ConversationMessage> {
    return this.addMessage('user', content, type, metadata, messageId);
  }

  addAssistantMessage(content: string, type: MessageType = 'text', metadata: MessageMetadata = {}, messageId?: string): Promise<ConversationMessage> {
    return this.addMessage('assistant', content, type, metadata, messageId);
  }

  addSystemMessage(content: string, type: MessageType = 'text', metadata: MessageMetadata = {}, messageId?: string): Promise<ConversationMessage> {
    return this.addMessage('system', content, type, metadata, messageId);
  }

  /**
   * The messages, oldest first. With a window (`limit`, `maxChars`, `maxTokens`), the newest
   * messages that fit, plus every system message (see MessageWindowOptions).
   */
  async getMessages(options: MessageWindowOptions = {}): Promise<ConversationMessage[]> {
    assertValidWindow(options);
    const messages = await this.store.list(this.key);
    return selectWindow(messages, options);
  }

  /** Deletes the conversation. */
  clear(): Promise<void> {
    return this.store.clear(this.key);
  }

  /**
   * The history (within the handle's window) as engine messages, media as content parts (see
   * `toEngineMessage`). Messages stored by a `recordInput` call made while this read is under
   * way are left out, so `Promise.all([c.toEngineMessages(), c.recordInput(newMessages)])`
   * never returns the new messages as history too.
   */
  async toEngineMessages(): Promise<EngineMessage[]> {
    return (await this.readHistory()).history;
  }

  /**
   * One read of the conversation: the stored messages, and the history as `toEngineMessages()`
   * gives it. `select` picks the stored messages the history is made of (before the window);
   * calls in `leaveUnanswered` keep no result when the history has none (this request answers
   * them: approvals, results from the client), where other calls get an "interrupted" result.
   */
  async readHistory(options: HistoryReadOptions = {}): Promise<{ stored: ConversationMessage[]; history: EngineMessage[] }> {
    const recordedMeanwhile = new Set<string>();
    this.readsInProgress.add(recordedMeanwhile);
    let messages: ConversationMessage[];
    try {
      messages = await this.store.list(this.key);
    } finally {
      this.readsInProgress.delete(recordedMeanwhile);
    }
    const stored = messages.filter((message) => !recordedMeanwhile.has(message.id));
    const chosen = options.select ? options.select(stored) : stored;
    const open = options.leaveUnanswered;
    const filled = new WeakSet<object>();
    // every tool call followed by its results (a call whose step was interrupted: an error result)
    const history = pairToolMessages(toEngineMessages(selectWindow(chosen, this.window)), (call) => {
      const result = { type: 'tool-result' as const, id: call.id, name: call.name, error: { message: ToolMessages.interrupted(call.name) } };
      if (open?.has(call.id)) filled.add(result);
      return result;
    });
    if (!open?.size) return { stored, history };
    // the calls this request answers stay unanswered here
    const kept: EngineMessage[] = [];
    for (const message of history) {
      if (message.role !== 'tool' || !Array.isArray(message.content)) kept.push(message);
      else {
        const content = message.content.filter((part) => !filled.has(part));
        if (content.length > 0) kept.push(content.length === message.content.length ? message : { ...message, content });
      }
    }
    return { stored, history: kept };
  }

  /** Stores the caller's new messages (every role given), in order, atomically (all or none). */
  async recordInput(messages: EngineMessage[]): Promise<void> {
    if (!Array.isArray(messages) || messages.length === 0) return;
    const prepared = messages.map((message, i) => ({ ...fromEngineMessage(message, i), id: randomUUID() }));
    for (const read of this.readsInProgress) for (const message of prepared) read.add(message.id);
    await this.store.appendMany(this.key, prepared);
  }

  /**
   * Stores an assembled answer as one assistant message; an incomplete one is flagged in its
   * metadata. `extras` adds to the stored metadata (e.g. the answer's `UIMessage`, see `uiChat()`).
   */
  async recordAnswer(answer: RecordedAnswer, extras: RecordAnswerExtras = {}): Promise<void> {
    const metadata: AnswerMetadata = {
      engine: answer.engine,
      model: answer.model,
      usage: answer.usage,
      finishReason: answer.finishReason,
      durationMs: answer.durationMs,
    };
    if (!answer.complete) {
      metadata.incomplete = true;
      if (answer.interruptedBy !== undefined) metadata.interruptedBy = answer.interruptedBy;
    }
    if (answer.messages && answer.messages.length > 0) {
      // a tool loop: each step's assistant message and its results; the last message carries the answer's metadata
      const last = answer.messages.length - 1;
      const stored = answer.messages.map((message, i) => {
        const prepared = fromEngineMessage(message, i);
        const own = i === last ? { ...metadata } : { engine: answer.engine, model: answer.model };
        return {
          ...prepared,
          metadata: {
            ...prepared.metadata,
            ...(prepared.role === 'tool' && i !== last ? {} : own),
            ...extras.metadata,
            ...(i === last ? extras.lastMetadata : {}),
          },
          ...(prepared.role === 'assistant' && answer.engine ? { engine: answer.engine } : {}),
        };
      });
      await this.store.appendMany(this.key, stored);
      return;
    }
    await this.store.append(this.key, {
      role: 'assistant',
      content: answer.content,
      type: 'text',
      metadata: { ...metadata, ...extras.metadata, ...extras.lastMetadata },
      engine: answer.engine || undefined,
    });
  }
}

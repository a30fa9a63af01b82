import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { ENGINE_MODULE_OPTIONS } from '../bupple-engine.module-definition.js';
import type { BuppleEngineModuleOptions } from '../bupple-engine.module-options.js';
import { Conversation, type ConversationOptions } from './conversation.js';
import type { ConversationStore } from './conversation-store.js';
import { createConversationStore } from './create-conversation-store.js';
import { resolveScope } from '../scope/engine-scope.js';
import type { SseRequest } from '../sse/sse-options.interface.js';

/**
 * Hands out conversation handles: `memory.conversation('chat', conversationId)` (the original's
 * `setParent(class, id)`, without the shared mutable state). Every call returns a new handle;
 * all state lives in the store, so concurrent requests never see each other's context.
 *
 * The store (chosen by the `memory` module options) is created on first use, connected when
 * the application starts (an unreachable Redis or PostgreSQL fails startup with a
 * `MemoryConnectionException`) and closed when it shuts down (`app.enableShutdownHooks()` or
 * `app.close()`).
 */
@Injectable()
export class MemoryService implements OnModuleInit, OnApplicationShutdown {
  private current?: ConversationStore;

  constructor(@Inject(ENGINE_MODULE_OPTIONS) private readonly options: BuppleEngineModuleOptions) {}

  /** The store in use. */
  get store(): ConversationStore {
    this.current ??= createConversationStore(this.options.memory ?? {});
    return this.current;
  }

  async onModuleInit(): Promise<void> {
    await this.store.connect();
  }

  async onApplicationShutdown(): Promise<void> {
    const store = this.current;
    if (store) await store.close();
  }

  /**
   * A new handle on the conversation of `(parentType, parentId)`, e.g. `('chat', id)` or
   * `('User', userId)`. Ids are validated (non-empty, at most 200 characters, no control
   * characters, `/`, `\` or `..`): a bad one throws a `MemoryValidationException`.
   */
  conversation(parentType: string, parentId: string, options: ConversationOptions = {}): Conversation {
    return new Conversation(this.store, { parentType, parentId }, { window: options.window ?? this.options.memory?.window, owner: options.owner });
  }

  /**
   * The safe way to open a conversation named by a client: a handle owned by the request's
   * scope (the module's `scope` hook), so a client can only ever reach its own conversations.
   * The same id under another scope is another, empty conversation.
   *
   * @example
   * ```ts
   * @Get('chat/stream')
   * @SseStream()
   * stream(@Req() req: SseRequest, @Query() query: ChatQueryDto) {
   *   const conversation = this.memory.conversationFor(req, 'chat', query.conversationId);
   *   return this.engine.stream([{ role: 'user', content: query.message }], { conversation });
   * }
   * ```
   */
  conversationFor(request: SseRequest, parentType: string, parentId: string, options: Omit<ConversationOptions, 'owner'> = {}): Conversation {
    return this.conversation(parentType, parentId, { ...options, owner: this.ownerOf(request) });
  }

  /** The request's owner under the module's `scope` hook (undefined: anonymous, or no hook). */
  ownerOf(request: SseRequest): string | undefined {
    return resolveScope(this.options.scope, request);
  }
}

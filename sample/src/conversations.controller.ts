import { Controller, Delete, Get, HttpCode, NotFoundException, Param, Req } from '@nestjs/common';
import { MemoryService, type SseRequest } from '@bupple/nestjs-ai-engine';
import { ConversationIdDto } from './chat.dto.js';

/** The one answer for a conversation the requesting user does not have: the same whether the id is unused or another user's. */
function noSuchConversation(id: string): NotFoundException {
  return new NotFoundException({ statusCode: 404, error: 'Not Found', message: `No conversation ${id}.` });
}

/**
 * What the page needs of a conversation: its messages, and a way to clear it. Only the
 * requesting user's (`x-user`) conversations are reachable: ids are namespaced by user, so
 * another user's id names a conversation of one's own that holds nothing, and is answered
 * exactly like an id nobody used: 404 (a cleared conversation too). Nothing in the answer
 * tells whether someone else has a conversation of that id.
 */
@Controller('conversations')
export class ConversationsController {
  constructor(private readonly memory: MemoryService) {}

  @Get(':id/messages')
  async messages(@Param() { id }: ConversationIdDto, @Req() req: SseRequest) {
    const messages = await this.memory.conversationFor(req, 'chat', id).getMessages();
    if (messages.length === 0) throw noSuchConversation(id);
    return { conversationId: id, messages };
  }

  @Delete(':id')
  @HttpCode(204)
  async clear(@Param() { id }: ConversationIdDto, @Req() req: SseRequest): Promise<void> {
    const conversation = this.memory.conversationFor(req, 'chat', id);
    if (!(await conversation.exists())) throw noSuchConversation(id);
    await conversation.clear();
  }
}

import { Controller, Delete, Get, HttpCode, Param, Req } from '@nestjs/common';
import { MemoryService, type SseRequest } from '@bupple/nestjs-ai-engine';
import { ConversationIdDto } from './chat.dto.js';

/**
 * What the page needs of a conversation: its messages, and a way to clear it. Only the
 * requesting user's (`x-user`) conversations are reachable: another user's id names an empty
 * conversation of one's own, exactly like an id nobody used.
 */
@Controller('conversations')
export class ConversationsController {
  constructor(private readonly memory: MemoryService) {}

  @Get(':id/messages')
  async messages(@Param() { id }: ConversationIdDto, @Req() req: SseRequest) {
    return { conversationId: id, messages: await this.memory.conversationFor(req, 'chat', id).getMessages() };
  }

  @Delete(':id')
  @HttpCode(204)
  async clear(@Param() { id }: ConversationIdDto, @Req() req: SseRequest): Promise<void> {
    await this.memory.conversationFor(req, 'chat', id).clear();
  }
}

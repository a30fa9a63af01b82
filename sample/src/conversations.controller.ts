import { Controller, Delete, Get, HttpCode, Param } from '@nestjs/common';
import { MemoryService } from '@bupple/nestjs-ai-engine';
import { ConversationIdDto } from './chat.dto.js';

/** What the page needs of a conversation: its messages, and a way to clear it. */
@Controller('conversations')
export class ConversationsController {
  constructor(private readonly memory: MemoryService) {}

  @Get(':id/messages')
  async messages(@Param() { id }: ConversationIdDto) {
    return { conversationId: id, messages: await this.memory.conversation('chat', id).getMessages() };
  }

  @Delete(':id')
  @HttpCode(204)
  async clear(@Param() { id }: ConversationIdDto): Promise<void> {
    await this.memory.conversation('chat', id).clear();
  }
}

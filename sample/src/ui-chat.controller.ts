import { BadRequestException, Body, Controller, Delete, Get, HttpCode, Param, Post, Req } from '@nestjs/common';
import { IsOptional, IsString } from 'class-validator';
import { EngineService, MemoryService, SseStream, SseStreams, type SseRequest } from '@bupple/nestjs-ai-engine';
import { lastUiUserMessage, UiChatRequestDto } from '@bupple/nestjs-ai-engine/integrations';

/** What `useChat` posts, plus the sample's own field. */
export class SampleUiChatRequestDto extends UiChatRequestDto {
  /** A configured engine's name (default: the default engine). */
  @IsOptional() @IsString({ message: 'engine must be a string' }) engine?: string;
}

/**
 * The AI SDK's UI message stream protocol, for `useChat` with
 * `new DefaultChatTransport({ api: '/api/chat' })` and `resume: true`. The chat's earlier turns
 * come from conversation memory (keyed by the chat id, per x-user): only the last user message is sent on.
 * The answer keeps generating for 30 s after the client left (a reload, a lost network), so
 * that `GET /api/chat/:id/stream` can resume it, on any instance with the Redis replay store.
 */
@Controller('api/chat')
export class UiChatController {
  constructor(
    private readonly engine: EngineService,
    private readonly memory: MemoryService,
    private readonly streams: SseStreams,
  ) {}

  @Post()
  @SseStream({ protocol: 'ui-message', onDisconnect: { graceMs: 30_000 }, resumeKey: (req: SseRequest) => (req.body as { id?: string } | undefined)?.id })
  chat(@Body() body: SampleUiChatRequestDto, @Req() req: SseRequest) {
    const engines = this.engine.engines();
    if (body.engine !== undefined && !engines.includes(body.engine)) {
      throw new BadRequestException({ statusCode: 400, error: 'Bad Request', message: [`engine must be one of: ${engines.join(', ')}`] });
    }
    const messages = lastUiUserMessage(body.messages);
    if (messages.length === 0)
      throw new BadRequestException({ statusCode: 400, error: 'Bad Request', message: ['messages must hold a user message with text or files'] });
    return this.engine.stream(messages, { engine: body.engine, conversation: this.memory.conversationFor(req, 'ui-chat', body.id) });
  }

  /** `useChat({ resume: true })`: the answer running for this chat, from its start; 204 when none runs. */
  @Get(':id/stream')
  @SseStream({ protocol: 'ui-message' })
  resume(@Param('id') id: string, @Req() req: SseRequest) {
    // the requesting user's chat only (x-user): another user's chat id finds nothing (204)
    return this.streams.resumeLatest(id, this.streams.scopeOf(req));
  }

  /** The page's Stop button: `useChat`'s `stop()` only drops the connection, which the grace policy outlives. 204 either way. */
  @Delete(':id/stream')
  @HttpCode(204)
  async stop(@Param('id') id: string, @Req() req: SseRequest): Promise<void> {
    await this.streams.stopLatest(id, this.streams.scopeOf(req));
  }
}

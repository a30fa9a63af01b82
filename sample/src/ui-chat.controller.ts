import { BadRequestException, Body, Controller, Delete, Get, HttpCode, Param, Post, Req } from '@nestjs/common';
import { ArrayMaxSize, IsArray, IsIn, IsOptional, IsString } from 'class-validator';
import { EngineService, MemoryService, SseStream, SseStreams, tool, type SseRequest, type ToolSet } from '@bupple/nestjs-ai-engine';
import { toUiMessages, uiChat, UiChatRequestDto, type UiMessage } from '@bupple/nestjs-ai-engine/integrations';
import { SAMPLE_TOOLS } from './sample-tools.js';

/**
 * Tools of the useChat page besides the sample's `add` and `now` (run on the server):
 * `localTime` has no `execute`, so the browser runs it (`onToolCall` + `addToolOutput`), and
 * `transfer` waits for the user's approval (`addToolApprovalResponse`) before it runs here.
 */
export const UI_CLIENT_TOOLS: ToolSet = {
  localTime: tool({
    description: "The browser's local date and time (run in the browser).",
    parameters: { type: 'object', properties: {}, additionalProperties: false },
  }),
  transfer: tool<{ amount: number }>({
    description: 'Sends an amount of money (needs the user’s approval).',
    parameters: { type: 'object', properties: { amount: { type: 'number' } }, required: ['amount'], additionalProperties: false },
    needsApproval: true,
    execute: ({ amount }) => ({ sent: amount, reference: `T-${Math.round(amount * 100)}` }),
  }),
};
export const UI_TOOLS = [...SAMPLE_TOOLS, ...Object.keys(UI_CLIENT_TOOLS)];

/** What `useChat` posts, plus the sample's own fields. */
export class SampleUiChatRequestDto extends UiChatRequestDto {
  /** A configured engine's name (default: the default engine). */
  @IsOptional() @IsString({ message: 'engine must be a string' }) engine?: string;
  /** Tools the model may call: `add`, `now` (server), `localTime` (browser), `transfer` (server, after approval). */
  @IsOptional()
  @IsArray({ message: 'tools must be an array' })
  @ArrayMaxSize(UI_TOOLS.length)
  @IsIn(UI_TOOLS, { each: true, message: `each value in tools must be one of: ${UI_TOOLS.join(', ')}` })
  tools?: string[];
}

/**
 * The AI SDK's UI message stream protocol, for `useChat` with
 * `new DefaultChatTransport({ api: '/api/chat' })` and `resume: true`. The chat lives in
 * conversation memory as `UIMessage`s (keyed by the chat id, per x-user): only the last message
 * is sent on, the rest comes from memory, and `GET /api/chat/:id/messages` gives them back.
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
    const chat = uiChat(this.memory.conversationFor(req, 'ui-chat', body.id), body, req);
    if (chat.messages.length === 0 && chat.toolApprovals.length === 0) {
      const message =
        body.messages.at(-1)?.role === 'assistant'
          ? 'the last message has no tool output or approval to continue with'
          : 'messages must hold a user message with text or files';
      throw new BadRequestException({ statusCode: 400, error: 'Bad Request', message: [message] });
    }
    const tools = body.tools ?? [];
    const server = tools.filter((name) => (SAMPLE_TOOLS as readonly string[]).includes(name));
    const own = Object.fromEntries(Object.entries(UI_CLIENT_TOOLS).filter(([name]) => tools.includes(name)));
    const withTools = tools.length > 0 ? { tools: [...server, own], maxSteps: 5 } : {};
    return this.engine.stream(chat.messages, { engine: body.engine, conversation: chat, toolApprovals: chat.toolApprovals, ...withTools });
  }

  /** The chat as `UIMessage`s (for `useChat({ messages })` after a reload); [] for an unknown chat. */
  @Get(':id/messages')
  async messages(@Param('id') id: string, @Req() req: SseRequest): Promise<UiMessage[]> {
    return toUiMessages(await this.memory.conversationFor(req, 'ui-chat', id).getMessages());
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

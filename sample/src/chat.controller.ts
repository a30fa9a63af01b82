import { BadRequestException, Body, Controller, Get, HttpCode, Post, Query, Req } from '@nestjs/common';
import { map } from 'rxjs';
import { EngineService, MemoryService, SseStream, type EngineCallOptions, type EngineMessage, type SseRequest } from '@bupple/nestjs-ai-engine';
import { ApiSseResponse } from '@bupple/nestjs-ai-engine/integrations';
import { ChatRequestDto, ChatStreamQueryDto } from './chat.dto.js';
import { sampleLimitsFromEnv } from './config.js';
import { failMarkedChunk, testHooksEnabled, withInjectedFaults } from './diagnostics.controller.js';

/** With the test hooks on (BUPPLE_SAMPLE_TEST_HOOKS=1), a transform that can fail one chunk on demand. */
const streamOptions = testHooksEnabled() ? { transform: failMarkedChunk } : {};

@Controller('chat')
export class ChatController {
  /** BUPPLE_SAMPLE_MAX_TOKENS: the highest maxTokens a request may ask for. */
  private readonly maxTokens = sampleLimitsFromEnv().maxTokens;

  constructor(
    private readonly engine: EngineService,
    private readonly memory: MemoryService,
  ) {}

  /** For the browser's EventSource: one question in the query string. */
  @Get('stream')
  @SseStream(streamOptions)
  @ApiSseResponse()
  streamGet(@Query() query: ChatStreamQueryDto, @Req() req: SseRequest) {
    this.checkMaxTokens(query.maxTokens, 'maxTokens');
    const options = this.callOptions(req, query.engine, { maxTokens: query.maxTokens }, query.conversationId);
    return withInjectedFaults(this.engine.stream([{ role: 'user', content: query.message }], options));
  }

  /** For fetch-based clients: a whole conversation in a JSON body. */
  @Post('stream')
  @SseStream(streamOptions)
  @ApiSseResponse()
  streamPost(@Body() body: ChatRequestDto, @Req() req: SseRequest) {
    this.checkMaxTokens(body.options?.maxTokens, 'options.maxTokens');
    return withInjectedFaults(
      this.engine.stream(body.messages as EngineMessage[], this.callOptions(req, body.engine, body.options, body.conversationId, body)),
    );
  }

  /** The whole answer as JSON. */
  @Post()
  @HttpCode(200)
  send(@Body() body: ChatRequestDto, @Req() req: SseRequest) {
    this.checkMaxTokens(body.options?.maxTokens, 'options.maxTokens');
    return this.engine
      .send(body.messages as EngineMessage[], this.callOptions(req, body.engine, body.options, body.conversationId, body))
      .pipe(map((response) => ({ ...response, toolCalls: response.toolCalls ?? [], toolResults: response.toolResults ?? [], steps: response.steps ?? [] })));
  }

  /** The configured engines, the default first. */
  @Get('engines')
  engines() {
    return { default: this.engine.defaultEngine, engines: this.engine.engines() };
  }

  /** A 400 (before any provider call) for a maxTokens above BUPPLE_SAMPLE_MAX_TOKENS. */
  private checkMaxTokens(maxTokens: number | undefined, field: string): void {
    if (maxTokens !== undefined && maxTokens > this.maxTokens) {
      throw new BadRequestException({ statusCode: 400, error: 'Bad Request', message: [`${field} must not be greater than ${this.maxTokens}`] });
    }
  }

  /**
   * Call options from the request. With a `conversationId`, the earlier turns are loaded from
   * memory and sent first, and this exchange is stored: send only the new messages then. The
   * conversation is the requesting user's (`x-user`): the same id under another user is another one.
   */
  private callOptions(
    req: SseRequest,
    engine: string | undefined,
    options: EngineCallOptions = {},
    conversationId?: string,
    { tools, maxSteps }: Pick<ChatRequestDto, 'tools' | 'maxSteps'> = {},
  ): EngineCallOptions {
    const engines = this.engine.engines();
    if (engine !== undefined && !engines.includes(engine)) {
      throw new BadRequestException({ statusCode: 400, error: 'Bad Request', message: [`engine must be one of: ${engines.join(', ')}`] });
    }
    const conversation = conversationId ? this.memory.conversationFor(req, 'chat', conversationId) : undefined;
    // tools: names of the sample's @Tool() methods (checked by the DTO), run up to maxSteps model calls
    const withTools = tools && tools.length > 0 ? { tools, maxSteps: maxSteps ?? 5 } : maxSteps !== undefined ? { maxSteps } : {};
    return { ...options, engine, conversation, ...withTools };
  }
}

import { BadRequestException, Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { EngineService, SseStream, type EngineCallOptions, type EngineMessage } from '@bupple/nestjs-ai-engine';
import { ChatRequestDto, ChatStreamQueryDto } from './chat.dto.js';

@Controller('chat')
export class ChatController {
  constructor(private readonly engine: EngineService) {}

  /** For the browser's EventSource: one question in the query string. */
  @Get('stream')
  @SseStream()
  streamGet(@Query() query: ChatStreamQueryDto) {
    const options = this.callOptions(query.engine, { maxTokens: query.maxTokens });
    return this.engine.stream([{ role: 'user', content: query.message }], options);
  }

  /** For fetch-based clients: a whole conversation in a JSON body. */
  @Post('stream')
  @SseStream()
  streamPost(@Body() body: ChatRequestDto) {
    return this.engine.stream(body.messages as EngineMessage[], this.callOptions(body.engine, body.options));
  }

  /** The whole answer as JSON. */
  @Post()
  @HttpCode(200)
  send(@Body() body: ChatRequestDto) {
    return this.engine.send(body.messages as EngineMessage[], this.callOptions(body.engine, body.options));
  }

  /** The configured engines, the default first. */
  @Get('engines')
  engines() {
    return { default: this.engine.defaultEngine, engines: this.engine.engines() };
  }

  private callOptions(engine: string | undefined, options: EngineCallOptions = {}): EngineCallOptions {
    const engines = this.engine.engines();
    if (engine !== undefined && !engines.includes(engine)) {
      throw new BadRequestException({ statusCode: 400, error: 'Bad Request', message: [`engine must be one of: ${engines.join(', ')}`] });
    }
    return { ...options, engine };
  }
}

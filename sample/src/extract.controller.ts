import { BadRequestException, Body, Controller, HttpCode, Post } from '@nestjs/common';
import { map } from 'rxjs';
import { EngineService, SseStream, type EngineMessage } from '@bupple/nestjs-ai-engine';
import { ContactDto, ExtractRequestDto } from './contact.dto.js';

/** Structured output: a ContactDto extracted from free text (the offline engine needs no key). */
@Controller('extract')
export class ExtractController {
  constructor(private readonly engine: EngineService) {}

  /** The contact as it forms: object_partial events, then object, then complete. */
  @Post('stream')
  @SseStream()
  stream(@Body() body: ExtractRequestDto) {
    return this.engine.streamObject(this.messages(body), { schema: ContactDto, engine: this.engineName(body.engine), repair: { attempts: 1 } });
  }

  /** The validated contact as JSON, with the engine and the structured output mode used. */
  @Post()
  @HttpCode(200)
  extract(@Body() body: ExtractRequestDto) {
    return this.engine
      .object(this.messages(body), { schema: ContactDto, engine: this.engineName(body.engine), repair: { attempts: 1 } })
      .pipe(map((result) => ({ contact: result.object, engine: result.engine, model: result.model, mode: result.mode ?? null, warnings: result.warnings })));
  }

  private messages(body: ExtractRequestDto): EngineMessage[] {
    return [
      { role: 'system', content: "Extract the contact described in the user's text. Leave out what the text does not say." },
      { role: 'user', content: body.text },
    ];
  }

  private engineName(engine: string | undefined): string | undefined {
    const engines = this.engine.engines();
    if (engine !== undefined && !engines.includes(engine))
      throw new BadRequestException({ statusCode: 400, message: [`engine must be one of: ${engines.join(', ')}`], error: 'Bad Request' });
    return engine;
  }
}

import { Controller, Delete, Get, HttpCode, NotFoundException, Param, Query, type Type } from '@nestjs/common';
import { EngineService } from '@bupple/nestjs-ai-engine';
import { SseStream, SseStreams, type SseStreamOptions } from '../../lib/sse/index.js';

/** How the chat routes of a resumable-stream spec behave. */
export interface ResumableChatOptions {
  /** How long a stream goes on after its client left (`onDisconnect: { graceMs }`). */
  graceMs: number;
  /** The question every stream asks. */
  question: string;
  /** The route's `resumeKey`: what `GET /chat/latest/:chat` finds the stream by. */
  resumeKey?: SseStreamOptions['resumeKey'];
}

/**
 * The chat controller of the replay specs (Redis, Sentinel, Cluster, outages): `GET /chat/stream`
 * streams one answer (`?engine=` picks the engine), `GET /chat/streams/:streamId` resumes it
 * (`?lastEventId=`), `GET /chat/latest/:chat` resumes the latest stream of a resume key, and
 * `DELETE /chat/streams/:streamId` stops it (404 when unknown).
 */
export function resumableChatController({ graceMs, question, resumeKey }: ResumableChatOptions): Type<unknown> {
  @Controller('chat')
  class ResumableChatController {
    constructor(
      private readonly engine: EngineService,
      private readonly streams: SseStreams,
    ) {}

    @Get('stream')
    @SseStream({ onDisconnect: { graceMs }, ...(resumeKey && { resumeKey }) })
    stream(@Query('engine') engine?: string) {
      return this.engine.stream([{ role: 'user', content: question }], { engine });
    }

    @Get('latest/:chat')
    @SseStream()
    latest(@Param('chat') chat: string) {
      return this.streams.resumeLatest(chat);
    }

    @Get('streams/:streamId')
    @SseStream()
    resume(@Param('streamId') streamId: string, @Query('lastEventId') lastEventId?: string) {
      return this.streams.resume(streamId, lastEventId);
    }

    @Delete('streams/:streamId')
    @HttpCode(204)
    async stop(@Param('streamId') streamId: string) {
      if ((await this.streams.stop(streamId)) === 'not_found') throw new NotFoundException();
    }
  }
  return ResumableChatController;
}

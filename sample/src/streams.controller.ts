import { Controller, Delete, Get, Headers, HttpCode, NotFoundException, Param, Query } from '@nestjs/common';
import { ApiSseResponse, SseStream, SseStreams } from '@bupple/nestjs-ai-engine';

/** Stream ids are 16 URL-safe characters; anything else cannot be one of ours. */
const STREAM_ID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Any stream by its id: `GET` resumes it (the events after `Last-Event-ID` or `?lastEventId=`,
 * all of them without one, then the live ones while it runs), `DELETE` stops it. A browser's
 * `EventSource` on `GET /chat/stream` does not need these: it reconnects to its own URL.
 */
@Controller('chat/streams')
export class StreamsController {
  constructor(private readonly streams: SseStreams) {}

  @Get(':streamId')
  @SseStream()
  @ApiSseResponse({ description: 'The events of the stream after Last-Event-ID, then the live ones' })
  resume(@Param('streamId') streamId: string, @Query('lastEventId') lastEventId?: string, @Headers('last-event-id') header?: string) {
    return this.streams.resume(streamId, header || lastEventId);
  }

  /** 204 once stopped (or when it had already ended), 404 for a stream this app does not know. */
  @Delete(':streamId')
  @HttpCode(204)
  async stop(@Param('streamId') streamId: string): Promise<void> {
    if (!STREAM_ID.test(streamId) || (await this.streams.stop(streamId)) === 'not_found') {
      throw new NotFoundException({ statusCode: 404, error: 'Not Found', message: `No stream ${streamId}.` });
    }
  }
}

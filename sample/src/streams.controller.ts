import {
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  Injectable,
  NotFoundException,
  Param,
  Query,
  Req,
  UseGuards,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { SseStream, SseStreams, type SseRequest } from '@bupple/nestjs-ai-engine';
import { ApiSseResponse } from '@bupple/nestjs-ai-engine/integrations';

/** Stream ids are 16 URL-safe characters; anything else cannot be one of ours. */
const STREAM_ID = /^[A-Za-z0-9_-]{1,64}$/;

function noSuchStream(streamId: string): NotFoundException {
  return new NotFoundException({ statusCode: 404, error: 'Not Found', message: `No stream ${streamId}.` });
}

/**
 * Lets a resume through only for a stream the requesting user started: any other id, someone
 * else's included, is a 404 like an unknown one (it runs before `@SseStream()` takes over).
 */
@Injectable()
class OwnStreamGuard implements CanActivate {
  constructor(private readonly streams: SseStreams) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<SseRequest & { params: Record<string, string> }>();
    const streamId = req.params.streamId ?? '';
    if (!STREAM_ID.test(streamId) || !(await this.streams.info(streamId, this.streams.scopeOf(req)))) throw noSuchStream(streamId);
    return true;
  }
}

/**
 * Any stream by its id: `GET` resumes it (the events after `Last-Event-ID` or `?lastEventId=`,
 * all of them without one, then the live ones while it runs), `DELETE` stops it. A browser's
 * `EventSource` on `GET /chat/stream` does not need these: it reconnects to its own URL.
 * A stream belongs to the user (`x-user`) that started it: for anyone else it does not exist
 * (resume and stop: 404, as for an unknown id).
 */
@Controller('chat/streams')
export class StreamsController {
  constructor(private readonly streams: SseStreams) {}

  @Get(':streamId')
  @UseGuards(OwnStreamGuard)
  @SseStream()
  @ApiSseResponse({ description: 'The events of the stream after Last-Event-ID, then the live ones' })
  resume(@Param('streamId') streamId: string, @Query('lastEventId') lastEventId?: string, @Headers('last-event-id') header?: string) {
    return this.streams.resume(streamId, header || lastEventId);
  }

  /** 204 once stopped (or when it had already ended), 404 for a stream this app does not know or another user's. */
  @Delete(':streamId')
  @HttpCode(204)
  async stop(@Param('streamId') streamId: string, @Req() req: SseRequest): Promise<void> {
    if (!STREAM_ID.test(streamId) || (await this.streams.stop(streamId, this.streams.scopeOf(req))) === 'not_found') {
      throw noSuchStream(streamId);
    }
  }
}

import { HttpException, Inject, Injectable, Logger, Optional, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { ServerResponse } from 'node:http';
import { Observable, throwError } from 'rxjs';
import { ENGINE_MODULE_OPTIONS } from '../bupple-engine.module-definition.js';
import { EngineException } from '../errors/engine.exception.js';
import { describeEngineError, retryAfterSeconds, toHttpException } from '../errors/engine-http.js';
import { redactSecrets } from '../errors/redact.js';
import type { BuppleEngineModuleOptions } from '../bupple-engine.module-options.js';
import { resolveScope } from '../scope/engine-scope.js';
import { jsonLimitException, requestJsonProblem } from '../security/json-limits.js';
import { TokenLimitException, TooManyStreamsException } from '../security/limits.js';
import { parseSseEventId } from './replay/replay-record.js';
import { SseConnection, type PlatformResponse } from './sse-connection.js';
import { setSseStreamOf, takePendingSseOptions } from './sse-features.js';
import type { SseRequest, SseStreamOptions } from './sse-options.interface.js';
import type { SseResumeRequest } from './sse-resume.js';
import { SseSession } from './sse-session.js';
import { SSE_STREAM_OPTIONS } from './sse-stream.constants.js';
import { SseStreams } from './sse-streams.service.js';

type PlatformRequest = SseRequest & { raw?: SseRequest };

/** The `Last-Event-ID` a reconnecting client sent: the header, or `?lastEventId=`. */
export function lastEventIdOf(request: PlatformRequest): string | undefined {
  const header = request.headers['last-event-id'];
  const value = Array.isArray(header) ? header[0] : header;
  if (value) return value;
  const query = request.query?.lastEventId;
  return typeof query === 'string' && query !== '' ? query : undefined;
}

/**
 * Answers a route with Server-Sent Events from the Observable its handler returns (use it
 * through `@SseStream()`). The 200 and the `start` event wait until the engine accepted
 * the request, so a failure before that still gets a real HTTP error status. A request
 * with `Last-Event-ID` (or `?lastEventId=`) resumes that stream instead: the handler is not
 * called, so there is never a second generation.
 */
@Injectable()
export class SseStreamInterceptor implements NestInterceptor {
  private readonly logger = new Logger('BuppleSse');
  private readonly streams: SseStreams;
  private readonly optionsByRoute = new WeakMap<object, SseStreamOptions>();

  constructor(
    private readonly reflector: Reflector,
    @Optional() @Inject(ENGINE_MODULE_OPTIONS) private readonly moduleOptions?: BuppleEngineModuleOptions,
    @Optional() streams?: SseStreams,
  ) {
    // without the module (an interceptor used on its own), streams resume within this interceptor
    this.streams = streams ?? new SseStreams(moduleOptions);
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const request = http.getRequest<PlatformRequest>();
    const response = http.getResponse<PlatformResponse & ServerResponse>();
    // a copy per request: a session takes late options (feature interceptors) into its own
    const pending = takePendingSseOptions(request);
    const options: SseStreamOptions = pending ? { ...this.routeOptions(context.getHandler()), ...pending } : { ...this.routeOptions(context.getHandler()) };
    // before any pipe: a body nested thousands of levels deep is a 400, not a stack overflow in class-transformer
    const limits = this.moduleOptions?.jsonLimits;
    const problem = limits === false ? undefined : requestJsonProblem(request, limits);
    if (problem) return throwError(() => jsonLimitException(problem));
    const raw = request.raw ?? request;
    return new Observable<unknown>((outer) => {
      const done = () => {
        outer.next(undefined);
        outer.complete();
      };
      const label = { streamId: 'resume' };
      const connection = new SseConnection(raw, response, options, this.logger, () => label.streamId);
      const resume = (streamId: string, lastEventId: string | undefined, scope: string | undefined) => {
        const parsed = parseSseEventId(lastEventId);
        const afterSeq = parsed && parsed.streamId === streamId ? parsed.seq : 0;
        this.streams.attach(connection, streamId, afterSeq, scope).then(done, (error: unknown) => {
          // the replay store being away is logged once per outage by the store, not per resume
          if (!(EngineException.isInstance(error) && error.code === 'replay_unavailable')) {
            this.logger.warn(`SSE resume of ${streamId} failed: ${redactSecrets((error as Error).message)}`);
          }
          if (!connection.committed) outer.error(this.beforeFirstByte(error, response));
          else connection.end();
        });
      };
      const lastEventId = lastEventIdOf(request);
      const parsed = parseSseEventId(lastEventId);
      if (lastEventId !== undefined) {
        // a reconnection: never a second generation
        resume(parsed?.streamId ?? '', lastEventId, resolveScope(options.scope, request));
        return undefined;
      }
      // the per-scope cap on streams generating at once: a 429 before the handler, so before any provider call
      const streamScope = resolveScope(options.scope, request);
      const cap = this.moduleOptions?.limits?.maxConcurrentStreams;
      if (cap !== undefined && this.streams.runningFor(streamScope) >= cap) {
        outer.error(this.beforeFirstByte(new TooManyStreamsException(cap, this.moduleOptions?.limits?.retryAfterSeconds ?? 5), response));
        return undefined;
      }
      const budget = this.moduleOptions?.limits?.tokensPerWindow;
      const window = budget && this.streams.tokenWindow(streamScope);
      if (budget && window && window.used >= budget.tokens) {
        outer.error(this.beforeFirstByte(new TokenLimitException(budget.tokens, window.resetInMs), response));
        return undefined;
      }
      const session = new SseSession(
        request,
        connection,
        options,
        this.streams,
        {
          onCommitted: done,
          onEarlyError: (error) => outer.error(this.beforeFirstByte(error, response)),
          onResume: (asked: SseResumeRequest) =>
            resume(asked.streamId, asked.lastEventId, asked.scopeGiven ? asked.scope : resolveScope(options.scope, request)),
        },
        this.logger,
      );
      label.streamId = session.streamId;
      // feature interceptors inside @SseStream() configure it while it subscribes
      setSseStreamOf(request, session);
      session.run(() => next.handle());
      // Once committed, the session owns the stream until the client goes.
      return () => {
        if (!session.committed) session.dispose();
      };
    });
  }

  /** The module's and the route's options, merged once per route. */
  private routeOptions(handler: object): SseStreamOptions {
    let merged = this.optionsByRoute.get(handler);
    if (!merged) {
      const { replay: _replay, ...moduleDefaults } = this.moduleOptions?.sse ?? {};
      merged = {
        // the module's scope hook owns streams too, unless the sse options or the route set another
        ...(this.moduleOptions?.scope && { scope: this.moduleOptions.scope }),
        ...moduleDefaults,
        ...this.reflector.get<SseStreamOptions | undefined>(SSE_STREAM_OPTIONS, handler as () => unknown),
      };
      this.optionsByRoute.set(handler, merged);
    }
    return merged;
  }

  /** An error before any byte was written becomes an ordinary HTTP error response. */
  private beforeFirstByte(error: unknown, response: PlatformResponse & ServerResponse): unknown {
    if (error instanceof HttpException || !EngineException.isInstance(error)) return error;
    // the client gets the library's message for the code; the log gets the provider's detail
    if (error.status !== undefined || error.provider !== undefined)
      this.logger.warn(`SSE request failed before the stream started: ${describeEngineError(error)}`);
    else this.logger.debug(`SSE request refused: ${describeEngineError(error)}`);
    const retryAfter = retryAfterSeconds(error);
    if (retryAfter !== undefined) {
      const target = response.raw ?? response;
      target.setHeader('Retry-After', String(retryAfter));
      (response as { header?: (name: string, value: string) => void }).header?.('retry-after', String(retryAfter));
    }
    return toHttpException(error);
  }
}

import { Observable } from 'rxjs';

const SSE_RESUME = Symbol.for('bupple.nestjs-ai-engine.sse-resume');

/** What `SseStreams.resume()` hands to `@SseStream()`: resume this stream on this response. */
export interface SseResumeRequest {
  readonly [SSE_RESUME]: true;
  streamId: string;
  /** The last event the client has (`<streamId>-<seq>`); undefined replays from the start. */
  lastEventId: string | undefined;
  /** The caller's scope; undefined uses the route's `scope` option. */
  scope: string | undefined;
  /** True when the caller passed a scope explicitly. */
  scopeGiven: boolean;
}

export function sseResumeRequest(
  streamId: string,
  lastEventId: string | undefined,
  scope: string | undefined,
  scopeGiven: boolean,
): Observable<SseResumeRequest> {
  const request: SseResumeRequest = { [SSE_RESUME]: true, streamId, lastEventId, scope, scopeGiven };
  return new Observable<SseResumeRequest>((subscriber) => subscriber.next(request));
}

export function isSseResumeRequest(value: unknown): value is SseResumeRequest {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[SSE_RESUME] === true;
}

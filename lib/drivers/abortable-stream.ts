import { Observable, type Subscriber } from 'rxjs';
import type { DriverStreamPart } from './engine-driver.interface.js';

/** Where a driver's call writes its parts. */
export type DriverPartSink = Pick<Subscriber<DriverStreamPart>, 'next' | 'error' | 'complete'>;

/**
 * The cold Observable around one provider call: `call` starts on subscription with a signal
 * that unsubscribing aborts. A call that already ended is not aborted (an abort would only
 * cost an AbortError per stream).
 */
export function abortableStream(call: (sink: DriverPartSink, signal: AbortSignal) => Promise<void>): Observable<DriverStreamPart> {
  return new Observable<DriverStreamPart>((subscriber) => {
    const controller = new AbortController();
    let settled = false;
    void call(
      {
        next: (part) => subscriber.next(part),
        error: (error: unknown) => {
          settled = true;
          subscriber.error(error);
        },
        complete: () => {
          settled = true;
          subscriber.complete();
        },
      },
      controller.signal,
    );
    return () => {
      if (!settled) controller.abort();
    };
  });
}

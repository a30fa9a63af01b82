import { jest } from '@jest/globals';
import { lastValueFrom, Observable, Subject, toArray } from 'rxjs';
import type { DriverRequest, DriverStreamPart, EngineDriver } from '../drivers/engine-driver.interface.js';
import { ConnectionException, DeltaTooLargeException, ProviderServerException } from '../errors/engine.exception.js';
import { attempt, startsAnswer } from './attempt.js';

/** A driver whose parts the test pushes by hand, and which counts the teardowns of its requests. */
class HandDriver implements EngineDriver {
  readonly name = 'hand';
  readonly provider = 'handmade';
  readonly defaultModel = 'm';
  parts = new Subject<DriverStreamPart>();
  aborted = 0;
  subscribed = 0;
  stream(_request: DriverRequest): Observable<DriverStreamPart> {
    return new Observable<DriverStreamPart>((subscriber) => {
      this.subscribed++;
      const sub = this.parts.subscribe(subscriber);
      // the request is torn down: by an abort here (the parts never ended by themselves)
      return () => {
        this.aborted++;
        sub.unsubscribe();
      };
    });
  }
}

const request: DriverRequest = { messages: [{ role: 'user', content: 'x' }], options: { model: 'm' } };
const limits = { firstByteMs: 40, idleMs: 80, maxDeltaChars: 10 };

describe('attempt()', () => {
  it('passes the parts through and completes with the driver', async () => {
    const driver = new HandDriver();
    const done = lastValueFrom(attempt(driver, request, limits).pipe(toArray()));
    driver.parts.next({ type: 'response-start', model: 'm', warnings: [] });
    driver.parts.next({ type: 'text-delta', text: 'hi' });
    driver.parts.next({ type: 'finish', finishReason: 'stop', rawFinishReason: 'stop' });
    driver.parts.complete();
    expect((await done).map((p) => p.type)).toEqual(['response-start', 'text-delta', 'finish']);
  });

  it('fails with a ConnectionException naming the engine when no first byte comes in firstByteMs, and aborts the request', async () => {
    const driver = new HandDriver();
    const started = Date.now();
    await expect(lastValueFrom(attempt(driver, request, limits))).rejects.toThrow(ConnectionException);
    expect(Date.now() - started).toBeGreaterThanOrEqual(35);
    expect(driver.aborted).toBe(1);
  });

  it('switches to idleMs once the answer started, and counts only parts that show work', async () => {
    const driver = new HandDriver();
    const failed = lastValueFrom(attempt(driver, request, limits)).catch((error: unknown) => error);
    driver.parts.next({ type: 'response-start', model: 'm', warnings: [] });
    // past firstByteMs but within idleMs: alive
    await new Promise((resolve) => setTimeout(resolve, 60));
    driver.parts.next({ type: 'text-delta', text: 'a' });
    const lastWork = Date.now();
    // empty deltas are no sign of work
    const empties = setInterval(() => driver.parts.next({ type: 'text-delta', text: '' }), 10);
    const error = (await failed) as ConnectionException;
    clearInterval(empties);
    expect(error).toBeInstanceOf(ConnectionException);
    expect(error.engine).toBe('hand');
    expect(Date.now() - lastWork).toBeGreaterThanOrEqual(75);
  });

  it('fails with DeltaTooLargeException on a delta over the cap, stopping the driver before it reports', async () => {
    const driver = new HandDriver();
    const seen: string[] = [];
    const failed = new Promise<unknown>((resolve) =>
      attempt(driver, request, limits).subscribe({
        next: (part) => seen.push(part.type),
        error: (error: unknown) => {
          seen.push(`aborted=${driver.aborted}`);
          resolve(error);
        },
      }),
    );
    driver.parts.next({ type: 'tool-call-delta', id: 'c', argsTextDelta: 'x'.repeat(11) });
    expect(await failed).toBeInstanceOf(DeltaTooLargeException);
    expect(seen).toEqual(['aborted=1']);
  });

  it('caps a call that arrived whole (its args given) as one delta, not the end of a streamed call', async () => {
    const driver = new HandDriver();
    const seen: string[] = [];
    const failed = new Promise<unknown>((resolve) => attempt(driver, request, limits).subscribe({ next: (part) => seen.push(part.type), error: resolve }));
    // a streamed call's end carries the pieces already capped one by one
    driver.parts.next({ type: 'tool-call-end', id: 's', name: 'n', argsText: `{"q":"${'x'.repeat(20)}"}` });
    driver.parts.next({ type: 'tool-call-end', id: 'w', name: 'n', argsText: `{"q":"${'x'.repeat(20)}"}`, args: { q: 'x'.repeat(20) } });
    expect(await failed).toBeInstanceOf(DeltaTooLargeException);
    expect(seen).toEqual(['tool-call-end']);
  });

  it('turns a driver error that is not an EngineException into ProviderServerException', async () => {
    const driver = new HandDriver();
    const failed = lastValueFrom(attempt(driver, request, limits)).catch((error: unknown) => error);
    driver.parts.error(new TypeError('socket says no'));
    const error = (await failed) as ProviderServerException;
    expect(error).toBeInstanceOf(ProviderServerException);
    expect(error.engine).toBe('hand');
  });

  it('clears its timer and aborts the driver on unsubscribe', () => {
    jest.useFakeTimers();
    try {
      const driver = new HandDriver();
      const sub = attempt(driver, request, limits).subscribe({ error: () => undefined });
      expect(jest.getTimerCount()).toBe(1);
      sub.unsubscribe();
      expect(jest.getTimerCount()).toBe(0);
      expect(driver.aborted).toBe(1);
    } finally {
      jest.useRealTimers();
    }
  });

  it('knows which parts start an answer', () => {
    expect(startsAnswer({ type: 'activity' })).toBe(false);
    expect(startsAnswer({ type: 'tool-call-start', id: 'a', name: 'n' })).toBe(false);
    expect(startsAnswer({ type: 'text-delta', text: '' })).toBe(false);
    expect(startsAnswer({ type: 'text-delta', text: 'a' })).toBe(true);
    expect(startsAnswer({ type: 'response-start', model: 'm', warnings: [] })).toBe(true);
  });
});

import 'reflect-metadata';
import { defer, filter, from, lastValueFrom, map, mergeAll, Observable, share, Subject, switchMap, takeUntil, toArray } from 'rxjs';
import type { DriverRequest, DriverStreamPart, EngineDriver } from '../drivers/engine-driver.interface.js';
import { EngineService } from '../engine.service.js';
import { ConnectionException } from '../errors/engine.exception.js';
import { lifecycleOf, withStreamLifecycle, type StreamReporter } from './stream-lifecycle.js';

/** A driver that fails its first call (retryable), then answers with a warning and two deltas. */
class FlakyDriver implements EngineDriver {
  readonly name = 'flaky';
  readonly provider = 'scripted';
  readonly defaultModel = 'f-1';
  calls = 0;
  stream(_request: DriverRequest): Observable<DriverStreamPart> {
    const call = ++this.calls;
    return new Observable<DriverStreamPart>((subscriber) => {
      if (call === 1) {
        subscriber.error(new ConnectionException('reset by peer', { provider: 'scripted' }));
        return;
      }
      subscriber.next({ type: 'response-start', model: 'f-1', warnings: [{ type: 'unsupported-option', option: 'topP', message: 'topP is not supported' }] });
      subscriber.next({ type: 'text-delta', text: 'Hi' });
      subscriber.next({ type: 'text-delta', text: '!' });
      subscriber.next({ type: 'finish', finishReason: 'stop', rawFinishReason: 'stop' });
      subscriber.complete();
    });
  }
}

function engine(): EngineService {
  const driver = new FlakyDriver();
  return new EngineService(
    { engine: { drivers: { flaky: driver }, retry: { maxRetries: 2, initialDelayMs: 1, maxDelayMs: 5 } } },
    new Map([['flaky', driver]]),
  );
}

function recorder(): StreamReporter & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    accepted: (info) => calls.push(`accepted ${info.engine}/${info.model}`),
    retry: (info) => calls.push(`retry ${info.attempt} reset=${info.reset}`),
    fallback: (info) => calls.push(`fallback ${info.from}>${info.to}`),
    warning: (warning) => calls.push(`warning ${warning.option}`),
  };
}

const hello = [{ role: 'user' as const, content: 'hello' }];
const expected = ['retry 1 reset=false', 'accepted flaky/f-1', 'warning topP'];

describe('the stream lifecycle channel', () => {
  it('reaches the engine through map, filter, takeUntil and switchMap, and leaves the values as they are', async () => {
    const lifecycle = recorder();
    const stop = new Subject<void>();
    const routed = from([1]).pipe(
      switchMap(() => engine().stream(hello)),
      filter((chunk) => chunk.content !== ''),
      map((chunk) => chunk.content.toUpperCase()),
      takeUntil(stop),
    );
    expect(await lastValueFrom(routed.pipe(toArray(), withStreamLifecycle(lifecycle)))).toEqual(['HI', '!']);
    expect(lifecycle.calls).toEqual(expected);
  });

  it("crosses Nest's wrapping of a handler's result (a deferred promise, mergeAll)", async () => {
    const lifecycle = recorder();
    const handler = () => Promise.resolve(engine().stream(hello));
    const wrapped = defer(() => Promise.resolve(defer(() => from(handler()).pipe(mergeAll())))).pipe(mergeAll());
    await lastValueFrom(wrapped.pipe(withStreamLifecycle(lifecycle)));
    expect(lifecycle.calls).toEqual(expected);
  });

  it('belongs to one subscription: two at once each hear their own, a plain subscriber hears nothing and sees the same chunks', async () => {
    const service = engine();
    const source = service.stream(hello);
    const a = recorder();
    const b = recorder();
    const [withA, withB, plain] = await Promise.all([
      lastValueFrom(source.pipe(toArray(), withStreamLifecycle(a))),
      lastValueFrom(source.pipe(toArray(), withStreamLifecycle(b))),
      lastValueFrom(source.pipe(toArray())),
    ]);
    // the driver's first call (a's) fails once: only a hears that retry
    expect(a.calls).toEqual(expected);
    expect(b.calls).toEqual(['accepted flaky/f-1', 'warning topP']);
    expect(plain.map((c) => c.content)).toEqual(withA.map((c) => c.content));
    expect(withB.map((c) => c.content)).toEqual(['Hi', '!', '']);
  });

  it('is cut by a Subject (share()): the stream then runs without one', async () => {
    const lifecycle = recorder();
    const chunks = await lastValueFrom(engine().stream(hello).pipe(share(), toArray(), withStreamLifecycle(lifecycle)));
    expect(chunks.map((c) => c.content)).toEqual(['Hi', '!', '']);
    expect(lifecycle.calls).toEqual([]);
  });

  it('finds the nearest lifecycle down the chain', () => {
    const outer = recorder();
    const inner = recorder();
    let found: StreamReporter | undefined;
    const probe = new Observable<never>((subscriber) => {
      found = lifecycleOf(subscriber);
      subscriber.complete();
    });
    probe
      .pipe(
        map((x) => x),
        withStreamLifecycle(inner),
        map((x) => x),
        withStreamLifecycle(outer),
      )
      .subscribe();
    expect(found).toBe(inner);
    probe.subscribe();
    expect(lifecycleOf(new Subject<never>() as never)).toBeUndefined();
  });
});

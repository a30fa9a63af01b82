import 'reflect-metadata';
import { firstValueFrom, lastValueFrom, Observable, toArray } from 'rxjs';
import type { DriverRequest, DriverStreamPart, EngineDriver } from '../drivers/engine-driver.interface.js';
import { OfflineDriver } from '../drivers/offline/offline.driver.js';
import type { OfflineEngineConfig } from '../drivers/offline/offline-engine-config.interface.js';
import { EngineService } from '../engine.service.js';
import {
  ConnectionException,
  ProviderServerException,
  AuthenticationException,
  UnknownEngineException,
  ValidationException,
} from '../errors/engine.exception.js';
import type { ConversationLike, RecordedAnswer } from '../interfaces/conversation-like.interface.js';
import type { EngineMessage } from '../interfaces/engine-message.interface.js';
import type { BuppleEngineModuleOptions } from '../bupple-engine.module-options.js';
import { withStreamLifecycle, type StreamReporter } from './stream-lifecycle.js';

/** A driver that behaves like a different offline script on each attempt, and counts attempts. */
class AttemptsDriver implements EngineDriver {
  readonly provider = 'scripted';
  readonly defaultModel = 'scripted-1';
  attempts = 0;
  readonly requests: DriverRequest[] = [];
  private readonly offline: OfflineDriver;
  constructor(
    readonly name: string,
    private readonly scripts: OfflineEngineConfig[],
    readonly defaults?: EngineDriver['defaults'],
  ) {
    this.offline = new OfflineDriver(name, { tokenDelayMs: 1 });
  }
  stream(request: DriverRequest): Observable<DriverStreamPart> {
    const script = this.scripts[Math.min(this.attempts, this.scripts.length - 1)];
    this.attempts++;
    this.requests.push(request);
    return this.offline.stream({ ...request, options: { ...request.options, providerOptions: { tokenDelayMs: 1, ...script } } });
  }
  get lastState() {
    return this.offline.lastRequest?.state;
  }
}

const hello: EngineMessage[] = [{ role: 'user', content: 'hello' }];
const fastRetry = { maxRetries: 2, initialDelayMs: 1, maxDelayMs: 50 };

function service(drivers: Record<string, EngineDriver>, engine: Partial<BuppleEngineModuleOptions['engine']> = {}): EngineService {
  return new EngineService({ engine: { drivers, retry: fastRetry, ...engine } }, new Map(Object.entries(drivers)));
}

function recorder(): StreamReporter & { calls: [string, unknown][] } {
  const calls: [string, unknown][] = [];
  return {
    calls,
    accepted: (info) => calls.push(['accepted', info]),
    retry: (info) => calls.push(['retry', info]),
    fallback: (info) => calls.push(['fallback', info]),
  };
}

/** Subscribes with a reporter attached, as @SseStream() does. */
function collectWith(reporter: StreamReporter, source: Observable<unknown>): Promise<unknown[]> {
  return lastValueFrom(source.pipe(toArray(), withStreamLifecycle(reporter)));
}

describe('EngineService.stream()', () => {
  it('streams chunks, then a last chunk with finish reason and usage', async () => {
    const engine = service({ a: new AttemptsDriver('a', [{ chunks: ['Hi', ' there'] }]) });
    const chunks = await lastValueFrom(engine.stream(hello).pipe(toArray()));
    expect(chunks.map((c) => c.content)).toEqual(['Hi', ' there', '']);
    expect(chunks.map((c) => c.index)).toEqual([0, 1, 2]);
    expect(chunks[2]).toMatchObject({ finishReason: 'stop', usage: { completionTokens: 2 }, engine: 'a', model: 'scripted-1' });
  });

  it('does nothing before subscription', () => {
    const driver = new AttemptsDriver('a', [{ chunks: ['x'] }]);
    service({ a: driver }).stream(hello);
    expect(driver.attempts).toBe(0);
  });

  it('aborts the provider request on unsubscribe', async () => {
    const driver = new AttemptsDriver('a', [{ chunks: Array.from({ length: 50 }, () => 'x'), tokenDelayMs: 5 }]);
    const first = await firstValueFrom(service({ a: driver }).stream(hello));
    expect(first.content).toBe('x');
    expect(driver.lastState).toBe('aborted');
  });

  it('applies engine defaults under per-call options, and model only to the first engine', async () => {
    const a = new AttemptsDriver('a', [{ failAt: { afterChunks: 0, beforeStart: true, kind: 'authentication' } }], { temperature: 0.3, maxTokens: 50 });
    const b = new AttemptsDriver('b', [{ chunks: ['ok'] }], { temperature: 0.9 });
    await lastValueFrom(service({ a, b }).stream(hello, { engine: 'a', fallback: ['b'], model: 'big', maxTokens: 10, stop: 'END', topP: 0.5 }));
    expect(a.requests[0].options).toEqual({ model: 'big', temperature: 0.3, maxTokens: 10, stop: ['END'], topP: 0.5 });
    expect(b.requests[0].options).toEqual({ model: 'scripted-1', temperature: 0.9, maxTokens: 10, stop: ['END'], topP: 0.5 });
  });

  it('rejects bad messages and unknown engines without calling a provider', async () => {
    const driver = new AttemptsDriver('a', [{ chunks: ['x'] }]);
    const engine = service({ a: driver });
    await expect(lastValueFrom(engine.stream([]))).rejects.toBeInstanceOf(ValidationException);
    await expect(lastValueFrom(engine.stream([{ role: 'robot', content: 'x' } as never]))).rejects.toThrow('messages[0].role');
    await expect(lastValueFrom(engine.stream(hello, { engine: 'zz' }))).rejects.toThrow(UnknownEngineException);
    await expect(lastValueFrom(engine.stream(hello, { engine: 'zz' }))).rejects.toThrow('Configured engines: "a"');
    expect(driver.attempts).toBe(0);
  });

  it('retries a retryable failure before content, transparently, honouring retryAfter', async () => {
    const driver = new AttemptsDriver('a', [{ failAt: { afterChunks: 0, beforeStart: true, kind: 'rate_limit', retryAfterMs: 30 } }, { chunks: ['fine'] }]);
    const reporter = recorder();
    const started = Date.now();
    const chunks = (await collectWith(reporter, service({ a: driver }).stream(hello))) as { content: string }[];
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
    expect(chunks.map((c) => c.content).join('')).toBe('fine');
    expect(driver.attempts).toBe(2);
    expect(reporter.calls.map(([kind]) => kind)).toEqual(['retry', 'accepted']);
    expect(reporter.calls[0][1]).toMatchObject({ attempt: 1, maxAttempts: 2, delayMs: 30, reset: false, reason: 'rate_limit' });
  });

  it('gives up after maxRetries with the typed error', async () => {
    const driver = new AttemptsDriver('a', [{ failAt: { afterChunks: 0, beforeStart: true, kind: 'provider_error' } }]);
    await expect(lastValueFrom(service({ a: driver }).stream(hello))).rejects.toBeInstanceOf(ProviderServerException);
    expect(driver.attempts).toBe(3);
  });

  it('does not retry a non-retryable error', async () => {
    const driver = new AttemptsDriver('a', [{ failAt: { afterChunks: 0, beforeStart: true, kind: 'authentication' } }]);
    await expect(lastValueFrom(service({ a: driver }).stream(hello))).rejects.toBeInstanceOf(AuthenticationException);
    expect(driver.attempts).toBe(1);
  });

  it('ends with the error when a failure comes after content (never duplicated text)', async () => {
    const driver = new AttemptsDriver('a', [{ chunks: ['one ', 'two ', 'three'], failAt: { afterChunks: 2, kind: 'provider_error' } }, { chunks: ['again'] }]);
    const seen: string[] = [];
    await expect(
      lastValueFrom(
        service({ a: driver })
          .stream(hello)
          .pipe(
            (s) => new Observable<unknown>((o) => s.subscribe({ next: (c) => seen.push(c.content), error: (e) => o.error(e), complete: () => o.complete() })),
          ),
      ),
    ).rejects.toBeInstanceOf(ProviderServerException);
    expect(seen).toEqual(['one ', 'two ']);
    expect(driver.attempts).toBe(1);
  });

  it('restarts after content when asked, reporting reset: true first', async () => {
    const driver = new AttemptsDriver('a', [
      { chunks: ['one ', 'two ', 'three'], failAt: { afterChunks: 2, kind: 'provider_error' } },
      { chunks: ['whole answer'] },
    ]);
    const reporter = recorder();
    const chunks = (await collectWith(reporter, service({ a: driver }, { retry: { ...fastRetry, afterContent: 'restart' } }).stream(hello))) as {
      content: string;
      index: number;
    }[];
    expect(chunks.map((c) => c.content)).toEqual(['one ', 'two ', 'whole answer', '']);
    expect(chunks.map((c) => c.index)).toEqual([0, 1, 0, 1]);
    expect(reporter.calls.map(([kind]) => kind)).toEqual(['accepted', 'retry']);
    expect(reporter.calls[1][1]).toMatchObject({ reset: true });
  });

  it('retries a failure after reasoning only (no answer yet) by default, reporting reset: true so that clients take the reasoning back', async () => {
    const driver = new AttemptsDriver('a', [
      { steps: [{ reasoning: ['thinking ', 'hard'], text: 'answer' }], failAt: { afterChunks: 2, kind: 'provider_error' } },
      { steps: [{ reasoning: ['thinking ', 'again'], text: 'answer' }] },
    ]);
    const reporter = recorder();
    const chunks = (await collectWith(reporter, service({ a: driver }).stream(hello))) as { content: string; reasoning?: string; index: number }[];
    expect(driver.attempts).toBe(2);
    expect(chunks.filter((c) => c.reasoning).map((c) => [c.reasoning, c.index])).toEqual([
      ['thinking ', 0],
      ['hard', 1],
      ['thinking ', 0],
      ['again', 1],
    ]);
    expect(chunks.map((c) => c.content).join('')).toBe('answer');
    expect(reporter.calls.map(([kind]) => kind)).toEqual(['accepted', 'retry']);
    expect(reporter.calls[1][1]).toMatchObject({ attempt: 1, reset: true, reason: 'provider_error' });
  });

  it('falls back along the chain; the engine that answered is reported', async () => {
    const a = new AttemptsDriver('a', [{ failAt: { afterChunks: 0, beforeStart: true, kind: 'authentication' } }]);
    const b = new AttemptsDriver('b', [{ failAt: { afterChunks: 0, beforeStart: true, kind: 'overloaded' } }]);
    const c = new AttemptsDriver('c', [{ chunks: ['from c'] }]);
    const reporter = recorder();
    const chunks = (await collectWith(reporter, service({ a, b, c }, { fallback: ['b', 'c'] }).stream(hello))) as { engine: string }[];
    expect(chunks.every((chunk) => chunk.engine === 'c')).toBe(true);
    expect(a.attempts).toBe(1); // auth: not worth retrying
    expect(b.attempts).toBe(1); // overloaded with a next engine: move on
    expect(reporter.calls).toEqual([
      ['fallback', { from: 'a', to: 'b', reason: 'authentication', reset: false }],
      ['fallback', { from: 'b', to: 'c', reason: 'overloaded', reset: false }],
      ['accepted', { engine: 'c', provider: 'scripted', model: 'scripted-1' }],
    ]);
  });

  it('times out a provider that does not accept, and one that stalls', async () => {
    const slowStart = new AttemptsDriver('a', [{ acceptDelayMs: 500, chunks: ['x'] }]);
    const noRetry = { ...fastRetry, maxRetries: 0 };
    await expect(lastValueFrom(service({ a: slowStart }, { retry: noRetry, timeout: { firstByteMs: 30 } }).stream(hello))).rejects.toThrow(
      /did not answer within 30 ms/,
    );
    expect(slowStart.lastState).toBe('aborted');
    const stall = new AttemptsDriver('a', [{ chunks: ['x', 'y'], tokenDelayMs: 500 }]);
    const error = await lastValueFrom(service({ a: stall }, { retry: noRetry, timeout: { idleMs: 40 } }).stream(hello)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionException);
    expect((error as Error).message).toMatch(/stalled/);
    expect(stall.lastState).toBe('aborted');
  });

  it('stops when the caller aborts through its signal', async () => {
    const driver = new AttemptsDriver('a', [{ chunks: Array.from({ length: 50 }, () => 'x'), tokenDelayMs: 5 }]);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 30);
    const chunks = await lastValueFrom(service({ a: driver }).stream(hello, { signal: controller.signal }).pipe(toArray()));
    expect(chunks.length).toBeLessThan(50);
    expect(driver.lastState).toBe('aborted');
  });
});

describe('EngineService.send()', () => {
  it('returns one whole response', async () => {
    const engine = service({ a: new AttemptsDriver('a', [{ chunks: ['Hel', 'lo'] }]) });
    await expect(firstValueFrom(engine.send(hello))).resolves.toEqual({
      role: 'assistant',
      content: 'Hello',
      engine: 'a',
      model: 'scripted-1',
      usage: { promptTokens: 1, completionTokens: 2, totalTokens: 3 },
      finishReason: 'stop',
      rawFinishReason: 'stop',
      warnings: [],
    });
  });

  it('restarts after partial content without keeping the partial text', async () => {
    const driver = new AttemptsDriver('a', [{ chunks: ['garbled ', 'text'], failAt: { afterChunks: 1, kind: 'connection' } }, { chunks: ['clean'] }]);
    const response = await firstValueFrom(service({ a: driver }).send(hello));
    expect(response.content).toBe('clean');
  });

  it('engine(name) binds calls to that engine', async () => {
    const engine = service({ a: new AttemptsDriver('a', [{ chunks: ['A'] }]), b: new AttemptsDriver('b', [{ chunks: ['B'] }]) });
    expect(engine.engine('b')).toMatchObject({ name: 'b', provider: 'scripted', model: 'scripted-1' });
    await expect(firstValueFrom(engine.engine('b').send(hello))).resolves.toMatchObject({ content: 'B', engine: 'b' });
    expect(() => engine.engine('zz')).toThrow(UnknownEngineException);
    expect(engine.engines()).toEqual(['a', 'b']);
  });
});

describe('conversation recording', () => {
  class RecordingConversation implements ConversationLike {
    readonly inputs: EngineMessage[][] = [];
    readonly answers: RecordedAnswer[] = [];
    constructor(private readonly history: EngineMessage[] = []) {}
    async toEngineMessages() {
      return this.history;
    }
    async recordInput(messages: EngineMessage[]) {
      this.inputs.push(messages);
    }
    async recordAnswer(answer: RecordedAnswer) {
      this.answers.push(answer);
    }
  }

  it('sends the history first, stores the input, then the assembled answer once', async () => {
    const driver = new AttemptsDriver('a', [{ chunks: ['Hel', 'lo'] }]);
    const conversation = new RecordingConversation([
      { role: 'user', content: 'earlier' },
      { role: 'assistant', content: 'reply' },
    ]);
    await lastValueFrom(service({ a: driver }).stream(hello, { conversation }));
    expect(driver.requests[0].messages.map((m) => m.content)).toEqual(['earlier', 'reply', 'hello']);
    expect(conversation.inputs).toEqual([hello]);
    expect(conversation.answers).toEqual([expect.objectContaining({ content: 'Hello', complete: true, engine: 'a', finishReason: 'stop' })]);
  });

  it('stores a partial answer flagged incomplete when the client leaves or the stream fails', async () => {
    const leaving = new RecordingConversation();
    const driver = new AttemptsDriver('a', [{ chunks: ['one ', 'two ', 'three'], tokenDelayMs: 20 }]);
    await firstValueFrom(service({ a: driver }).stream(hello, { conversation: leaving }));
    await new Promise((r) => setTimeout(r, 10));
    expect(leaving.answers).toEqual([expect.objectContaining({ content: 'one ', complete: false, interruptedBy: 'aborted' })]);

    const failing = new RecordingConversation();
    const broken = new AttemptsDriver('a', [{ chunks: ['one ', 'two'], failAt: { afterChunks: 1, kind: 'authentication' } }]);
    await expect(lastValueFrom(service({ a: broken }).stream(hello, { conversation: failing }))).rejects.toBeInstanceOf(AuthenticationException);
    expect(failing.answers).toEqual([expect.objectContaining({ content: 'one ', complete: false, interruptedBy: 'authentication' })]);
  });
});

describe('warnings', () => {
  it('are on the first chunk of a stream and in the response of send()', async () => {
    const warning = { type: 'unsupported-option' as const, option: 'presencePenalty', message: 'not supported' };
    const driver: EngineDriver = {
      name: 'w',
      provider: 'w',
      defaultModel: 'w-1',
      stream: () =>
        new Observable<DriverStreamPart>((subscriber) => {
          subscriber.next({ type: 'response-start', model: 'w-1', warnings: [warning] });
          subscriber.next({ type: 'text-delta', text: 'a' });
          subscriber.next({ type: 'text-delta', text: 'b' });
          subscriber.next({ type: 'finish', finishReason: 'stop', rawFinishReason: 'end' });
          subscriber.complete();
        }),
    };
    const engine = service({ w: driver });
    const chunks = await lastValueFrom(engine.stream(hello).pipe(toArray()));
    expect(chunks.map((c) => c.warnings)).toEqual([[warning], undefined, undefined]);
    await expect(firstValueFrom(engine.send(hello))).resolves.toMatchObject({ content: 'ab', warnings: [warning], rawFinishReason: 'end' });
  });
});

describe('settings', () => {
  it('options left undefined do not override the defaults', async () => {
    const engine = service(
      { a: new AttemptsDriver('a', [{ chunks: ['ok'] }]) },
      { retry: { maxRetries: undefined }, timeout: { firstByteMs: undefined, idleMs: undefined } },
    );
    await expect(firstValueFrom(engine.send(hello, { timeout: { idleMs: undefined } }))).resolves.toMatchObject({ content: 'ok' });
  });
});

describe('activity', () => {
  it('keeps a stream that reasons for longer than idleMs alive', async () => {
    const driver: EngineDriver = {
      name: 'r',
      provider: 'r',
      defaultModel: 'r-1',
      stream: () =>
        new Observable<DriverStreamPart>((subscriber) => {
          subscriber.next({ type: 'response-start', model: 'r-1', warnings: [] });
          let beats = 0;
          const timer = setInterval(() => {
            if (++beats < 8) return subscriber.next({ type: 'activity' });
            clearInterval(timer);
            subscriber.next({ type: 'text-delta', text: 'thought it through' });
            subscriber.next({ type: 'finish', finishReason: 'stop', rawFinishReason: 'stop' });
            subscriber.complete();
          }, 20);
          return () => clearInterval(timer);
        }),
    };
    const engine = service({ r: driver }, { timeout: { idleMs: 60 } });
    await expect(firstValueFrom(engine.send(hello))).resolves.toMatchObject({ content: 'thought it through' });
  });
});

import 'reflect-metadata';
import { firstValueFrom, lastValueFrom, Observable, toArray } from 'rxjs';
import type { DriverStreamPart, EngineDriver } from '../drivers/engine-driver.interface.js';
import { createOpenAIDriver } from '../drivers/openai/openai.driver.js';
import { EngineService } from '../engine.service.js';
import { FakeProviderServer } from '../../test/utils/fake-provider-server.js';
import { ConnectionException, ValidationException } from '../errors/engine.exception.js';
import type { ConversationLike, RecordedAnswer } from '../interfaces/conversation-like.interface.js';
import type { EngineMessage } from '../interfaces/engine-message.interface.js';
import type { BuppleEngineModuleOptions } from '../bupple-engine.module-options.js';
import { EngineConfigurationException, validateEngineOptions } from '../options/validate-engine-options.js';
import { DEFAULT_TIMEOUT } from './engine-stream.js';

const hello: EngineMessage[] = [{ role: 'user', content: 'hello' }];

/**
 * A provider that accepts, then sends `part()` every `everyMs` (forever, or `count` times
 * followed by a text and the finish); counts how many requests are open.
 */
function beating(part: () => DriverStreamPart, everyMs: number, count = Infinity): EngineDriver & { open: number; requests: number } {
  const driver = {
    name: 'beats',
    provider: 'beats',
    defaultModel: 'beats-1',
    open: 0,
    requests: 0,
    stream: () =>
      new Observable<DriverStreamPart>((subscriber) => {
        driver.requests++;
        driver.open++;
        subscriber.next({ type: 'response-start', model: 'beats-1', warnings: [] });
        let beats = 0;
        const timer = setInterval(() => {
          if (++beats <= count) return subscriber.next(part());
          clearInterval(timer);
          subscriber.next({ type: 'text-delta', text: 'done' });
          subscriber.next({ type: 'finish', finishReason: 'stop', rawFinishReason: 'stop' });
          subscriber.complete();
        }, everyMs);
        return () => {
          clearInterval(timer);
          driver.open--;
        };
      }),
  };
  return driver;
}

function service(driver: EngineDriver, engine: Partial<BuppleEngineModuleOptions['engine']> = {}): EngineService {
  return new EngineService(
    { engine: { drivers: { [driver.name]: driver }, retry: { maxRetries: 2, initialDelayMs: 1, maxDelayMs: 5 }, ...engine } },
    new Map([[driver.name, driver]]),
  );
}

describe('deadlines', () => {
  it('an empty text delta is no activity: a provider sending only empty deltas stalls after idleMs', async () => {
    const driver = beating(() => ({ type: 'text-delta', text: '' }), 10);
    const engine = service(driver, { retry: { maxRetries: 0 }, timeout: { idleMs: 80 } });
    const started = Date.now();
    const error = await firstValueFrom(engine.send(hello)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionException);
    expect((error as Error).message).toMatch(/stalled|80 ms/);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(driver.open).toBe(0);
  });

  it('neither is an empty reasoning or tool-argument delta', async () => {
    for (const part of [() => ({ type: 'reasoning-delta', text: '' }) as const, () => ({ type: 'tool-call-delta', id: 'c1', argsTextDelta: '' }) as const]) {
      const driver = beating(part, 10);
      const engine = service(driver, { retry: { maxRetries: 0 }, timeout: { idleMs: 80 } });
      await expect(firstValueFrom(engine.send(hello))).rejects.toBeInstanceOf(ConnectionException);
      expect(driver.open).toBe(0);
    }
  });

  it('deltas with data keep a stream alive past idleMs (reasoning text counts)', async () => {
    const driver = beating(() => ({ type: 'reasoning-delta', text: 'hmm' }), 20, 8);
    const engine = service(driver, { timeout: { idleMs: 60 } });
    await expect(firstValueFrom(engine.send(hello))).resolves.toMatchObject({ content: 'done' });
  });

  it('timeout.totalMs ends an answer that keeps sending data for ever: a connection error, not retried, the provider request aborted', async () => {
    const driver = beating(() => ({ type: 'text-delta', text: '.' }), 10);
    const engine = service(driver, { timeout: { idleMs: 1000 } });
    const started = Date.now();
    const error = await lastValueFrom(engine.stream(hello, { timeout: { totalMs: 150 } }).pipe(toArray())).catch((e: unknown) => e);
    const took = Date.now() - started;
    expect(error).toBeInstanceOf(ConnectionException);
    expect(error).toMatchObject({ code: 'connection', retryable: false });
    expect((error as Error).message).toContain('timeout.totalMs');
    expect(took).toBeGreaterThanOrEqual(140);
    expect(took).toBeLessThan(1000);
    expect(driver.requests).toBe(1);
    expect(driver.open).toBe(0);
  });

  it('the deadline covers retries: an answer that keeps failing and retrying still ends at totalMs', async () => {
    let requests = 0;
    const failing: EngineDriver = {
      name: 'flaky',
      provider: 'flaky',
      defaultModel: 'f-1',
      stream: () =>
        new Observable<DriverStreamPart>((subscriber) => {
          requests++;
          const timer = setTimeout(() => subscriber.error(new ConnectionException('reset', { provider: 'flaky' })), 60);
          return () => clearTimeout(timer);
        }),
    };
    const engine = service(failing, { retry: { maxRetries: 10, initialDelayMs: 40, maxDelayMs: 40 }, timeout: { totalMs: 200 } });
    const started = Date.now();
    const error = await firstValueFrom(engine.send(hello)).catch((e: unknown) => e);
    expect((error as Error).message).toContain('timeout.totalMs');
    expect(Date.now() - started).toBeLessThan(600);
    expect(requests).toBeLessThan(5);
  });

  it('an interrupted answer is stored flagged when the deadline ends it', async () => {
    const answers: RecordedAnswer[] = [];
    const conversation: ConversationLike = {
      toEngineMessages: async () => [],
      recordInput: async () => undefined,
      recordAnswer: async (answer) => void answers.push(answer),
    };
    const driver = beating(() => ({ type: 'text-delta', text: 'x' }), 10);
    const engine = service(driver);
    await expect(lastValueFrom(engine.stream(hello, { conversation, timeout: { totalMs: 100 } }))).rejects.toBeInstanceOf(ConnectionException);
    expect(answers).toHaveLength(1);
    expect(answers[0]).toMatchObject({ complete: false, interruptedBy: 'connection' });
    expect(answers[0].content).toMatch(/^x+$/);
  });

  it('defaults to 10 minutes; a finished answer leaves no timer behind', async () => {
    expect(DEFAULT_TIMEOUT.totalMs).toBe(600_000);
    const timers = () => process.getActiveResourcesInfo().filter((h) => h === 'Timeout').length;
    const driver = beating(() => ({ type: 'text-delta', text: 'a' }), 1, 3);
    const engine = service(driver);
    const before = timers();
    const during = engine.send(hello);
    const done = firstValueFrom(during);
    await new Promise((resolve) => setTimeout(resolve, 0));
    const seen = timers();
    await done;
    await new Promise((resolve) => setImmediate(resolve));
    // while it ran: the deadline (and the idle timer, the driver's interval); after: nothing left
    expect(seen).toBeGreaterThan(before);
    expect(timers()).toBe(before);
  });

  it('totalMs is validated: in the module options at startup, per call when the stream starts', async () => {
    const problems = (() => {
      try {
        validateEngineOptions({ engine: { default: 'offline', offline: {}, timeout: { totalMs: 0 } } } as BuppleEngineModuleOptions);
      } catch (error) {
        expect(error).toBeInstanceOf(EngineConfigurationException);
        return (error as EngineConfigurationException).problems;
      }
      return [];
    })();
    expect(problems).toEqual([expect.stringMatching(/^engine\.timeout\.totalMs: must be an integer ≥ 1 \(ms\)/)]);
    const driver = beating(() => ({ type: 'text-delta', text: 'a' }), 1, 3);
    const error = await firstValueFrom(service(driver).send(hello, { timeout: { totalMs: -5 } })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationException);
    expect((error as Error).message).toContain('timeout.totalMs');
    expect(driver.requests).toBe(0);
  });
});

describe('deadlines against an OpenAI-compatible server on the wire', () => {
  let server: FakeProviderServer;
  beforeAll(async () => {
    server = await new FakeProviderServer().start();
  });
  afterAll(() => server.stop());

  it('a server that sends an empty delta every 20 ms stalls after idleMs; the request is aborted', async () => {
    server.respond((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const chunk = (delta: object) =>
        `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: null }] })}\n\n`;
      res.write(chunk({ role: 'assistant', content: '' }));
      const timer = setInterval(() => res.write(chunk({})), 20);
      res.on('close', () => clearInterval(timer));
    });
    const driver = await createOpenAIDriver('openai', { apiKey: 'sk-test-deadline', baseURL: `${server.url}/v1` });
    try {
      const engine = service(driver, { retry: { maxRetries: 0 }, timeout: { idleMs: 150 } });
      const started = Date.now();
      const error = await firstValueFrom(engine.send(hello)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConnectionException);
      expect(Date.now() - started).toBeLessThan(1500);
      await server.requests.at(-1)!.aborted;
      expect(server.requests.at(-1)!.wasAborted()).toBe(true);
    } finally {
      await driver.close?.();
    }
  });
});

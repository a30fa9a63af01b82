import 'reflect-metadata';
import { validateEngineOptions } from '../options/validate-engine-options.js';
import type { SseModuleOptions } from './sse-options.interface.js';
import { maxTokensOf, resolveProgress } from './sse-progress.js';
import type { SseRequest } from './sse-options.interface.js';

function problems(sse: unknown): string[] {
  try {
    validateEngineOptions({ engine: { offline: true }, sse: sse as SseModuleOptions });
    return [];
  } catch (error) {
    return (error as { problems: string[] }).problems;
  }
}

describe('sse module options', () => {
  it('accepts every option', () => {
    expect(
      problems({
        retryMs: 1000,
        startImmediately: false,
        keepaliveMs: 0,
        keepaliveMode: 'comment',
        progress: { total: (req: SseRequest) => Number(req.query?.n), intervalMs: 0, percentStep: 5 },
        transform: (chunk: unknown) => chunk,
        onDisconnect: { graceMs: 10_000 },
        scope: () => 'user',
        replay: { driver: 'redis', ttlMs: 60_000, maxStreamChars: 4096, maxTotalChars: 1 << 20, redis: { url: 'redis://127.0.0.1:6379/2', keyPrefix: 'app:' } },
      }),
    ).toEqual([]);
    expect(problems({ progress: true, onDisconnect: 'continue' })).toEqual([]);
    expect(problems({ progress: false, onDisconnect: 'abort', replay: { driver: 'memory' } })).toEqual([]);
  });

  it('names each bad option with its path', () => {
    const found = problems({
      keepaliveMs: -1,
      keepaliveMode: 'ping',
      progress: { percentStep: 500 },
      transform: 'upper',
      onDisconnect: 'later',
      replay: { driver: 'kafka', ttlMs: 5, redis: { url: 'http://x' } },
      unknownThing: 1,
    });
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^sse\.keepaliveMs: must be an integer ≥ 0/),
        "sse.keepaliveMode: must be 'event' or 'comment'",
        expect.stringMatching(/^sse\.progress\.percentStep: /),
        'sse.transform: must be a function (chunk) => value',
        expect.stringMatching(/^sse\.onDisconnect: must be 'abort', 'continue' or \{ graceMs \}/),
        "sse.replay.driver: must be 'memory' or 'redis'",
        expect.stringMatching(/^sse\.replay\.ttlMs: /),
        'sse.replay.redis.url: must be a redis:// or rediss:// URL',
        'sse.unknownThing: is not a known option',
      ]),
    );
    expect(problems({ onDisconnect: { graceMs: -5 } })).toEqual([expect.stringMatching(/^sse\.onDisconnect: /)]);
    expect(problems({ onDisconnect: { graceMs: 5, extra: 1 } })).toEqual([expect.stringMatching(/^sse\.onDisconnect: /)]);
  });
});

describe('progress settings', () => {
  const req = (parts: Partial<SseRequest>) => ({ headers: {}, ...parts }) as SseRequest;

  it('reads maxTokens from body.options, the body, or the query', () => {
    expect(maxTokensOf(req({ body: { options: { maxTokens: 50 } } }))).toBe(50);
    expect(maxTokensOf(req({ body: { maxTokens: 20 } }))).toBe(20);
    expect(maxTokensOf(req({ query: { maxTokens: '30' } }))).toBe(30);
    expect(maxTokensOf(req({ query: { maxTokens: 'many' } }))).toBeUndefined();
    expect(maxTokensOf(req({}))).toBeUndefined();
  });

  it('is off without a total, or when disabled', () => {
    expect(resolveProgress(true, req({}))).toBeUndefined();
    expect(resolveProgress(false, req({ query: { maxTokens: '5' } }))).toBeUndefined();
    expect(resolveProgress({ total: () => undefined }, req({}))).toBeUndefined();
    expect(resolveProgress({ total: 0 }, req({}))).toBeUndefined();
  });

  it('takes a number, a resolver or maxTokens, with defaults for the throttle', () => {
    expect(resolveProgress(true, req({ query: { maxTokens: '8' } }))).toEqual({ total: 8, intervalMs: 100, percentStep: 1 });
    expect(resolveProgress({ total: 12, intervalMs: 0 }, req({}))).toEqual({ total: 12, intervalMs: 0, percentStep: 1 });
    expect(resolveProgress({ total: (r) => Number(r.query?.n), percentStep: 10 }, req({ query: { n: '40' } }))).toEqual({
      total: 40,
      intervalMs: 100,
      percentStep: 10,
    });
  });
});

import 'reflect-metadata';
import { EngineConfigurationException, validateEngineOptions } from '../options/validate-engine-options.js';
import type { BuppleEngineModuleOptions } from '../bupple-engine.module-options.js';
import { DEFAULT_REDIS_POLICY, outageRetryAfterMs, reconnectDelay, redisPolicy, RedisOutageLog } from './redis-policy.js';

describe('the shared Redis connection policy', () => {
  it('backs off exponentially from reconnectDelayMs up to maxReconnectDelayMs, for ever', () => {
    const policy = redisPolicy();
    expect(policy).toEqual(DEFAULT_REDIS_POLICY);
    expect(policy.maxReconnectAttempts).toBe(Infinity);
    expect([1, 2, 3, 4, 5, 6].map((n) => reconnectDelay(n, policy))).toEqual([100, 200, 400, 800, 1600, 2000]);
    expect(reconnectDelay(21, policy)).toBe(2000);
    expect(reconnectDelay(100_000, policy)).toBe(2000);
    const short = redisPolicy({ maxReconnectDelayMs: 40, commandTimeoutMs: undefined });
    expect(short.commandTimeoutMs).toBe(5000);
    expect([1, 2, 50].map((n) => reconnectDelay(n, short))).toEqual([40, 40, 40]);
    expect(outageRetryAfterMs(policy)).toBe(2000);
    expect(outageRetryAfterMs(short)).toBe(1000);
  });

  it('logs an outage twice: when it starts, and when it ends with the count of what failed', () => {
    const warnings: string[] = [];
    const logs: string[] = [];
    const outage = new RedisOutageLog('X', { warn: (m) => warnings.push(m), log: (m) => logs.push(m) });
    outage.recovered();
    expect(logs).toEqual([]);
    outage.failure('ECONNREFUSED');
    for (let i = 0; i < 1300; i++) outage.failure('ECONNREFUSED');
    outage.failure('connection closed', 0);
    expect(outage.down).toBe(true);
    expect(outage.failed).toBe(1301);
    expect(warnings).toEqual(['X: Redis is unreachable (ECONNREFUSED); reconnecting, failures are counted until it is back.']);
    outage.recovered();
    expect(outage.down).toBe(false);
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatch(/^X: Redis is back after \d+\.\d s; 1301 operation\(s\) failed meanwhile \(first: ECONNREFUSED\)\.$/);
    outage.failure('again');
    expect(warnings).toHaveLength(2);
  });

  it('rejects bad replay-store timeouts at startup, naming the option', () => {
    const options = {
      engine: { default: 'offline', offline: {} },
      sse: { replay: { driver: 'redis', redis: { commandTimeoutMs: 0, maxReconnectDelayMs: 'soon', connectTimeoutMs: 1.5 } } },
      memory: { driver: 'redis', redis: { maxReconnectDelayMs: -1 } },
    } as unknown as BuppleEngineModuleOptions;
    let problems: string[] = [];
    try {
      validateEngineOptions(options);
    } catch (error) {
      expect(error).toBeInstanceOf(EngineConfigurationException);
      problems = (error as EngineConfigurationException).problems;
    }
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^sse\.replay\.redis\.commandTimeoutMs: /),
        expect.stringMatching(/^sse\.replay\.redis\.maxReconnectDelayMs: /),
        expect.stringMatching(/^sse\.replay\.redis\.connectTimeoutMs: /),
        expect.stringMatching(/memory\.redis\.maxReconnectDelayMs: /),
      ]),
    );
  });
});

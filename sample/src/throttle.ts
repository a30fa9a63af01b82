import type { ExecutionContext } from '@nestjs/common';
import { ThrottlerModule, type ThrottlerModuleOptions } from '@nestjs/throttler';
import { USER_HEADER } from './user.js';

type Env = Record<string, string | undefined>;

/** The sample's request rate limit, from `@nestjs/throttler`, beside the library's stream and token limits. */
export interface SampleThrottle {
  /** Requests one client may make per window, all routes together: `BUPPLE_SAMPLE_THROTTLE_LIMIT`, default 5000, 0 for no limit (over it: 429 with Retry-After). */
  limit: number;
  /** The window, in ms: `BUPPLE_SAMPLE_THROTTLE_TTL_MS`, default 60000. */
  ttlMs: number;
}

/** The throttle settings from the environment; a value that is not a whole number (≥ 0, ≥ 1 for the window) stops startup, naming the variable. */
export function sampleThrottleFromEnv(env: Env = process.env): SampleThrottle {
  const whole = (name: string, fallback: number, min: number): number => {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be a whole number ≥ ${min} (got "${raw}")`);
    return value;
  };
  return { limit: whole('BUPPLE_SAMPLE_THROTTLE_LIMIT', 5000, 0), ttlMs: whole('BUPPLE_SAMPLE_THROTTLE_TTL_MS', 60_000, 1) };
}

/**
 * Who a request is counted against: its `x-user` when it has one (what an app with real
 * authentication does with its user id), else its IP address.
 */
function trackerOf(request: Record<string, unknown>): string {
  const headers = request.headers as Record<string, string | string[] | undefined> | undefined;
  const user = headers?.[USER_HEADER];
  return typeof user === 'string' && user !== '' ? `user:${user}` : `ip:${String(request.ip ?? '')}`;
}

/** `ThrottlerModule` configured from the environment when the app module is compiled (so tests can set it first). */
export const SampleThrottlerModule = ThrottlerModule.forRootAsync({
  useFactory: (): ThrottlerModuleOptions => {
    const { limit, ttlMs } = sampleThrottleFromEnv();
    return {
      throttlers: [{ limit: Math.max(limit, 1), ttl: ttlMs }],
      getTracker: trackerOf,
      // one budget per client across all routes (the default counts each route apart)
      generateKey: (_context: ExecutionContext, tracker: string, name: string) => `${name}:${tracker}`,
      // 0: no limit
      skipIf: (_context: ExecutionContext) => limit === 0,
    };
  },
});

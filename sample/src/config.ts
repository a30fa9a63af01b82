import { type BuppleEngineModuleOptions } from '@bupple/nestjs-ai-engine';
import { memoryOptionsFromEnv } from '@bupple/nestjs-ai-engine/memory';
import { userOf } from './user.js';

type Env = Record<string, string | undefined>;

/** A number from the environment; a value that is not a number is kept as NaN so option validation names it. */
function num(value: string | undefined): number | undefined {
  return value === undefined || value.trim() === '' ? undefined : Number(value);
}

/**
 * The models a client may ask for besides the configured one: `BUPPLE_ENGINE_<NAME>_MODELS`,
 * comma-separated. Unset: only the configured model (another is a 400).
 */
function models(env: Env, prefix: string): string[] {
  return (env[`${prefix}_MODELS`] ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
}

function provider(env: Env, prefix: string) {
  const apiKey = env[`${prefix}_API_KEY`];
  if (!apiKey) return undefined;
  return {
    apiKey,
    baseURL: env[`${prefix}_BASE_URL`] || undefined,
    model: env[`${prefix}_MODEL`] || undefined,
    temperature: num(env[`${prefix}_TEMPERATURE`]),
    maxTokens: num(env[`${prefix}_MAX_TOKENS`]),
    models: models(env, prefix),
  };
}

/** What a client of the sample may ask for: the caps its routes apply. */
export interface SampleLimits {
  /** Highest `maxTokens` a request may ask for: `BUPPLE_SAMPLE_MAX_TOKENS`, default 4096 (above it: 400). */
  maxTokens: number;
  /** Streams one user (`x-user`) may have generating at once: `BUPPLE_SAMPLE_MAX_STREAMS_PER_USER`, default 32, 0 for no limit (over it: 429 with Retry-After). */
  maxStreamsPerUser: number;
}

/** The sample's limits from the environment; a value that is not a whole number ≥ 0 (≥ 1 for max tokens) stops startup, naming the variable. */
export function sampleLimitsFromEnv(env: Env = process.env): SampleLimits {
  const whole = (name: string, fallback: number, min: number): number => {
    const value = num(env[name]);
    if (value === undefined) return fallback;
    if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be a whole number ≥ ${min} (got "${env[name]}")`);
    return value;
  };
  return { maxTokens: whole('BUPPLE_SAMPLE_MAX_TOKENS', 4096, 1), maxStreamsPerUser: whole('BUPPLE_SAMPLE_MAX_STREAMS_PER_USER', 32, 0) };
}

/**
 * The `sse` options from the environment. A browser that loses its connection comes back with
 * `Last-Event-ID` and gets the rest of the same answer: by default the generation goes on for
 * `BUPPLE_SSE_GRACE_MS` (10 s) after a client left; `BUPPLE_SSE_ON_DISCONNECT=abort` stops it
 * at once instead. Progress events report against `maxTokens` when a request gives one.
 */
export function sseOptionsFromEnv(env: Env = process.env): NonNullable<BuppleEngineModuleOptions['sse']> {
  const policy = env.BUPPLE_SSE_ON_DISCONNECT?.trim() || 'continue';
  const driver = env.BUPPLE_SSE_REPLAY_DRIVER?.trim() || 'memory';
  return {
    keepaliveMs: num(env.BUPPLE_SSE_KEEPALIVE_MS),
    keepaliveMode: (env.BUPPLE_SSE_KEEPALIVE_MODE?.trim() || undefined) as 'event' | 'comment' | undefined,
    // an unknown value is passed on as it is, so that option validation names it
    onDisconnect: policy === 'continue' ? { graceMs: num(env.BUPPLE_SSE_GRACE_MS) ?? 10_000 } : (policy as 'abort'),
    progress: true,
    replay: {
      driver: driver as 'memory' | 'redis',
      ttlMs: num(env.BUPPLE_SSE_REPLAY_TTL_MS),
      ...(driver === 'redis' && { redis: { url: env.BUPPLE_SSE_REPLAY_REDIS_URL || undefined } }),
    },
  };
}

/**
 * The sample's configuration, from the environment variables of the original package.
 * An engine is configured when its API key is set; the offline engine always is, and is the
 * default when no key is set.
 */
export function engineOptionsFromEnv(env: Env = process.env): BuppleEngineModuleOptions {
  const openai = provider(env, 'BUPPLE_ENGINE_OPENAI');
  const claude = provider(env, 'BUPPLE_ENGINE_CLAUDE');
  const gemini = provider(env, 'BUPPLE_ENGINE_GEMINI');
  const fallback = env.BUPPLE_ENGINE_FALLBACK?.split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  const retry = {
    maxRetries: num(env.BUPPLE_ENGINE_MAX_RETRIES),
    initialDelayMs: num(env.BUPPLE_ENGINE_RETRY_DELAY_MS),
    afterContent: env.BUPPLE_ENGINE_RETRY_AFTER_CONTENT as 'error' | 'restart' | undefined,
  };
  const timeout = {
    firstByteMs: num(env.BUPPLE_ENGINE_FIRST_BYTE_TIMEOUT_MS),
    idleMs: num(env.BUPPLE_ENGINE_IDLE_TIMEOUT_MS),
    totalMs: num(env.BUPPLE_ENGINE_TOTAL_TIMEOUT_MS),
  };
  const limits = sampleLimitsFromEnv(env);
  return {
    engine: {
      default: env.BUPPLE_DEFAULT_ENGINE_DRIVER || (openai ? 'openai' : claude ? 'claude' : gemini ? 'gemini' : 'offline'),
      ...(openai && { openai: { ...openai, organization: env.BUPPLE_ENGINE_OPENAI_ORGANIZATION_ID || undefined } }),
      ...(claude && { claude }),
      ...(gemini && { gemini: { ...gemini, projectId: env.BUPPLE_ENGINE_GEMINI_PROJECT_ID || undefined } }),
      offline: { tokenDelayMs: num(env.BUPPLE_ENGINE_OFFLINE_TOKEN_DELAY_MS) ?? 30, models: models(env, 'BUPPLE_ENGINE_OFFLINE') },
      ...(fallback?.length && { fallback }),
      retry,
      timeout,
    },
    // BUPPLE_MEMORY_DRIVER (memory | file | redis | database), BUPPLE_MEMORY_FILE_PATH, …
    memory: memoryOptionsFromEnv(env),
    // BUPPLE_SSE_KEEPALIVE_MS, BUPPLE_SSE_ON_DISCONNECT, BUPPLE_SSE_REPLAY_DRIVER, …
    sse: sseOptionsFromEnv(env),
    // conversations and streams belong to the x-user header's user (no header: anonymous)
    scope: userOf,
    // BUPPLE_SAMPLE_MAX_STREAMS_PER_USER: streams generating at once per user
    ...(limits.maxStreamsPerUser > 0 && { limits: { maxConcurrentStreams: limits.maxStreamsPerUser, retryAfterSeconds: 5 } }),
  };
}

import { memoryOptionsFromEnv, type BuppleEngineModuleOptions } from '@bupple/nestjs-ai-engine';

type Env = Record<string, string | undefined>;

/** A number from the environment; a value that is not a number is kept as NaN so option validation names it. */
function num(value: string | undefined): number | undefined {
  return value === undefined || value.trim() === '' ? undefined : Number(value);
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
  const fallback = env.BUPPLE_ENGINE_FALLBACK?.split(',').map((name) => name.trim()).filter(Boolean);
  const retry = {
    maxRetries: num(env.BUPPLE_ENGINE_MAX_RETRIES),
    initialDelayMs: num(env.BUPPLE_ENGINE_RETRY_DELAY_MS),
    afterContent: env.BUPPLE_ENGINE_RETRY_AFTER_CONTENT as 'error' | 'restart' | undefined,
  };
  const timeout = { firstByteMs: num(env.BUPPLE_ENGINE_FIRST_BYTE_TIMEOUT_MS), idleMs: num(env.BUPPLE_ENGINE_IDLE_TIMEOUT_MS) };
  return {
    engine: {
      default: env.BUPPLE_DEFAULT_ENGINE_DRIVER || (openai ? 'openai' : claude ? 'claude' : gemini ? 'gemini' : 'offline'),
      ...(openai && { openai: { ...openai, organization: env.BUPPLE_ENGINE_OPENAI_ORGANIZATION_ID || undefined } }),
      ...(claude && { claude }),
      ...(gemini && { gemini: { ...gemini, projectId: env.BUPPLE_ENGINE_GEMINI_PROJECT_ID || undefined } }),
      offline: { tokenDelayMs: num(env.BUPPLE_ENGINE_OFFLINE_TOKEN_DELAY_MS) ?? 30 },
      ...(fallback?.length && { fallback }),
      retry,
      timeout,
    },
    // BUPPLE_MEMORY_DRIVER (memory | file | redis | database), BUPPLE_MEMORY_FILE_PATH, …
    memory: memoryOptionsFromEnv(env),
  };
}

import { redisTargetProblems } from '../utils/redis-policy.js';
import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { configuredEngineNames } from '../engine/create-drivers.js';
import { validateMemoryOptions } from '../memory/create-conversation-store.js';
import type { BuppleEngineModuleOptions } from '../bupple-engine.module-options.js';
import { ModuleOptionsSchema, OfflineEngineConfigSchema } from './engine-options.schema.js';
import { sizeCapProblems } from '../engine/size-caps.js';
import { Agent } from 'node:http';
import { proxyEnvProblems } from '../drivers/transport/proxy.js';
import { OPENAI_PRESETS } from '../drivers/openai/openai-presets.js';
import { EngineConfigurationException } from '../errors/configuration.exception.js';

/** What a preset needs beside it: a model where it has no default; no `azure`. */
function presetProblems(config: unknown): string[] {
  if (typeof config !== 'object' || config === null) return [];
  const { preset, model, azure } = config as { preset?: unknown; model?: unknown; azure?: unknown };
  if (typeof preset !== 'string' || !Object.hasOwn(OPENAI_PRESETS, preset)) return [];
  const problems: string[] = [];
  const known = OPENAI_PRESETS[preset as keyof typeof OPENAI_PRESETS];
  if (!known.model && (typeof model !== 'string' || model === ''))
    problems.push(`engine.openai.model: is required with preset '${preset}' (the model the server runs, e.g. 'llama3.2')`);
  if (azure !== undefined) problems.push(`engine.openai.preset: '${preset}' and azure cannot be combined (azure is its own endpoint)`);
  return problems;
}

/** The endpoint each built-in provider engine talks to when `baseURL` is not set. */
const DEFAULT_PROTOCOL = 'https:';

/**
 * The transport settings class-validator cannot see: `agent` is an instance (not copied for
 * it), `proxy: 'env'` reads the environment. Messages name the option (and the variable), never a value.
 */
function transportProblems(name: string, config: unknown): string[] {
  if (typeof config !== 'object' || config === null) return [];
  const { agent, proxy, baseURL } = config as { agent?: unknown; proxy?: unknown; baseURL?: unknown };
  const problems: string[] = [];
  if (agent !== undefined) {
    if (!(agent instanceof Agent)) problems.push(`engine.${name}.agent: must be an http.Agent or an https.Agent instance`);
    else {
      if (proxy) problems.push(`engine.${name}.agent: set proxy or agent, not both (an agent of yours makes its own connections)`);
      let protocol = DEFAULT_PROTOCOL;
      try {
        const preset = (config as { preset?: unknown }).preset;
        const presetURL =
          name === 'openai' && typeof preset === 'string' && Object.hasOwn(OPENAI_PRESETS, preset)
            ? OPENAI_PRESETS[preset as keyof typeof OPENAI_PRESETS].baseURL
            : undefined;
        const endpoint = typeof baseURL === 'string' && baseURL ? baseURL : presetURL;
        if (endpoint) protocol = new URL(endpoint).protocol;
      } catch {
        // baseURL's own message says what is wrong
      }
      const agentProtocol = (agent as Agent & { protocol?: string }).protocol ?? 'http:';
      if (agentProtocol !== protocol)
        problems.push(
          `engine.${name}.agent: is an ${agentProtocol === 'https:' ? 'https' : 'http'}.Agent but the endpoint is ${protocol} (give an ${protocol === 'https:' ? 'https' : 'http'}.Agent)`,
        );
    }
  }
  if (proxy === 'env') problems.push(...proxyEnvProblems().map((problem) => `engine.${name}.proxy: 'env', but ${problem}`));
  return problems;
}

// Defined with every other exception, in lib/errors/.
export { EngineConfigurationException };

/**
 * Where such a value usually comes from. The library reads no environment variable itself
 * (the sample's BUPPLE_* names are the sample's): these are the providers' customary names.
 */
const ENV_HINTS: Record<string, string> = {
  'engine.openai.apiKey': 'process.env.OPENAI_API_KEY',
  'engine.claude.apiKey': 'process.env.ANTHROPIC_API_KEY',
  'engine.gemini.apiKey': 'process.env.GEMINI_API_KEY',
};

/**
 * A copy for class-transformer that keeps plain data and functions but turns instances (custom
 * drivers, stores: checked on their own) into `{}`, which class-transformer would otherwise
 * rebuild by calling their constructors with no arguments.
 */
function plainCopy(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(plainCopy);
  if (typeof value !== 'object' || value === null) return value;
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return {};
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, plainCopy(item)]));
}

function flatten(errors: ValidationError[], parent = ''): string[] {
  return errors.flatMap((error) => {
    const path = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {});
    const unique = [...new Set(own.map((message) => (message.startsWith('property ') ? 'is not a known option' : message)))];
    const hint = ENV_HINTS[path] ? ` (e.g. ${ENV_HINTS[path]})` : '';
    return [...unique.map((message) => `${path}: ${message}${hint}`), ...flatten(error.children ?? [], path)];
  });
}

/**
 * Validates module options at startup and throws one EngineConfigurationException naming
 * every bad option path and how to fix it. Values are never echoed, so keys stay secret.
 */
export function validateEngineOptions(options: BuppleEngineModuleOptions): void {
  if (typeof options !== 'object' || options === null) throw new EngineConfigurationException(['options: must be an object { engine: { … } }']);
  const schema = plainToInstance(ModuleOptionsSchema, plainCopy(options));
  const problems = flatten(validateSync(schema, { whitelist: true, forbidNonWhitelisted: true }));
  const engine = options.engine;
  if (engine && typeof engine === 'object') {
    if (typeof engine.offline === 'object' && engine.offline !== null) {
      const offline = plainToInstance(OfflineEngineConfigSchema, plainCopy(engine.offline));
      problems.push(...flatten(validateSync(offline, { whitelist: true, forbidNonWhitelisted: true }), 'engine.offline'));
    }
    for (const name of ['openai', 'claude', 'gemini'] as const) problems.push(...transportProblems(name, engine[name]));
    problems.push(...presetProblems(engine.openai));
    for (const [name, driver] of Object.entries(engine.drivers ?? {})) {
      if (typeof (driver as { stream?: unknown })?.stream !== 'function')
        problems.push(`engine.drivers.${name}: must implement EngineDriver (a stream() method)`);
    }
    const names = configuredEngineNames(engine);
    if (names.length === 0) problems.push('engine: configure at least one engine (openai, claude, gemini, offline or drivers)');
    if (engine.default !== undefined && names.length > 0 && !names.includes(engine.default)) {
      problems.push(`engine.default: "${engine.default}" is not a configured engine; use one of ${names.join(', ')}`);
    }
    (Array.isArray(engine.fallback) ? engine.fallback : []).forEach((name, i) => {
      if (typeof name === 'string' && !names.includes(name))
        problems.push(`engine.fallback[${i}]: "${name}" is not a configured engine; use one of ${names.join(', ')}`);
    });
  }
  problems.push(...validateMemoryOptions(options.memory));
  const replayRedis = options.sse?.replay?.redis;
  if (replayRedis && typeof replayRedis === 'object') problems.push(...redisTargetProblems(replayRedis, 'sse.replay.redis'));
  problems.push(...sizeCapProblems(options));
  if (problems.length > 0) throw new EngineConfigurationException([...new Set(problems)]);
}

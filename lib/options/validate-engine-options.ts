import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { EngineException } from '../errors/engine.exception.js';
import { ErrorMessages } from '../errors/error-messages.js';
import { configuredEngineNames } from '../engine/create-drivers.js';
import { validateMemoryOptions } from '../memory/create-conversation-store.js';
import type { BuppleEngineModuleOptions } from '../interfaces/engine-module-options.interface.js';
import { ModuleOptionsSchema, OfflineEngineConfigSchema } from './engine-options.schema.js';
import { sizeCapProblems } from '../engine/size-caps.js';

/** The module options are invalid; `problems` lists each as `path: message`. */
export class EngineConfigurationException extends EngineException {
  override readonly code: string = 'invalid_configuration';
  constructor(readonly problems: string[]) {
    super(ErrorMessages.invalidOptions(problems), { retryable: false });
  }
}

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
  problems.push(...sizeCapProblems(options));
  if (problems.length > 0) throw new EngineConfigurationException([...new Set(problems)]);
}

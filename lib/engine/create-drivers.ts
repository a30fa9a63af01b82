import type { EngineDriver } from '../drivers/engine-driver.interface.js';
import { OfflineDriver } from '../drivers/offline/offline.driver.js';
import type { EngineOptions } from '../bupple-engine.module-options.js';

/** Built-in engine names, in the order that picks the default engine. */
export const BUILT_IN_ENGINES = ['openai', 'claude', 'gemini', 'offline'] as const;

/** The names of the engines the options configure, built-in first. */
export function configuredEngineNames(engine: EngineOptions): string[] {
  const builtIn = BUILT_IN_ENGINES.filter((name) => engine[name] !== undefined && engine[name] !== false);
  return [...builtIn, ...Object.keys(engine.drivers ?? {}).filter((name) => !builtIn.includes(name as never))];
}

/** Creates the configured drivers; each driver (and its provider SDK) is imported only when its engine is configured. */
export async function createDrivers(engine: EngineOptions): Promise<Map<string, EngineDriver>> {
  const drivers = new Map<string, EngineDriver>();
  if (engine.openai) {
    const { createOpenAIDriver } = await import('../drivers/openai/openai.driver.js');
    drivers.set('openai', await createOpenAIDriver('openai', engine.openai));
  }
  if (engine.claude) {
    const { createClaudeDriver } = await import('../drivers/claude/claude.driver.js');
    drivers.set('claude', await createClaudeDriver('claude', engine.claude));
  }
  if (engine.gemini) {
    const { createGeminiDriver } = await import('../drivers/gemini/gemini.driver.js');
    drivers.set('gemini', await createGeminiDriver('gemini', engine.gemini));
  }
  if (engine.offline) drivers.set('offline', new OfflineDriver('offline', engine.offline === true ? {} : engine.offline));
  for (const [name, driver] of Object.entries(engine.drivers ?? {})) drivers.set(name, driver);
  return drivers;
}

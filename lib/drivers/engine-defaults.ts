import type { DriverCallOptions } from '../interfaces/engine-call-options.interface.js';
import type { ProviderEngineConfig } from '../interfaces/provider-engine-config.interface.js';

/** The call defaults an engine's config sets (`temperature`, `maxTokens`), for `EngineDriver.defaults`. */
export function engineDefaults(config: Pick<ProviderEngineConfig, 'temperature' | 'maxTokens'>): Partial<Omit<DriverCallOptions, 'model'>> {
  const defaults: Partial<Omit<DriverCallOptions, 'model'>> = {};
  if (config.temperature !== undefined) defaults.temperature = config.temperature;
  if (config.maxTokens !== undefined) defaults.maxTokens = config.maxTokens;
  return defaults;
}

import type { EngineDriver } from '../drivers/engine-driver.interface.js';
import type { DriverCallOptions, EngineCallOptions } from '../interfaces/engine-call-options.interface.js';
import type { ResolvedTool } from '../tools/resolve-tools.js';
import { driverToolChoice, driverTools } from '../tools/resolve-tools.js';

/** Per-call options after the engine's defaults; `model` only applies to the first engine. */
export function driverOptions(driver: EngineDriver, options: EngineCallOptions, first: boolean, tools?: Map<string, ResolvedTool>): DriverCallOptions {
  const pick = <T>(value: T | undefined, fallback: T | undefined) => (value === undefined ? fallback : value);
  const stop = options.stop === undefined ? undefined : Array.isArray(options.stop) ? options.stop : [options.stop];
  const resolved: DriverCallOptions = { model: (first && options.model) || driver.defaultModel };
  const entries: [keyof DriverCallOptions, unknown][] = [
    ['temperature', pick(options.temperature, driver.defaults?.temperature)],
    ['maxTokens', pick(options.maxTokens, driver.defaults?.maxTokens)],
    ['topP', pick(options.topP, driver.defaults?.topP)],
    ['stop', stop],
    ['presencePenalty', options.presencePenalty],
    ['frequencyPenalty', options.frequencyPenalty],
    ['user', options.user],
    ['providerOptions', options.providerOptions],
    ['reasoning', options.reasoning],
    ['cacheControl', options.cacheControl],
    ['responseFormat', options.responseFormat],
  ];
  for (const [key, value] of entries) if (value !== undefined) (resolved as unknown as Record<string, unknown>)[key] = value;
  if (tools && tools.size > 0) {
    resolved.tools = driverTools(tools);
    const toolChoice = driverToolChoice(options.toolChoice, tools);
    if (toolChoice !== undefined) resolved.toolChoice = toolChoice;
    if (options.parallelToolCalls !== undefined) resolved.parallelToolCalls = options.parallelToolCalls;
  }
  return resolved;
}

import type { EngineUsage } from '../interfaces/engine-usage.interface.js';

const OPTIONAL = ['cachedInputTokens', 'cacheWriteTokens', 'reasoningTokens'] as const;

/** The usage of two steps added up (the optional counts where either reports them). */
export function addUsage(sum: EngineUsage | undefined, usage: EngineUsage | undefined): EngineUsage | undefined {
  if (!usage) return sum;
  if (!sum) return { ...usage };
  const total: EngineUsage = {
    promptTokens: sum.promptTokens + usage.promptTokens,
    completionTokens: sum.completionTokens + usage.completionTokens,
    totalTokens: sum.totalTokens + usage.totalTokens,
  };
  for (const key of OPTIONAL) if (sum[key] !== undefined || usage[key] !== undefined) total[key] = (sum[key] ?? 0) + (usage[key] ?? 0);
  return total;
}

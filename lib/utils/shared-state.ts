/**
 * Module-level state that the package's CommonJS and ESM builds share when an app loads both
 * (one copy of the state, no dual-package hazard): kept on `globalThis` under a registered symbol.
 */
export function sharedState<T>(name: string, create: () => T): T {
  const key = Symbol.for(`bupple.nestjs-ai-engine.${name}`);
  const store = globalThis as unknown as Record<symbol, T | undefined>;
  return (store[key] ??= create());
}

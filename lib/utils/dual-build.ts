import { sharedState } from './shared-state.js';

/** One build's module and the injectable classes it exports, by class name. */
interface LoadedBuild {
  readonly module: object;
  readonly classes: ReadonlyMap<string, object>;
}

/** Nest's module metadata keys (`MODULE_METADATA.PROVIDERS` / `.EXPORTS` of @nestjs/common). */
const PROVIDERS = 'providers';
const EXPORTS = 'exports';

function exportedClasses(module: object): Map<string, object> {
  const exported = (Reflect.getMetadata(EXPORTS, module) as unknown[] | undefined) ?? [];
  return new Map(exported.filter((item): item is { name: string } => typeof item === 'function').map((item) => [item.name, item]));
}

/** Lets `module` (of one build) also provide and export each class of `others` (another build's), as an alias of its own class of that name. */
function addAliases(module: object, own: ReadonlyMap<string, object>, others: ReadonlyMap<string, object>): void {
  const aliases = [...others].flatMap(([name, other]) => {
    const mine = own.get(name);
    return mine && mine !== other ? [{ provide: other, useExisting: mine }] : [];
  });
  if (aliases.length === 0) return;
  Reflect.defineMetadata(PROVIDERS, [...((Reflect.getMetadata(PROVIDERS, module) as unknown[] | undefined) ?? []), ...aliases], module);
  Reflect.defineMetadata(
    EXPORTS,
    [...((Reflect.getMetadata(EXPORTS, module) as unknown[] | undefined) ?? []), ...aliases.map((alias) => alias.provide)],
    module,
  );
}

/**
 * The dual-package hazard of classes: the CommonJS and ESM builds each define `EngineService`,
 * `MemoryService`…, so an app that imports the module from one build and injects a service
 * class of the other would find no provider for it. Each build registers its module here when
 * it loads (in a registry on `globalThis` the builds share); the second build to load makes
 * each module also provide the other build's classes as aliases (`useExisting`) of its own, and
 * export them. One instance of each service, whichever class an injection names. A build loaded
 * after the app was created (a lazy `import()` of the other format) is not aliased.
 */
export function shareClassesAcrossBuilds(module: object): void {
  const builds = sharedState('builds', () => [] as LoadedBuild[]);
  if (builds.some((build) => build.module === module)) return;
  const classes = exportedClasses(module);
  for (const other of builds) {
    addAliases(module, classes, other.classes);
    addAliases(other.module, other.classes, classes);
  }
  builds.push({ module, classes });
}

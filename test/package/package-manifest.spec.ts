import { builtinModules } from 'node:module';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = join(import.meta.dirname, '..', '..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const OPTIONAL = Object.keys(manifest.peerDependenciesMeta ?? {}).filter((name) => manifest.peerDependenciesMeta[name].optional);
const DECLARED = new Set([...Object.keys(manifest.peerDependencies ?? {}), ...Object.keys(manifest.dependencies ?? {})]);

function files(dir: string, keep: (path: string) => boolean): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === '__fixtures__' ? [] : files(path, keep);
    return keep(path) ? [path] : [];
  });
}

/** The package a specifier names (`@scope/name/sub` → `@scope/name`), or undefined for a relative one. */
function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('node:')) return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

interface ImportSite {
  file: string;
  specifier: string;
  typeOnly: boolean;
  dynamic: boolean;
}

function importsOf(file: string): ImportSite[] {
  const text = readFileSync(file, 'utf8');
  const sites: ImportSite[] = [];
  for (const match of text.matchAll(/^\s*(import|export)\s+(type\s+)?[^'"]*?from\s+['"]([^'"]+)['"]/gm)) {
    sites.push({ file, specifier: match[3], typeOnly: Boolean(match[2]), dynamic: false });
  }
  for (const match of text.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm)) sites.push({ file, specifier: match[1], typeOnly: false, dynamic: false });
  for (const match of text.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)) sites.push({ file, specifier: match[1], typeOnly: false, dynamic: true });
  return sites;
}

const libFiles = files(join(root, 'lib'), (path) => path.endsWith('.ts') && !path.endsWith('.spec.ts') && !path.endsWith('.test-d.ts'));
const libImports = libFiles.flatMap(importsOf);

describe('package manifest', () => {
  it('lib/ imports only Node built-ins and declared packages', () => {
    const undeclared = libImports
      .filter((site) => !site.typeOnly)
      .map((site) => ({ ...site, pkg: packageOf(site.specifier) }))
      .filter((site) => site.pkg && !DECLARED.has(site.pkg) && !builtinModules.includes(site.pkg))
      .map((site) => `${relative(root, site.file)} imports ${site.specifier}`);
    expect(undeclared).toEqual([]);
  });

  it('optional packages are imported lazily (import()) or as types only', () => {
    const eager = libImports
      .filter((site) => OPTIONAL.includes(packageOf(site.specifier) ?? '') && !site.typeOnly && !site.dynamic)
      .map((site) => `${relative(root, site.file)} imports ${site.specifier} eagerly`);
    expect(eager).toEqual([]);
  });

  it('the browser client imports nothing outside lib/client and lib/protocol (which the build vendors into it)', () => {
    const outside = libImports
      .filter((site) => relative(root, site.file).startsWith(join('lib', 'client')))
      .filter((site) => !site.typeOnly && !site.specifier.startsWith('./') && !/^\.\.\/protocol\/[a-z0-9-]+\.js$/.test(site.specifier))
      .map((site) => `${relative(root, site.file)} imports ${site.specifier}`);
    expect(outside).toEqual([]);
    // and lib/protocol imports only its own files: no package, no Node API
    const protocolOutside = libImports
      .filter((site) => relative(root, site.file).startsWith(join('lib', 'protocol')))
      .filter((site) => !site.specifier.startsWith('./'))
      .map((site) => `${relative(root, site.file)} imports ${site.specifier}`);
    expect(protocolOutside).toEqual([]);
  });

  it('the built declarations and entry points exist and do not import optional packages', () => {
    const dist = join(root, 'dist');
    expect(existsSync(join(dist, 'index.js'))).toBe(true); // run `npm run build` first (npm test does)
    for (const entry of Object.values(manifest.exports) as (string | Record<'import' | 'require', Record<string, string>>)[]) {
      if (typeof entry === 'string') continue;
      for (const format of [entry.import, entry.require]) {
        expect(existsSync(join(root, format.types))).toBe(true);
        expect(existsSync(join(root, format.default))).toBe(true);
      }
    }
    const leaking = files(dist, (path) => path.endsWith('.d.ts'))
      .flatMap(importsOf)
      .filter((site) => OPTIONAL.includes(packageOf(site.specifier) ?? ''))
      .map((site) => `${relative(root, site.file)} imports ${site.specifier}`);
    expect(leaking).toEqual([]);
  });

  it('declares the Node versions it is tested on', () => {
    // the oldest Node the suite and the consumer tests run on (.ci/run)
    expect(manifest.engines.node).toBe('>=20.20');
    const [major, minor] = process.versions.node.split('.').map(Number);
    expect(major > 20 || (major === 20 && minor >= 20)).toBe(true);
    expect(manifest.type).toBe('module');
  });

  it('has an ESM and a CommonJS entry, with its own types, for every subpath, and typesVersions for node10', () => {
    const subpaths = Object.keys(manifest.exports).filter((key) => key !== './package.json');
    expect(subpaths).toEqual(
      expect.arrayContaining([
        '.',
        './client',
        './testing',
        './memory',
        './drivers',
        './sse',
        './schema',
        './tools',
        './security',
        './errors',
        './integrations',
      ]),
    );
    for (const subpath of subpaths) {
      const base = subpath === '.' ? '' : `${subpath.slice(2)}/`;
      expect(manifest.exports[subpath]).toEqual({
        import: { types: `./dist/${base}index.d.ts`, default: `./dist/${base}index.js` },
        require: { types: `./dist/cjs/${base}index.d.ts`, default: `./dist/cjs/${base}index.js` },
      });
      if (subpath !== '.') expect(manifest.typesVersions['*'][subpath.slice(2)]).toEqual([`./dist/cjs/${base}index.d.ts`]);
    }
    expect(JSON.parse(readFileSync(join(root, 'dist', 'cjs', 'package.json'), 'utf8'))).toEqual({ type: 'commonjs' });
    expect(manifest.peerDependencies['@nestjs/common']).toBe('^11.0.0 || ^12.0.0');
    expect(manifest.peerDependencies['@nestjs/core']).toBe('^11.0.0 || ^12.0.0');
  });
});

import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';

/**
 * What `npm pack` puts in the tarball (`npm pack --dry-run --json`, from the built dist/): the
 * files a user's install needs, the metadata a registry page shows, and nothing half-shipped.
 */
const root = join(import.meta.dirname, '..', '..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
let files: string[];

beforeAll(() => {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const out = execFileSync(npm, ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' });
  files = (JSON.parse(out)[0].files as { path: string }[]).map((file) => file.path);
}, 60_000);

/** Every file an `exports` condition points at (`./dist/cjs/index.js` → `dist/cjs/index.js`). */
function exportTargets(): string[] {
  const targets: string[] = [];
  const walk = (value: unknown): void => {
    if (typeof value === 'string') targets.push(normalize(value));
    else if (value && typeof value === 'object') Object.values(value).forEach(walk);
  };
  walk(manifest.exports);
  return targets;
}

describe('the packed tarball', () => {
  it('holds LICENSE, README, package.json and the migrations', () => {
    expect(files).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'package.json', 'migrations/engine_memory.sql']));
    expect(readFileSync(join(root, 'LICENSE'), 'utf8')).toMatch(/^MIT License/);
    expect(manifest.license).toBe('MIT');
  });

  it('holds every file the exports map names, a .d.ts for each entry in both formats, and the typesVersions targets', () => {
    const targets = exportTargets();
    expect(targets.filter((file) => file.endsWith('.d.ts')).length).toBe(2 * (Object.keys(manifest.exports).length - 1));
    const typesVersions = Object.values(manifest.typesVersions['*'] as Record<string, string[]>)
      .flat()
      .map((file) => normalize(file));
    const missing = [...targets, ...typesVersions, normalize(manifest.main), normalize(manifest.types)].filter((file) => !files.includes(file));
    expect(missing).toEqual([]);
    expect(files).toContain('dist/cjs/package.json');
  });

  it('ships no source map whose sources are missing (each map carries its sources)', () => {
    const maps = files.filter((file) => file.endsWith('.map'));
    expect(maps.length).toBeGreaterThan(0);
    const broken = maps.flatMap((file) => {
      const map = JSON.parse(readFileSync(join(root, file), 'utf8')) as { sources: string[]; sourcesContent?: (string | null)[] };
      return map.sources
        .filter((source, i) => typeof map.sourcesContent?.[i] !== 'string' && !files.includes(normalize(join(dirname(file), source))))
        .map((source) => `${file}: ${source}`);
    });
    expect(broken).toEqual([]);
  });

  it('ships no tests, fixtures or TypeScript sources', () => {
    expect(files.filter((file) => /\.spec\.|__fixtures__|(?<!\.d)\.ts$/.test(file))).toEqual([]);
  });

  it('names its repository, homepage and issue tracker', () => {
    expect(manifest.repository).toEqual({ type: 'git', url: expect.stringMatching(/^git\+https:\/\/github\.com\/.+\.git$/) });
    expect(manifest.homepage).toMatch(/^https:\/\//);
    expect(manifest.bugs.url).toMatch(/^https:\/\/.+\/issues$/);
  });

  it('the files it lists exist (built)', () => {
    expect(files.filter((file) => !existsSync(join(root, file)))).toEqual([]);
  });
});

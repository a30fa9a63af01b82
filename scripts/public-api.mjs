// `node scripts/public-api.mjs [entry…] [--names | --json]`: how many names (values and types) each
// entry point of the package exports, read by the TypeScript checker from lib/<entry>/index.ts
// (every `export`, `export type` and `export *` resolved, each name counted once).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

const root = join(import.meta.dirname, '..');

/** The entry points of package.json's `exports`: `.`, `./client`… */
export function entryPoints() {
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  return Object.keys(manifest.exports).filter((key) => key !== './package.json');
}

/** The sorted names that lib/<entry>/index.ts exports. */
export function exportedNames(entries) {
  const files = entries.map((entry) => join(root, 'lib', entry === '.' ? '' : entry.slice(2), 'index.ts'));
  const program = ts.createProgram(files, {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    experimentalDecorators: true,
    skipLibCheck: true,
    noEmit: true,
  });
  const checker = program.getTypeChecker();
  return Object.fromEntries(
    entries.map((entry, i) => {
      const source = program.getSourceFile(files[i]);
      if (!source) throw new Error(`${files[i]} does not exist`);
      return [
        entry,
        checker
          .getExportsOfModule(checker.getSymbolAtLocation(source))
          .map((symbol) => symbol.name)
          .sort(),
      ];
    }),
  );
}

if (process.argv[1] === import.meta.filename) {
  const args = process.argv.slice(2);
  const wanted = args.filter((arg) => !arg.startsWith('--'));
  const entries = wanted.length > 0 ? wanted : entryPoints();
  for (const entry of entries) if (!existsSync(join(root, 'lib', entry === '.' ? '' : entry.slice(2), 'index.ts'))) throw new Error(`no entry point ${entry}`);
  const all = exportedNames(entries);
  if (args.includes('--json')) {
    console.log(JSON.stringify(all));
    process.exit(0);
  }
  for (const [entry, names] of Object.entries(all)) {
    console.log(`${entry}: ${names.length} names`);
    if (args.includes('--names')) console.log(`  ${names.join('\n  ')}`);
  }
}

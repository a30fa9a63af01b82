// `node scripts/public-api.mjs [entry…] [--names | --json | --docs]`: how many names (values and
// types) each entry point of the package exports, read by the TypeScript checker from
// lib/<entry>/index.ts (every `export`, `export type` and `export *` resolved, each name counted
// once). `--docs` rewrites the name lists and counts of docs/api.md (its prose stays).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
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

/** docs/api.md with each entry's count and name list brought up to date; a new entry gets a section to describe. */
export function refreshApiDocs(text, all) {
  const specifier = (entry) => `@bupple/nestjs-ai-engine${entry.slice(1)}`;
  let out = text;
  for (const [entry, names] of Object.entries(all)) {
    const list = names.map((name) => `\`${name}\``).join(', ');
    const row = new RegExp(`^(\\| \\[\`${specifier(entry).replace(/[/.-]/g, '\\$&')}\`\\]\\([^)]*\\) \\| )\\d+( \\|)$`, 'm');
    const sections = out.split(/^(?=## )/m);
    const at = sections.findIndex((section) => section.includes(`\`${specifier(entry)}\`:`));
    if (at === -1) {
      out = `${out.trimEnd()}\n\n## \`${specifier(entry)}\`\n\n\`${specifier(entry)}\`: (what it holds).\n\n${list}\n`;
    } else {
      const paragraphs = sections[at].trimEnd().split(/\n\n/);
      paragraphs[paragraphs.length - 1] = list;
      sections[at] = `${paragraphs.join('\n\n')}\n\n`;
      out = sections.join('');
    }
    out = row.test(out) ? out.replace(row, `$1${names.length}$2`) : out;
  }
  return out.trimEnd() + '\n';
}

if (process.argv[1] === import.meta.filename) {
  const args = process.argv.slice(2);
  const wanted = args.filter((arg) => !arg.startsWith('--'));
  const entries = wanted.length > 0 ? wanted : entryPoints();
  for (const entry of entries) if (!existsSync(join(root, 'lib', entry === '.' ? '' : entry.slice(2), 'index.ts'))) throw new Error(`no entry point ${entry}`);
  const all = exportedNames(entries);
  if (args.includes('--docs')) {
    const file = join(root, 'docs', 'api.md');
    writeFileSync(file, refreshApiDocs(readFileSync(file, 'utf8'), all));
    console.log(`rewrote the name lists of ${file}`);
  }
  if (args.includes('--json')) {
    console.log(JSON.stringify(all));
    process.exit(0);
  }
  for (const [entry, names] of Object.entries(all)) {
    console.log(`${entry}: ${names.length} names`);
    if (args.includes('--names')) console.log(`  ${names.join('\n  ')}`);
  }
}

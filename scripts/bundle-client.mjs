// Makes the built browser client self-contained: dist/client/ imports the protocol (event
// names, parser, ids, retry rules) from ../protocol/, which a browser served only
// dist/client/ cannot reach. This copies the protocol files the client uses (and what they
// import) into dist/client/ as protocol-<name>.js (+ .d.ts), and points the imports there.
// The folder stays flat, with relative imports only. Usage: node scripts/bundle-client.mjs [distDir]
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const FROM_PROTOCOL = /((?:from|import)\s*\(?\s*['"])\.\.\/protocol\/([a-z0-9-]+)\.js(['"])/g;
const RELATIVE = /((?:from|import)\s*\(?\s*['"])\.\/([a-z0-9-]+)\.js(['"])/g;

/** Vendors the protocol into `<dist>/client`; returns the protocol modules copied. */
export function bundleClient(dist) {
  const client = join(dist, 'client');
  const protocol = join(dist, 'protocol');
  const wanted = new Set();
  for (const name of readdirSync(client)) {
    if (!name.endsWith('.js') && !name.endsWith('.d.ts')) continue;
    const file = join(client, name);
    const text = readFileSync(file, 'utf8');
    const rewritten = text.replace(FROM_PROTOCOL, (_, head, module, tail) => {
      wanted.add(module);
      return `${head}./protocol-${module}.js${tail}`;
    });
    if (rewritten !== text) writeFileSync(file, rewritten);
  }
  const queue = [...wanted];
  while (queue.length > 0) {
    const module = queue.pop();
    for (const ext of ['.js', '.d.ts']) {
      const source = join(protocol, module + ext);
      if (!existsSync(source)) {
        if (ext === '.js') throw new Error(`bundle-client: ${source} is missing (build lib first)`);
        continue;
      }
      const text = readFileSync(source, 'utf8')
        // the copies carry no source map: theirs would point at the wrong place
        .replace(/\n\/\/# sourceMappingURL=.*$/m, '')
        .replace(RELATIVE, (_, head, inner, tail) => {
          if (!wanted.has(inner)) {
            wanted.add(inner);
            queue.push(inner);
          }
          return `${head}./protocol-${inner}.js${tail}`;
        });
      writeFileSync(join(client, `protocol-${module}${ext}`), text);
    }
  }
  return [...wanted].sort();
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  bundleClient(resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..', 'dist')));
}

// Bundles the sample's React page (useChat from @ai-sdk/react) into sample/public/react.js at
// build time: the browser fetches nothing but the sample's own files.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

await build({
  entryPoints: [fileURLToPath(new URL('./app.tsx', import.meta.url))],
  outfile: fileURLToPath(new URL('../public/react.js', import.meta.url)),
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  jsx: 'automatic',
  minify: true,
  define: { 'process.env.NODE_ENV': '"production"' },
  logLevel: 'warning',
});

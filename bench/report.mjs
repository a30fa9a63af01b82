// Re-renders the benchmark's report from a raw JSON file, without running anything:
//   node bench/report.mjs bench/results/raw/bench-….json [outDir=bench/results]
//   node bench/report.mjs bench/results/raw/bench-….json --readme   (prints docs/performance.md)
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderChart, renderMarkdown, renderReadmeSection } from './lib/report.mjs';

const [file, arg] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: node bench/report.mjs raw.json [outDir | --readme]\n');
  process.exit(2);
}
// the raw file keeps Infinity and NaN as strings
const report = JSON.parse(readFileSync(file, 'utf8'), (_k, v) => (v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : v));
if (arg === '--readme') {
  process.stdout.write(renderReadmeSection(report));
} else {
  const out = arg ?? new URL('./results', import.meta.url).pathname;
  writeFileSync(join(out, 'results.md'), renderMarkdown(report));
  writeFileSync(join(out, 'chart.svg'), renderChart(report));
  process.stdout.write(`wrote ${join(out, 'results.md')} and ${join(out, 'chart.svg')}\n`);
}

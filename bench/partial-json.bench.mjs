// The partial-JSON reader's cost (`npm run bench:partial-json`): total parse CPU for a 10 KB,
// 100 KB and 1 MB object streamed in 5-character deltas, read by `PartialJsonReader` (the
// built dist/), then its final value. An incremental reader costs in proportion to the text:
// the 1 MB time must be at most 12x the 100 KB time. For contrast, the same text re-read from
// the start on every delta (what a non-incremental reader does), at 10 KB only: it is quadratic.
//
// Environment: BENCH_RUNS=5 (runs per size; the table shows the median CPU ms).
// Exits with status 1 when the 1 MB / 100 KB ratio is above 12.
import { PartialJsonReader } from '../dist/object/partial-json-reader.js';

const RUNS = Math.max(1, Number.parseInt(process.env.BENCH_RUNS ?? '5', 10) || 5);
const DELTA = 5;

/** A deterministic object of about `bytes` of JSON: records with escapes, unicode, numbers, nesting. */
function objectOfSize(bytes) {
  let seed = 42;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const words = ['alpha', 'beta', 'gamma "quoted"', 'back\\slash', 'line\nbreak', 'café', 'emoji 😀', 'tab\there', 'delta', 'ω'];
  const object = { title: 'benchmark', items: [] };
  let size = JSON.stringify(object).length;
  for (let id = 0; size < bytes; id++) {
    const item = {
      id,
      name: `${words[id % words.length]} ${id}`,
      score: Math.round(random() * 1e6) / 1e3,
      active: random() > 0.5,
      note: null,
      tags: [words[Math.floor(random() * words.length)], words[Math.floor(random() * words.length)]],
      address: { city: words[(id * 7) % words.length], zip: String(10000 + id), geo: [random() * 90, -random() * 180] },
    };
    object.items.push(item);
    size += JSON.stringify(item).length + 1;
  }
  return object;
}

function deltasOf(text) {
  const deltas = [];
  for (let i = 0; i < text.length; i += DELTA) deltas.push(text.slice(i, i + DELTA));
  return deltas;
}

function cpuMs(work) {
  globalThis.gc?.();
  const start = process.cpuUsage();
  work();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

function incremental(deltas, expected) {
  const reader = new PartialJsonReader();
  for (const delta of deltas) reader.push(delta);
  const value = reader.end();
  if (value.items.length !== expected) throw new Error('the reader read a different object');
}

function rereadEachDelta(deltas) {
  let text = '';
  for (const delta of deltas) {
    text += delta;
    const reader = new PartialJsonReader();
    reader.push(text);
    reader.snapshot();
  }
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const sizes = [
  { label: '10 KB', bytes: 10_000, naive: true },
  { label: '100 KB', bytes: 100_000, naive: false },
  { label: '1 MB', bytes: 1_000_000, naive: false },
];
const rows = [];
for (const size of sizes) {
  const object = objectOfSize(size.bytes);
  const text = JSON.stringify(object);
  const deltas = deltasOf(text);
  incremental(deltas, object.items.length); // warm-up
  const times = Array.from({ length: RUNS }, () => cpuMs(() => incremental(deltas, object.items.length)));
  const naive = size.naive ? median(Array.from({ length: Math.min(RUNS, 3) }, () => cpuMs(() => rereadEachDelta(deltas)))) : undefined;
  rows.push({ ...size, chars: text.length, deltas: deltas.length, ms: median(times), naive });
}

const ratio = rows[2].ms / rows[1].ms;
console.log(`Partial-JSON reader, ${DELTA}-character deltas, median CPU of ${RUNS} runs (node ${process.version})\n`);
console.log('| Object | Characters | Deltas | Incremental reader, CPU ms | Re-read on every delta, CPU ms |');
console.log('| --- | ---: | ---: | ---: | ---: |');
for (const row of rows) {
  console.log(
    `| ${row.label} | ${row.chars} | ${row.deltas} | ${row.ms.toFixed(1)} | ${row.naive === undefined ? '(not run: quadratic)' : row.naive.toFixed(1)} |`,
  );
}
console.log(`\n1 MB / 100 KB: ${ratio.toFixed(2)}x (limit 12x), 100 KB / 10 KB: ${(rows[1].ms / rows[0].ms).toFixed(2)}x`);
if (ratio > 12) {
  console.error('FAIL: the reader does not scale linearly');
  process.exitCode = 1;
}

// Loaded into the sample by the soak (node --expose-gc --import ./bench/soak-probe.mjs), never
// by the sample itself. On SIGWINCH (NestJS's shutdown hooks take SIGUSR2) it writes, to $BUPPLE_SOAK_PROBE_OUT.<n>.json: memory before
// and after two forced full GCs, the active handles by kind (timers, sockets, …), the event-loop
// delay since the last dump (the app's own, apart from the soak client's), and with
// $BUPPLE_SOAK_HEAP_SNAPSHOT=1 a heap snapshot after the GC, counted by constructor (what is
// retained, not only how much).
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import v8 from 'node:v8';

const out = process.env.BUPPLE_SOAK_PROBE_OUT;
const delay = monitorEventLoopDelay({ resolution: 10 });
delay.enable();
let dumps = 0;

const mb = (bytes) => Math.round((bytes / 1024 / 1024) * 10) / 10;
const memory = () => {
  const m = process.memoryUsage();
  return { rssMb: mb(m.rss), heapUsedMb: mb(m.heapUsed), heapTotalMb: mb(m.heapTotal), externalMb: mb(m.external), arrayBuffersMb: mb(m.arrayBuffers) };
};

/** Objects in a heap snapshot by constructor name (type object and closure), with their self sizes. */
function countSnapshot(path) {
  const snapshot = JSON.parse(readFileSync(path, 'utf8'));
  const fields = snapshot.snapshot.meta.node_fields;
  const types = snapshot.snapshot.meta.node_types[0];
  const width = fields.length;
  const at = { type: fields.indexOf('type'), name: fields.indexOf('name'), size: fields.indexOf('self_size') };
  const counts = {};
  const nodes = snapshot.nodes;
  for (let i = 0; i < nodes.length; i += width) {
    const type = types[nodes[i + at.type]];
    if (type !== 'object' && type !== 'closure') continue;
    const name = `${type === 'closure' ? 'closure ' : ''}${snapshot.strings[nodes[i + at.name]]}`;
    const entry = (counts[name] ??= { count: 0, bytes: 0 });
    entry.count++;
    entry.bytes += nodes[i + at.size];
  }
  return counts;
}

process.on('SIGWINCH', () => {
  const n = dumps++;
  const before = memory();
  globalThis.gc?.();
  globalThis.gc?.();
  const after = memory();
  const handles = {};
  for (const kind of process.getActiveResourcesInfo()) handles[kind] = (handles[kind] ?? 0) + 1;
  const report = {
    n,
    at: Date.now(),
    gcExposed: typeof globalThis.gc === 'function',
    before,
    afterGc: after,
    handles,
    eventLoopDelayMs: {
      p50: Math.round(delay.percentile(50) / 1e4) / 100,
      p99: Math.round(delay.percentile(99) / 1e4) / 100,
      max: Math.round(delay.max / 1e4) / 100,
      mean: Math.round(delay.mean / 1e4) / 100,
    },
  };
  delay.reset();
  if (process.env.BUPPLE_SOAK_HEAP_SNAPSHOT === '1') {
    const path = v8.writeHeapSnapshot(`${out}.${n}.heapsnapshot`);
    report.objects = countSnapshot(path);
    rmSync(path, { force: true });
  }
  writeFileSync(`${out}.${n}.json`, JSON.stringify(report));
});

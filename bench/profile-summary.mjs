// Summarises a V8 .cpuprofile (from `node --cpu-prof`): self time per function and per
// package, and inclusive time of the functions matching a pattern (default: the library's
// dist/). Usage: node bench/profile-summary.mjs file.cpuprofile [top=30] [pattern]
// A .heapprofile (BENCH_PROFILE=heap node bench/profile.mjs …) is summarised by bytes allocated.
import { readFileSync } from 'node:fs';

/** Where a function lives: an npm package, this library's dist/, Node's internals, or the bench. */
export function origin(url) {
  if (!url) return '(native / V8)';
  if (url.startsWith('node:')) return 'node: internals';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  const dist = /\/dist\/(.+)$/.exec(url);
  if (dist) return `library dist/${dist[1]}`;
  if (url.includes('/bench/')) return 'bench';
  return url;
}

export function summarizeProfile(profile, top = 30, inclusiveFilter = /dist\//) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  const { samples, timeDeltas } = profile;
  let total = 0;
  for (let i = 0; i < samples.length; i++) {
    const dt = timeDeltas[i] ?? 0;
    self.set(samples[i], (self.get(samples[i]) ?? 0) + dt);
    total += dt;
  }
  const perFunction = new Map();
  const perOrigin = new Map();
  let idle = 0;
  for (const [id, us] of self) {
    const { callFrame } = byId.get(id);
    const name = callFrame.functionName || '(anonymous)';
    if (name === '(idle)') {
      idle += us;
      continue;
    }
    const file = callFrame.url ? callFrame.url.replace(/^file:\/\//, '').replace(/^.*\/node_modules\//, '') : '';
    const key = `${name}  ${file ? `${file.replace(/^.*\/work\/main\//, '')}:${callFrame.lineNumber + 1}` : ''}`;
    perFunction.set(key, (perFunction.get(key) ?? 0) + us);
    const o = name === '(garbage collector)' ? '(garbage collector)' : name === '(program)' ? '(program: native, outside JS)' : origin(callFrame.url);
    perOrigin.set(o, (perOrigin.get(o) ?? 0) + us);
  }
  // inclusive time: a sample counts for every distinct function on its stack
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const keyOf = new Map();
  const functionKey = (node) => {
    let key = keyOf.get(node.id);
    if (key === undefined) {
      const { callFrame } = node;
      const file = callFrame.url
        ? callFrame.url
            .replace(/^file:\/\//, '')
            .replace(/^.*\/node_modules\//, '')
            .replace(/^.*\/work\/main\//, '')
        : '';
      key = `${callFrame.functionName || '(anonymous)'}  ${file ? `${file}:${callFrame.lineNumber + 1}` : ''}`;
      keyOf.set(node.id, key);
    }
    return key;
  };
  const inclusive = new Map();
  for (const [id, us] of self) {
    const seen = new Set();
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const node = byId.get(cur);
      const name = node.callFrame.functionName;
      if (name === '(root)' || name === '(idle)') continue;
      const key = functionKey(node);
      if (seen.has(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + us);
    }
  }
  const busy = total - idle;
  const pct = (us) => `${((us / busy) * 100).toFixed(1).padStart(5)} %`;
  const lines = [];
  lines.push(`busy ${(busy / 1e6).toFixed(2)} s of ${(total / 1e6).toFixed(2)} s sampled (idle ${(idle / 1e6).toFixed(2)} s)`);
  lines.push('', 'Self time by origin:');
  for (const [o, us] of [...perOrigin].sort((a, b) => b[1] - a[1]).slice(0, 20)) lines.push(`  ${pct(us)}  ${(us / 1000).toFixed(0).padStart(6)} ms  ${o}`);
  lines.push('', `Top ${top} functions by self time:`);
  for (const [k, us] of [...perFunction].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`  ${pct(us)}  ${(us / 1000).toFixed(0).padStart(6)} ms  ${k}`);
  if (inclusiveFilter) {
    lines.push('', `Inclusive time of functions matching ${inclusiveFilter}:`);
    for (const [k, us] of [...inclusive]
      .filter(([k]) => inclusiveFilter.test(k))
      .sort((a, b) => b[1] - a[1])
      .slice(0, top))
      lines.push(`  ${pct(us)}  ${(us / 1000).toFixed(0).padStart(6)} ms  ${k}`);
  }
  return lines.join('\n');
}

/**
 * Summarises a sampling heap profile (`HeapProfiler.stopSampling`, or `node --heap-prof`): the
 * bytes allocated per package and per function (self: allocated in the function itself), and
 * inclusive for the functions matching `inclusiveFilter` (their callees' allocations too).
 */
export function summarizeHeapProfile(profile, top = 30, inclusiveFilter = /dist\//) {
  const perFunction = new Map();
  const perOrigin = new Map();
  const inclusive = new Map();
  let total = 0;
  const key = (frame) =>
    `${frame.functionName || '(anonymous)'}  ${frame.url.replace(/^.*\/(node_modules|dist|bench)\//, '$1/').replace(/^file:\/\//, '')}:${frame.lineNumber + 1}`;
  const walk = (node, onStack) => {
    const k = key(node.callFrame);
    const size = node.selfSize;
    total += size;
    perFunction.set(k, (perFunction.get(k) ?? 0) + size);
    const o = origin(node.callFrame.url);
    perOrigin.set(o, (perOrigin.get(o) ?? 0) + size);
    const entered = inclusiveFilter.test(node.callFrame.url) && !onStack.has(k);
    if (entered) onStack.add(k);
    for (const f of onStack) inclusive.set(f, (inclusive.get(f) ?? 0) + size);
    for (const child of node.children) walk(child, onStack);
    if (entered) onStack.delete(k);
  };
  walk(profile.head, new Set());
  const mb = (bytes) => `${(bytes / 1048576).toFixed(1).padStart(7)} MB`;
  const pct = (bytes) => `${((bytes / total) * 100).toFixed(1).padStart(5)} %`;
  const lines = [`allocated ${mb(total).trim()} (sampled, GC-freed objects included)`, '', 'Bytes allocated by origin:'];
  for (const [k, b] of [...perOrigin].sort((a, z) => z[1] - a[1]).slice(0, 20)) lines.push(`  ${pct(b)}  ${mb(b)}  ${k}`);
  lines.push('', `Top ${top} functions by bytes allocated (self):`);
  for (const [k, b] of [...perFunction].sort((a, z) => z[1] - a[1]).slice(0, top)) lines.push(`  ${pct(b)}  ${mb(b)}  ${k}`);
  lines.push('', `Inclusive bytes of functions matching ${inclusiveFilter}:`);
  for (const [k, b] of [...inclusive].sort((a, z) => z[1] - a[1]).slice(0, top)) lines.push(`  ${pct(b)}  ${mb(b)}  ${k}`);
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write('usage: node bench/profile-summary.mjs file.cpuprofile [top]\n');
    process.exit(2);
  }
  const pattern = process.argv[4] ? new RegExp(process.argv[4]) : undefined;
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const summarize = profile.head ? summarizeHeapProfile : summarizeProfile;
  process.stdout.write(`${summarize(profile, Number(process.argv[3] ?? 30), pattern)}\n`);
}

/**
 * Summarises the `--trace-gc-nvp` lines of a load (BENCH_PROFILE=gc node bench/profile.mjs …):
 * per kind of collection (s: scavenge, mc: mark-compact, …) the count and the pause time, and
 * for scavenges the bytes that survived (copied within the young space) and were promoted
 * (copied to the old space): the copying is most of a scavenge's cost. Per 10 000 tokens too.
 */
export function summarizeGcTrace(lines, tokens) {
  const kinds = new Map();
  for (const line of lines) {
    const fields = Object.fromEntries([...line.matchAll(/(\w[\w.]*)=([\w.%-]+)/g)].map(([, key, value]) => [key, value]));
    const kind = fields.gc ?? '?';
    const entry = kinds.get(kind) ?? { count: 0, pauseMs: 0, survived: 0, promoted: 0 };
    entry.count++;
    entry.pauseMs += Number(fields.pause ?? 0);
    entry.survived += Number(fields.new_space_survived ?? 0);
    entry.promoted += Number(fields.promoted ?? 0);
    kinds.set(kind, entry);
  }
  if (kinds.size === 0) return 'no collection during the load';
  const per10k = (value) => (tokens ? (value / tokens) * 10_000 : NaN);
  const mb = (bytes) => (bytes / 1024 / 1024).toFixed(1);
  const out = [
    '| collection | count | pause (ms) | mean pause (ms) | survived (MB) | promoted (MB) | pause per 10k tokens (ms) |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const [kind, { count, pauseMs, survived, promoted }] of kinds)
    out.push(
      `| ${kind} | ${count} | ${pauseMs.toFixed(1)} | ${(pauseMs / count).toFixed(2)} | ${mb(survived)} | ${mb(promoted)} | ${per10k(pauseMs).toFixed(1)} |`,
    );
  return out.join('\n');
}

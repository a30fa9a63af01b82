// Compares two CPU profiles function by function: self time in A, in B, and A − B, largest
// difference first (then the functions where B spends more, if any). For "what does relay A do
// that relay B does not", e.g. the library against the node:http floor under the same load:
//   node bench/profile.mjs library-features burst && node bench/profile.mjs node-http burst
//   node bench/profile-diff.mjs bench/results/raw/profiles/library-features-burst-*.cpuprofile \
//     bench/results/raw/profiles/node-http-burst-*.cpuprofile [top=40]
// V8 attributes an inlined function's time to its caller, so read a row as "this function and
// what the JIT folded into it".
import { readFileSync } from 'node:fs';

/** Self time (ms) per function ("name file:line") of a .cpuprofile, idle left out. */
export function selfTimes(profile) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const perNode = new Map();
  profile.samples.forEach((id, i) => perNode.set(id, (perNode.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const out = new Map();
  for (const [id, us] of perNode) {
    const { functionName, url, lineNumber } = byId.get(id).callFrame;
    if (functionName === '(idle)') continue;
    const file = url
      .replace(/^file:\/\//, '')
      .replace(/^.*\/node_modules\//, '')
      .replace(/^.*\/(dist|bench)\//, '$1/');
    const key = `${functionName || '(anonymous)'}  ${file ? `${file}:${lineNumber + 1}` : ''}`;
    out.set(key, (out.get(key) ?? 0) + us / 1000);
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [fileA, fileB, topArg] = process.argv.slice(2);
  if (!fileA || !fileB) {
    console.error('usage: node bench/profile-diff.mjs a.cpuprofile b.cpuprofile [top=40]');
    process.exit(2);
  }
  const top = Number(topArg ?? 40);
  const [a, b] = [fileA, fileB].map((file) => selfTimes(JSON.parse(readFileSync(file, 'utf8'))));
  const sum = (times) => [...times.values()].reduce((total, ms) => total + ms, 0);
  const rows = [...new Set([...a.keys(), ...b.keys()])].map((key) => ({ key, a: a.get(key) ?? 0, b: b.get(key) ?? 0 }));
  rows.sort((x, y) => y.a - y.b - (x.a - x.b));
  const line = ({ key, a: inA, b: inB }) => `${(inA - inB).toFixed(0).padStart(7)} ${inA.toFixed(0).padStart(7)} ${inB.toFixed(0).padStart(7)}  ${key}`;
  console.log(`busy: A ${sum(a).toFixed(0)} ms, B ${sum(b).toFixed(0)} ms\n\n  A − B       A       B  (self ms)  A spends more:`);
  for (const row of rows.slice(0, top).filter((r) => r.a > r.b)) console.log(line(row));
  const more = rows
    .filter((r) => r.b > r.a)
    .reverse()
    .slice(0, Math.ceil(top / 4));
  if (more.length) console.log('\nB spends more:');
  for (const row of more) console.log(line(row));
}

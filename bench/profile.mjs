// after the warm-up through node:inspector so that start-up is left out) and prints where
// its CPU goes.
//   node bench/profile.mjs [relay=library] [load=burst|paced|single|s3|requests]
// burst: 200 streams × 200 tokens back to back (S2); paced: 300 streams × 100 tokens at 20 ms;
// single: 1 stream × 20 000 tokens (S1); s3: 1 000 streams × 100 tokens at 20 ms (S3, once);
// requests: 1 000 streams of 2 tokens over 2 s (the cost of a request: set-up and tear-down).
// The relay is pinned to CPU 1 like in the benchmark; the profile lands in
// bench/results/raw/profiles/ (gitignored) and is summarised by bench/profile-summary.mjs.
// BENCH_PROFILE=heap samples allocations instead (V8's sampling heap profiler, objects that GC
// freed included): bytes allocated per function, which is what the garbage collector pays for.
// BENCH_PROFILE=gc runs the relay with --trace-gc-nvp and reports the collections during the
// load: count, pause time, bytes that survived a scavenge and bytes promoted to the old space
// (the work a scavenge does is copying what survives, so a relay that keeps more per stream
// alive pays more per collection, not only per byte allocated).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { killChildrenOnExit, startChild } from './lib/children.mjs';
import { cpuSeconds } from './lib/proc.mjs';
import { summarizeGcTrace, summarizeHeapProfile, summarizeProfile } from './profile-summary.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const relayId = process.argv[2] ?? 'library';
const loadName = process.argv[3] ?? 'burst';
const LOADS = {
  burst: { streams: 200, tokens: 200, delayMs: 0 },
  paced: { streams: 300, tokens: 100, delayMs: 20, rampMs: 300 },
  single: { streams: 1, tokens: 20_000, delayMs: 0 },
  s3: { streams: 1000, tokens: 100, delayMs: 20, rampMs: 1000, rounds: 1 },
  requests: { streams: 1000, tokens: 2, delayMs: 0, rampMs: 2000, rounds: 1 },
};
const load = LOADS[loadName];
if (!load) throw new Error(`load must be one of ${Object.keys(LOADS).join(', ')}`);
const files = {
  library: 'relays/library.mjs',
  'library-features': 'relays/library.mjs',
  'library-fastify': 'relays/library.mjs',
  gemini: 'relays/library.mjs',
  claude: 'relays/library.mjs',
  'nest-sdk': 'relays/nest-sdk.mjs',
  'node-http': 'relays/node-http.mjs',
  'nest-http': 'relays/nest-http.mjs',
};
if (!files[relayId]) throw new Error(`relay must be one of ${Object.keys(files).join(', ')}`);

killChildrenOnExit();
const dir = join(here, 'results/raw/profiles');
mkdirSync(dir, { recursive: true });
const heap = process.env.BENCH_PROFILE === 'heap';
const gc = process.env.BENCH_PROFILE === 'gc';
/** --trace-gc-nvp lines printed while the load ran (gc mode). */
const gcLines = [];
let tracing = false;
let partial = '';
const onStdout = (text) => {
  const lines = (partial + text).split('\n');
  partial = lines.pop();
  if (tracing) gcLines.push(...lines.filter((line) => line.includes(' gc=')));
};
const prefix = `${relayId}-${loadName}-${Date.now()}`;
const upstream = await startChild(join(here, 'upstream.mjs'), { name: 'upstream', cpus: '0' });
const client = await startChild(join(here, 'load-client.mjs'), { name: 'load-client', cpus: '0' });
const relay = await startChild(join(here, files[relayId]), {
  name: relayId,
  cpus: '1',
  env: {
    UPSTREAM_URL: `http://127.0.0.1:${upstream.port}`,
    BENCH_FEATURES: relayId === 'library-features' || relayId === 'library-fastify' ? '1' : '0',
    ...(relayId === 'library-fastify' && { BENCH_PLATFORM: 'fastify' }),
    ...((relayId === 'gemini' || relayId === 'claude') && { BENCH_PROVIDER: relayId }),
  },
  ...(gc && { execArgv: ['--trace-gc-nvp'], onStdout }),
});
const file = join(dir, `${prefix}.${heap ? 'heapprofile' : 'cpuprofile'}`);
let profile;
try {
  // warm up, then three rounds of the load
  await client.rpc({ type: 'run', options: { port: relay.port, streams: 20, tokens: 500, delayMs: 0, tag: 'warm' } }, 70_000);
  if (gc) tracing = true;
  else await relay.rpc(heap ? { type: 'heap-start' } : { type: 'profile-start', intervalUs: 250 });
  const cpu0 = cpuSeconds(relay.pid);
  let tokens = 0;
  const { rounds = 3, ...options } = load;
  for (let i = 0; i < rounds; i++) {
    const result = await client.rpc({ type: 'run', options: { port: relay.port, timeoutMs: 60_000, tag: `p${i}`, ...options } }, 70_000);
    tokens += result.contentEvents;
    if (result.errorCount) console.log(`errors: ${JSON.stringify(result.errors)} ${result.errorSamples.join(' | ')}`);
  }
  const cpu = cpuSeconds(relay.pid) - cpu0;
  const perTokens = `${relayId}, ${loadName}: ${tokens} tokens, relay CPU ${cpu.toFixed(2)} s = ${((cpu / tokens) * 10_000).toFixed(3)} s per 10 000 tokens`;
  if (gc) {
    await new Promise((resolve) => setTimeout(resolve, 200)); // the last lines through the pipe
    tracing = false;
    console.log(`${perTokens}\n\n${summarizeGcTrace(gcLines, tokens)}`);
  } else {
    profile = await relay.rpc({ type: heap ? 'heap-stop' : 'profile-stop' }, 60_000);
    writeFileSync(file, JSON.stringify(profile));
    console.log(`${perTokens} (profiler on: slower than in the benchmark)`);
  }
} finally {
  await Promise.allSettled([relay.stop(), client.stop(), upstream.stop()]);
}
if (!gc) {
  console.log(`profile: ${file}\n`);
  console.log(heap ? summarizeHeapProfile(profile, Number(process.env.TOP ?? 30)) : summarizeProfile(profile, Number(process.env.TOP ?? 30)));
}

// The token-path benchmark (`npm run bench`): a mock OpenAI upstream, the relays under test
// each in its own process pinned to one core, and a load client on the other core. All
// traffic stays on 127.0.0.1. Writes bench/results/results.md, bench/results/chart.svg and
// the raw figures to bench/results/raw/.
//
// Environment:
//   BENCH_RUNS=3          runs per relay (the table shows medians)
//   BENCH_SCALE=1         multiplies stream and token counts (0.2 for a quick check)
//   BENCH_RELAYS=a,b      only these relays (library, library-features, gemini, claude, ui-message, ai-sdk, nest-sdk, node-http, nest-http)
//   BENCH_SCENARIOS=S1,S3 only these scenarios
//   BENCH_TIMEOUT_MS=60000 hard limit of one scenario's load
//   BENCH_OUT=dir         where to write results (default bench/results; raw JSON always under it)
//   BENCH_NICE=-5         nice value of the bench's processes (negative: ahead of other work on a shared machine)
//   BENCH_VERBOSE=1       echo the children's output
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { killChildrenOnExit, startChild } from './lib/children.mjs';
import { cpuPressureUs, cpuSeconds, machine, memory, pin, renice, resetPeakRss, sampleRss, taskset } from './lib/proc.mjs';
import { median } from './lib/stats.mjs';
import { renderChart, renderMarkdown } from './lib/report.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');

const env = process.env;
const RUNS = Math.max(1, Number.parseInt(env.BENCH_RUNS ?? '3', 10) || 3);
const SCALE = Math.min(5, Math.max(0.01, Number.parseFloat(env.BENCH_SCALE ?? '1') || 1));
const TIMEOUT_MS = Math.min(300_000, Math.max(5_000, Number.parseInt(env.BENCH_TIMEOUT_MS ?? '60000', 10) || 60_000));
const VERBOSE = env.BENCH_VERBOSE === '1';
const NICE = Math.min(19, Math.max(-20, Number.parseInt(env.BENCH_NICE ?? '0', 10) || 0));
const OUT = env.BENCH_OUT ? resolve(env.BENCH_OUT) : join(here, 'results');
const ONLY_RELAYS = env.BENCH_RELAYS ? new Set(env.BENCH_RELAYS.split(',').map((s) => s.trim())) : null;
const ONLY_SCENARIOS = env.BENCH_SCENARIOS ? new Set(env.BENCH_SCENARIOS.split(',').map((s) => s.trim().toUpperCase())) : null;
const RELAY_CPU = '1';
const HARNESS_CPU = '0';

const scaled = (n, min = 1) => Math.max(min, Math.round(n * SCALE));

/** The scenarios of issue 6, at the configured scale. */
export const SCENARIOS = [
  {
    id: 'S1',
    title: `1 stream × ${scaled(20_000, 100)} tokens, back to back (3 times, median)`,
    load: { streams: 1, tokens: scaled(20_000, 100), delayMs: 0 },
    repeat: 3,
  },
  { id: 'S2', title: `${scaled(200)} streams × 200 tokens, back to back`, load: { streams: scaled(200), tokens: 200, delayMs: 0 } },
  { id: 'S3', title: `${scaled(1000)} streams × 100 tokens at 20 ms`, load: { streams: scaled(1000), tokens: 100, delayMs: 20, rampMs: scaled(1000, 50) } },
  {
    id: 'S4',
    title: `${scaled(100)} streams cut after 50 tokens`,
    load: { streams: scaled(100), tokens: 500, delayMs: 20, rampMs: 100, cutAfter: 50, cutShare: 1 },
    cut: true,
  },
  {
    id: 'S5',
    title: `capacity: ${[50, 100, 150, 200, 300].map((c) => scaled(c)).join('/')} streams × 50 tokens at 20 ms`,
    steps: [50, 100, 150, 200, 300].map((c) => scaled(c)),
    load: { tokens: 50, delayMs: 20, rampMs: 250 },
  },
  { id: 'S6', title: '50 streams × 20 tokens at 20 ms, one start every 20 ms', load: { streams: 50, tokens: 20, delayMs: 20, rampMs: 1000 } },
].filter((s) => !ONLY_SCENARIOS || ONLY_SCENARIOS.has(s.id));

const WARMUP = [
  { streams: 20, tokens: 500, delayMs: 0 },
  { streams: 1, tokens: 5000, delayMs: 0 },
  { streams: 50, tokens: 20, delayMs: 5, rampMs: 100 },
];

/** Loads the load client runs against the upstream directly before anything is measured. */
const HARNESS_WARMUP = [
  { streams: 50, tokens: 400, delayMs: 0 },
  { streams: 200, tokens: 60, delayMs: 5, rampMs: 200 },
  { streams: 1, tokens: 20_000, delayMs: 0 },
  { streams: 200, tokens: 60, delayMs: 5, rampMs: 200 },
];

const CAPACITY_GAP_MS = 10;

/** What dist/ offers, read from its type declarations (the library relay imports dist/index.js). */
function libraryBuild() {
  const index = join(root, 'dist/index.d.ts');
  if (!existsSync(index)) return { ok: false, why: 'dist/ is not built (npm run build)' };
  const dts = readFileSync(index, 'utf8');
  const missing = ['BuppleEngineModule', 'EngineService', 'SseStream'].filter((name) => !new RegExp(`\\b${name}\\b`).test(dts));
  if (missing.length) return { ok: false, why: `dist/index.d.ts does not export ${missing.join(', ')}` };
  if (!existsSync(join(root, 'dist/drivers/openai/openai.driver.js'))) return { ok: false, why: 'the OpenAI driver is not in dist/ yet' };
  const optionsFile = join(root, 'dist/sse/sse-options.interface.d.ts');
  const options = existsSync(optionsFile) ? readFileSync(optionsFile, 'utf8') : '';
  const progress = /\bprogress\??\s*:/.test(options);
  const keepalive = /\bkeepalive\w*\??\s*:/i.test(options);
  return { ok: true, progress, keepalive, features: progress && keepalive };
}

const build = libraryBuild();
/** Why the every-event relays cannot run on this build (null: they can). */
const featuresSkip = !build.ok ? build.why : build.features ? null : 'SseStreamOptions in dist/ has no progress/keepalive options yet: plain variant only';
const RELAYS = [
  {
    id: 'library',
    label: 'this library',
    detail: '`@SseStream()` over `EngineService.stream()` (OpenAI driver)',
    file: 'relays/library.mjs',
    env: {},
    skip: build.ok ? null : build.why,
  },
  {
    id: 'library-features',
    label: 'this library, progress + keepalive',
    detail: '`@SseStream({ progress, keepalive })`, every event on',
    file: 'relays/library.mjs',
    env: { BENCH_FEATURES: '1' },
    skip: featuresSkip,
  },
  {
    id: 'library-fastify',
    label: 'this library on Fastify, progress + keepalive',
    detail: 'the `library-features` relay served by `@nestjs/platform-fastify` instead of express',
    file: 'relays/library.mjs',
    env: { BENCH_FEATURES: '1', BENCH_PLATFORM: 'fastify' },
    skip: featuresSkip,
  },
  {
    id: 'gemini',
    label: 'this library, Gemini driver',
    detail: 'the `library` relay with the Gemini driver, the mock upstream answering in Gemini’s `streamGenerateContent?alt=sse` format',
    file: 'relays/library.mjs',
    env: { BENCH_PROVIDER: 'gemini' },
    provider: 'gemini',
    skip: build.ok ? null : build.why,
  },
  {
    id: 'claude',
    label: 'this library, Claude driver',
    detail: 'the `library` relay with the Claude driver, the mock upstream answering in Anthropic’s Messages API format (`event:` + `data:` lines)',
    file: 'relays/library.mjs',
    env: { BENCH_PROVIDER: 'claude' },
    provider: 'claude',
    skip: build.ok ? null : build.why,
  },
  {
    id: 'ui-message',
    label: 'this library, UI message protocol',
    detail: "the `library` relay with `@SseStream({ protocol: 'ui-message' })`: the AI SDK's UI message stream (what `useChat` reads)",
    file: 'relays/library.mjs',
    env: { BENCH_PROTOCOL: 'ui-message' },
    skip: build.ok ? null : build.why,
  },
  {
    id: 'ai-sdk',
    label: 'AI SDK streamText + pipeUIMessageStreamToResponse',
    detail: "the AI SDK's own server side: `streamText({ model: createOpenAI({ baseURL }).chat(m) }).pipeUIMessageStreamToResponse(res)` on node:http",
    file: 'relays/ai-sdk.mjs',
    env: {},
  },
  {
    id: 'nest-sdk',
    label: 'NestJS @Sse() + openai SDK',
    detail: '`@Sse()` returning `new Observable` over the SDK stream',
    file: 'relays/nest-sdk.mjs',
    env: {},
  },
  {
    id: 'node-http',
    label: 'node:http',
    detail: 'plain `node:http` both ways (`http.request` upstream over a keep-alive agent), one `write()` per token',
    file: 'relays/node-http.mjs',
    env: {},
  },
  {
    id: 'nest-http',
    label: 'Nest route, node:http relay',
    detail:
      "the node:http relay's function inside a Nest controller route (express, `@Req()` / `@Res()`): node:http plus the per-request work of Nest and express, which any Nest route pays",
    file: 'relays/nest-http.mjs',
    env: {},
  },
  {
    id: 'direct',
    label: 'no relay (harness floor)',
    detail:
      'the load client reads the mock upstream directly: what the upstream and the load client, sharing one core, add by themselves (no relay CPU or RSS to measure)',
    file: null,
    scenarios: ['S2', 'S3', 'S5', 'S6'],
  },
].filter((r) => !ONLY_RELAYS || ONLY_RELAYS.has(r.id));

function log(line) {
  process.stdout.write(`${line}\n`);
}

const round = (value, digits = 3) => (Number.isFinite(value) ? Number(value.toFixed(digits)) : value);

/**
 * The relay's CPU seconds so far: its own `process.cpuUsage()` (microseconds, all threads),
 * asked over IPC; /proc/<pid>/stat (10 ms ticks) when the relay does not answer that.
 */
async function relayCpuSeconds(relay) {
  try {
    const seconds = await relay.rpc({ type: 'cpu-usage' }, 5_000);
    if (Number.isFinite(seconds)) return seconds;
  } catch {
    // an older relay: the kernel's coarser count
  }
  return cpuSeconds(relay.pid);
}

/** Runs one load against the relay, measuring the relay's CPU (and RSS) around it. */
async function measureLoad(ctx, load, { rss = false } = {}) {
  const { relay, upstream, client } = ctx;
  await upstream.rpc({ type: 'reset' });
  await sleep(150);
  const measured = relay.pid !== null;
  const cpuBefore = measured ? await relayCpuSeconds(relay) : NaN;
  let sampler;
  let idleKiB;
  if (rss && measured) {
    resetPeakRss(relay.pid);
    idleKiB = memory(relay.pid).rssKiB;
    sampler = sampleRss(relay.pid, 20);
  }
  let result;
  try {
    result = await client.rpc({ type: 'run', options: { port: relay.port, timeoutMs: TIMEOUT_MS, ...load } }, TIMEOUT_MS + 15_000);
  } finally {
    if (sampler) ctx.sampledPeakKiB = sampler.stop();
  }
  await sleep(100);
  const figures = { ...result, relayCpuSeconds: measured ? (await relayCpuSeconds(relay)) - cpuBefore : NaN };
  if (rss) {
    figures.idleRssKiB = measured ? idleKiB : NaN;
    figures.peakRssKiB = measured ? Math.max(memory(relay.pid).hwmKiB, ctx.sampledPeakKiB) : NaN;
  }
  return figures;
}

const cpuPer10k = (load) => (load.contentEvents > 0 ? (load.relayCpuSeconds / load.contentEvents) * 10_000 : NaN);

/** Runs one scenario and returns its metrics (flat, for the table) and its raw figures. */
async function runScenario(ctx, scenario, runTag) {
  const tag = `${scenario.id}r${runTag}`;
  switch (scenario.id) {
    case 'S1': {
      // one stream is short: three of them, one after the other, and the median
      const loads = [];
      for (let i = 0; i < scenario.repeat; i++) loads.push(await measureLoad(ctx, { ...scenario.load, tag: `${tag}i${i}` }));
      return {
        metrics: {
          'S1.cpuPer10k': median(loads.map(cpuPer10k)),
          'S1.tokensPerSecond': median(loads.map((l) => l.eventsPerSecond)),
          'S1.errors': loads.reduce((sum, l) => sum + l.errorCount, 0),
        },
        raw: loads,
      };
    }
    case 'S2': {
      const load = await measureLoad(ctx, { ...scenario.load, tag });
      return { metrics: { 'S2.cpuPer10k': cpuPer10k(load), 'S2.tokensPerSecond': load.eventsPerSecond, 'S2.errors': load.errorCount }, raw: load };
    }
    case 'S3': {
      const load = await measureLoad(ctx, { ...scenario.load, tag }, { rss: true });
      return {
        metrics: {
          'S3.cpuPer10k': cpuPer10k(load),
          'S3.ttftP50': load.ttft.p50,
          'S3.ttftP99': load.ttft.p99,
          'S3.addedGapP99': load.addedGapP99,
          'S3.peakRssMiB': load.peakRssKiB / 1024,
          'S3.rssPerStreamKiB': (load.peakRssKiB - load.idleRssKiB) / load.streams,
          'S3.errors': load.errorCount,
        },
        raw: load,
      };
    }
    case 'S4': {
      const load = await measureLoad(ctx, { ...scenario.load, tag });
      // wait until every cut request closed upstream, or 1.5 s after the last cut
      const lastCut = Math.max(0, ...load.cuts.map((c) => c.cutAt));
      let records = [];
      for (;;) {
        const stats = await ctx.upstream.rpc({ type: 'stats', withRecords: true });
        records = new Map(stats.records.map((r) => [r.tag, r]));
        const allClosed = load.cuts.every((c) => records.get(c.tag)?.closedEarly || records.get(c.tag)?.completed);
        if (allClosed || performance.timeOrigin + performance.now() > lastCut + 1500) break;
        await sleep(50);
      }
      const delays = load.cuts.map((c) => {
        const r = records.get(c.tag);
        return r?.closedEarly ? r.closedAt - c.cutAt : Infinity;
      });
      const within = delays.filter((d) => d <= 1000).length;
      const closed = delays.filter(Number.isFinite);
      return {
        metrics: {
          'S4.closedWithin1sPct': load.cuts.length ? (within / load.cuts.length) * 100 : NaN,
          'S4.closeDelayMedianMs': closed.length ? median(closed) : NaN,
          'S4.closeDelayMaxMs': closed.length ? Math.max(...closed) : NaN,
          'S4.errors': load.errorCount,
        },
        raw: { ...load, closeDelaysMs: delays.map((d) => round(d)), cuts: undefined },
      };
    }
    case 'S5': {
      const steps = [];
      let capacity = 0;
      for (const streams of scenario.steps) {
        const load = await measureLoad(ctx, { ...scenario.load, streams, tag: `${tag}c${streams}` });
        const ok = load.errorCount === 0 && load.addedGapP99 < CAPACITY_GAP_MS;
        steps.push({ streams, addedGapP99: load.addedGapP99, ttftP99: load.ttft.p99, errors: load.errorCount, cpuPer10k: cpuPer10k(load), ok });
        if (ok) capacity = streams;
      }
      const metrics = { 'S5.capacity': capacity };
      for (const step of steps) metrics[`S5.addedGapP99@${step.streams}`] = step.addedGapP99;
      return { metrics, raw: { steps } };
    }
    case 'S6': {
      const load = await measureLoad(ctx, { ...scenario.load, tag });
      return {
        metrics: { 'S6.ttftP50': load.ttft.p50, 'S6.ttftP99': load.ttft.p99, 'S6.ttfeP50': load.ttfe.p50, 'S6.errors': load.errorCount },
        raw: load,
      };
    }
    default:
      throw new Error(`unknown scenario ${scenario.id}`);
  }
}

async function startRelay(relayDef, upstreamPort) {
  if (!relayDef.file) return { pid: null, port: upstreamPort, exited: false, stop: async () => undefined };
  return startChild(join(here, relayDef.file), {
    name: relayDef.id,
    env: { ...relayDef.env, UPSTREAM_URL: `http://127.0.0.1:${upstreamPort}` },
    cpus: RELAY_CPU,
    niceness: NICE,
    verbose: VERBOSE,
  });
}

async function main() {
  killChildrenOnExit();
  const started = Date.now();
  const pressureAtStart = cpuPressureUs();
  const selfPinned = pin(process.pid, HARNESS_CPU);
  const reniced = NICE !== 0 && renice(process.pid, NICE);
  const info = {
    ...machine(),
    cores: os.cpus().length,
    node: process.version,
    platform: `${os.type()} ${os.arch()}`,
    taskset: `${taskset() ? `relay on CPU ${RELAY_CPU}, upstream + load client on CPU ${HARNESS_CPU}` : 'taskset not found: processes not pinned'}${NICE !== 0 ? `, nice ${NICE}` : ''}`,
    command: commandLine(),
    runs: RUNS,
    scale: SCALE,
    date: new Date().toISOString(),
    library: build,
    loadAverageAtStart: os.loadavg().map((v) => round(v, 2)),
  };
  log(
    `bench: ${info.cpuModel}, ${info.cores} cores, node ${info.node}; runs=${RUNS} scale=${SCALE}; ${info.taskset}${selfPinned ? '' : ' (runner not pinned)'}${NICE !== 0 && !reniced ? ' (could not renice)' : ''}`,
  );
  for (const relayDef of RELAYS) if (relayDef.skip) log(`bench: skipping ${relayDef.id}: ${relayDef.skip}`);
  const relays = RELAYS.filter((r) => !r.skip);
  if (relays.length === 0) throw new Error('no relay to measure');

  const upstream = await startChild(join(here, 'upstream.mjs'), { name: 'upstream', cpus: HARNESS_CPU, niceness: NICE, verbose: VERBOSE });
  const client = await startChild(join(here, 'load-client.mjs'), { name: 'load-client', cpus: HARNESS_CPU, niceness: NICE, verbose: VERBOSE });
  const ctx = { upstream, client, relay: null };
  // warm the harness itself (JIT of the upstream and the load client), or the first relay
  // measured would pay for it
  for (const load of HARNESS_WARMUP)
    await client.rpc({ type: 'run', options: { port: upstream.port, timeoutMs: TIMEOUT_MS, tag: 'harness', ...load } }, TIMEOUT_MS + 15_000);
  const runs = []; // { run, relay, metrics, raw, errors }
  try {
    for (let run = 0; run < RUNS; run++) {
      // rotate the order so that no relay always goes first (or last)
      const order = relays.map((_, i) => relays[(i + run) % relays.length]);
      for (const relayDef of order) {
        const entry = { run, relay: relayDef.id, metrics: {}, raw: {}, failures: [] };
        runs.push(entry);
        const t0 = Date.now();
        try {
          ctx.relay = await startRelay(relayDef, upstream.port);
          for (const load of WARMUP) await measureLoad(ctx, { ...load, tag: `warm${run}` });
          for (const scenario of SCENARIOS.filter((sc) => !relayDef.scenarios || relayDef.scenarios.includes(sc.id))) {
            try {
              if (ctx.relay.exited) ctx.relay = await startRelay(relayDef, upstream.port);
              const { metrics, raw } = await runScenario(ctx, scenario, run);
              Object.assign(entry.metrics, metrics);
              entry.raw[scenario.id] = raw;
            } catch (error) {
              entry.failures.push(`${scenario.id}: ${error.message}`);
              log(`bench: ${relayDef.id} ${scenario.id} failed: ${error.message}`);
            }
          }
        } catch (error) {
          entry.failures.push(`start: ${error.message}`);
          log(`bench: ${relayDef.id} failed to start: ${error.message}`);
        } finally {
          await ctx.relay?.stop();
          ctx.relay = null;
        }
        log(`bench: run ${run + 1}/${RUNS} ${relayDef.id} done in ${((Date.now() - t0) / 1000).toFixed(1)} s ${summaryLine(entry.metrics)}`);
      }
    }
  } finally {
    await Promise.allSettled([client.stop(), upstream.stop(), ctx.relay?.stop()]);
  }

  // medians over the runs
  const medians = {};
  for (const relayDef of relays) {
    const mine = runs.filter((r) => r.relay === relayDef.id);
    const keys = new Set(mine.flatMap((r) => Object.keys(r.metrics)));
    medians[relayDef.id] = {};
    for (const key of keys) medians[relayDef.id][key] = median(mine.map((r) => r.metrics[key]));
  }
  info.durationSeconds = Math.round((Date.now() - started) / 1000);
  info.loadAverageAtEnd = os.loadavg().map((v) => round(v, 2));
  // share of the run's wall time during which some task (ours or not) waited for a CPU
  info.cpuPressurePct = round(((cpuPressureUs() - pressureAtStart) / 1000 / (Date.now() - started)) * 100, 1);

  mkdirSync(join(OUT, 'raw'), { recursive: true });
  const stamp = info.date.replace(/[:.]/g, '-');
  const rawFile = join(OUT, 'raw', `bench-${stamp}.json`);
  const report = {
    info,
    scenarios: SCENARIOS,
    relays: relays.map(({ id, label, detail, provider }) => ({ id, label, detail, provider })),
    skipped: RELAYS.filter((r) => r.skip).map(({ id, skip }) => ({ id, skip })),
    medians,
    runs,
  };
  writeFileSync(rawFile, `${JSON.stringify(report, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), 2)}\n`);
  writeFileSync(join(OUT, 'results.md'), renderMarkdown(report));
  writeFileSync(join(OUT, 'chart.svg'), renderChart(report));
  log(
    `bench: done in ${info.durationSeconds} s → ${relative(process.cwd(), join(OUT, 'results.md'))}, ${relative(process.cwd(), join(OUT, 'chart.svg'))}, ${relative(process.cwd(), rawFile)}`,
  );
  const failures = runs.flatMap((r) => r.failures.map((f) => `${r.relay} run ${r.run + 1}: ${f}`));
  if (failures.length) {
    log(`bench: ${failures.length} failure(s):\n  ${failures.join('\n  ')}`);
    process.exitCode = 1;
  }
}

function summaryLine(metrics) {
  const pick = [
    ['S1.cpuPer10k', 'S1 cpu/10k', 3],
    ['S2.cpuPer10k', 'S2 cpu/10k', 3],
    ['S3.addedGapP99', 'S3 gap+p99', 1],
    ['S3.rssPerStreamKiB', 'KiB/stream', 0],
    ['S4.closedWithin1sPct', 'cut closed%', 0],
    ['S5.capacity', 'capacity', 0],
    ['S6.ttftP50', 'S6 ttft p50', 2],
  ];
  return pick
    .filter(([key]) => key in metrics)
    .map(([key, label, digits]) => `${label}=${Number.isFinite(metrics[key]) ? metrics[key].toFixed(digits) : metrics[key]}`)
    .join(' ');
}

function commandLine() {
  const vars = ['BENCH_RUNS', 'BENCH_SCALE', 'BENCH_RELAYS', 'BENCH_SCENARIOS', 'BENCH_TIMEOUT_MS', 'BENCH_NICE']
    .filter((k) => env[k] !== undefined)
    .map((k) => `${k}=${env[k]}`);
  return [...vars, 'npm run bench'].join(' ');
}

main().catch((error) => {
  process.stderr.write(`bench failed: ${error?.stack ?? error}\n`);
  process.exit(1);
});

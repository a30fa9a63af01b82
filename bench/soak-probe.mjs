// Loaded into the sample by the soak (node --expose-gc --import ./bench/soak-probe.mjs), never
// by the sample itself. On SIGWINCH (NestJS's shutdown hooks take SIGUSR2) it writes, to $BUPPLE_SOAK_PROBE_OUT.<n>.json: memory before
// and after two forced full GCs, the active handles by kind (timers, sockets, …), the event-loop
// delay since the last dump (the app's own, apart from the soak client's), and with
// $BUPPLE_SOAK_HEAP_SNAPSHOT=1 a heap snapshot after the GC, counted by constructor (what is
// retained, not only how much; strings are counted by kind). Since the last dump too: its
// event-loop stalls over 1 s, its requests slow to be seen (accept → 'request') or answered
// ('request' → headers) over 2 s, and when each of the soak's probe requests (x-soak-probe: n)
// was seen and answered.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import http from 'node:http';
import v8 from 'node:v8';

const out = process.env.BUPPLE_SOAK_PROBE_OUT;
const delay = monitorEventLoopDelay({ resolution: 10 });
delay.enable();
let dumps = 0;

// Where a slow answer spent its time, on the server's side: event-loop stalls (a 100 ms timer
// more than 1 s late), and requests slow to be seen (connection accepted → 'request' event) or
// slow to be answered ('request' → response headers), over 2 s, with their time and path.
const SLOW_MS = 2000;
const stalls = [];
let tick = performance.now();
setInterval(() => {
  const now = performance.now();
  if (now - tick > 1100) stalls.push({ at: Date.now(), ms: Math.round(now - tick - 100) });
  tick = now;
}, 100).unref();
const slowRequests = [];
const probeTimes = [];
const requestCounts = { requests: 0, connections: 0 };
const emit = http.Server.prototype.emit;
http.Server.prototype.emit = function (event, ...args) {
  if (event === 'connection') {
    requestCounts.connections++;
    args[0].acceptedAt ??= Date.now();
  } else if (event === 'request') {
    requestCounts.requests++;
    const [req, res] = args;
    const seenAt = Date.now();
    const socket = req.socket;
    // the first request of a connection: from its accept (a later one's wait is the client's think time)
    const waitedMs = socket.lastFinishAt === undefined ? seenAt - (socket.acceptedAt ?? seenAt) : 0;
    const path = req.url.replace(/\?.*$/, '').replace(/\/[A-Za-z0-9_-]{12,}/g, '/:id');
    // the soak's probe requests carry their number: when each was seen and answered here
    const probe = req.headers['x-soak-probe'];
    const writeHead = res.writeHead;
    res.writeHead = function (...headArgs) {
      const answeredMs = Date.now() - seenAt;
      if (probe !== undefined && probeTimes.length < 10_000)
        probeTimes.push({ n: Number(probe), seenAt, answeredAt: seenAt + answeredMs, reused: socket.lastFinishAt !== undefined });
      if (answeredMs > SLOW_MS || waitedMs > SLOW_MS) slowRequests.push({ at: seenAt, path, waitedMs, answeredMs, status: headArgs[0] });
      res.writeHead = writeHead;
      return writeHead.apply(this, headArgs);
    };
    res.once('finish', () => (socket.lastFinishAt = Date.now()));
  }
  return emit.call(this, event, ...args);
};

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
    // strings by kind (the replay buffers hold their events as strings), objects and closures by constructor
    const isString = type === 'string' || type === 'concatenated string' || type === 'sliced string';
    if (type !== 'object' && type !== 'closure' && !isString) continue;
    const name = isString ? `(${type})` : `${type === 'closure' ? 'closure ' : ''}${snapshot.strings[nodes[i + at.name]]}`;
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
  report.stalls = stalls.splice(0);
  report.slowRequests = slowRequests.splice(0);
  report.requestCounts = { ...requestCounts };
  report.probeTimes = probeTimes.splice(0);
  delay.reset();
  if (process.env.BUPPLE_SOAK_HEAP_SNAPSHOT === '1') {
    const path = v8.writeHeapSnapshot(`${out}.${n}.heapsnapshot`);
    report.objects = countSnapshot(path);
    rmSync(path, { force: true });
  }
  writeFileSync(`${out}.${n}.json`, JSON.stringify(report));
});

// Soak: the sample app (sample/dist/main.js, its own process) under many concurrent
// conversations against a mock OpenAI upstream that misbehaves on purpose, through outages of
// its stores, then the checks: upstream requests vs streams, sockets, fds, RSS back near
// idle, event-loop delay (probe latency), and every conversation turn by turn.
//
//   npm run soak            # short: 40 conversations, 20 s per run (~1 min in all)
//   npm run soak -- --full  # 400 concurrent streams for two minutes per run (~6 min)
//   npm run soak -- --heap  # also heap snapshots at idle and after: the objects retained, by constructor
//
// Run 1: replay store and conversation memory in a PRIVATE redis-server (free loopback port),
// killed mid-run and restarted after an outage longer than the old client's ~31 s give-up
// point (35 s; 4 s in the short mode). Run 2: memory in the shared PostgreSQL (127.0.0.1:5432,
// a table of its own, dropped afterwards) behind a TCP proxy that is cut for 8 s (3 s).
// Clients: 10 % drop mid-answer, half of those resume with Last-Event-ID; upstream: 5 % of
// requests fail (half with a 500, half with the connection cut mid-answer). Loopback only,
// bounded (a hard time limit), stops by itself; exit code 1 when a check fails.
//
// The app runs with --expose-gc and bench/soak-probe.mjs, which on SIGWINCH forces a full GC and
// reports memory, active handles, its own event-loop delay and its heap objects by constructor:
// taken at idle and after the run, so retention is told from memory the allocator keeps (RSS).
// Every client failure (network-level, stream_error, a cut body, a 5xx) is classified by cause:
// a fault the mock upstream injected into that turn's requests, the store outage, or
// unexplained, which fails the soak. The probe latency (GET /chat/engines every 200 ms from this
// process) is reported beside the app's and this process's own event-loop delay and the load
// average: on a shared machine most of it is waiting for a CPU. `slowness` in the report puts
// the slow answers on a timeline: each slow probe split into this side (undici's diagnostics
// channels), the wait to be seen by the app and the app's own time (the probe in the app), the
// app's event-loop stalls and slow requests, and the network-level failures. On a starved CPU
// the wait is before the app sees the request: a new connection sits in the listen backlog,
// since Node (libuv >= 1.45) accepts one connection per event-loop iteration.
// Finished streams stay resumable REPLAY_TTL_MS (10 s, not the default 5 min) so that the heap
// after the run measures leaks, not replay buffers held by design.
import { spawn } from 'node:child_process';
import diagnosticsChannel from 'node:diagnostics_channel';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import http from 'node:http';
import net from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createParser } from 'eventsource-parser';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const FULL = process.argv.includes('--full');
// --heap: heap snapshots at idle and after, counted by constructor (a snapshot keeps ~200 MB of RSS in the allocator: the RSS figures then start from there)
const HEAP = process.argv.includes('--heap');
const only = process.argv.find((a) => a.startsWith('--run='))?.slice(6);
const MODE = FULL
  ? { conversations: 400, durationMs: 120_000, redisOutageMs: 35_000, pgCutMs: 8_000, tokens: 24, tokenDelayMs: 40 }
  : { conversations: 40, durationMs: 20_000, redisOutageMs: 4_000, pgCutMs: 3_000, tokens: 12, tokenDelayMs: 30 };
const MAX_TURNS = 6;
/**
 * How long a finished stream stays resumable (BUPPLE_SSE_REPLAY_TTL_MS; the default is 5 min):
 * short enough that the after-GC heap measures what outlives the retention, not the replay
 * buffers held by design (~11 kB per finished stream in memory, one ReplayRecord each).
 * Clients resume within a second of dropping, long before it ends.
 */
const REPLAY_TTL_MS = 10_000;
/** The app's retries of a failed upstream request (BUPPLE_ENGINE_MAX_RETRIES). */
const MAX_RETRIES = 2;
const DROP_RATE = 0.1;
const FAIL_RATE = 0.05;
const HARD_LIMIT_MS = MODE.durationMs * 2 + 180_000;
const PG_URL = process.env.BUPPLE_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const hardStop = setTimeout(() => {
  console.error(`soak: hard time limit (${HARD_LIMIT_MS} ms) reached, stopping`);
  cleanup().finally(() => process.exit(2));
}, HARD_LIMIT_MS);
hardStop.unref();

const cleanups = [];
async function cleanup() {
  for (const fn of cleanups.splice(0).reverse())
    await Promise.resolve()
      .then(fn)
      .catch(() => undefined);
}
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => cleanup().finally(() => process.exit(130)));

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// The probe requests on this side (undici's diagnostics channels): when each was created, when its
// connection was opened (a new one) and connected, when its headers went out, when the answer's came.
const probeClient = new Map();
{
  const connecting = new WeakMap();
  const sockets = new WeakMap();
  // headers as undici holds them: [name, value, name, value, …] (or one raw string)
  const probeOf = (request) => {
    const headers = request?.headers;
    if (Array.isArray(headers)) {
      const i = headers.findIndex((h, k) => k % 2 === 0 && String(h).toLowerCase() === 'x-soak-probe');
      return i < 0 ? undefined : headers[i + 1];
    }
    return /x-soak-probe: (\d+)/i.exec(String(headers ?? ''))?.[1];
  };
  diagnosticsChannel.subscribe('undici:request:create', ({ request }) => {
    const n = probeOf(request);
    if (n !== undefined) probeClient.set(Number(n), { createdAt: Date.now() });
  });
  diagnosticsChannel.subscribe('undici:client:beforeConnect', ({ connectParams }) => connecting.set(connectParams, Date.now()));
  diagnosticsChannel.subscribe('undici:client:connected', ({ connectParams, socket }) =>
    sockets.set(socket, { connectStartedAt: connecting.get(connectParams), connectedAt: Date.now() }),
  );
  diagnosticsChannel.subscribe('undici:client:sendHeaders', ({ request, socket }) => {
    const entry = probeClient.get(Number(probeOf(request)));
    if (entry) Object.assign(entry, { sentAt: Date.now(), ...sockets.get(socket) });
  });
}
const rand = (a, b) => a + Math.random() * (b - a);

async function freePort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

// ---------- mock OpenAI upstream (in this process) ----------

const WORDS = [' alpha', ' beta', ' gamma', ' delta', ' "q"', ' café', ' 42', '.', '\n'];
function upstream() {
  const stats = { requests: 0, open: 0, failed500: 0, cutMidway: 0, completed: 0, abortedByApp: 0 };
  // the faults injected per turn (its user message, the last one of the request), for classifying what clients saw
  const faults = new Map();
  const injected = (body, what) => {
    try {
      const message = JSON.parse(body)
        .messages.filter((m) => m.role === 'user')
        .at(-1)?.content;
      if (typeof message === 'string') faults.set(message, [...(faults.get(message) ?? []), what]);
    } catch {
      // not a chat request
    }
  };
  const server = http.createServer((req, res) => {
    if (req.method !== 'POST') return res.writeHead(404).end();
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      stats.requests++;
      const roll = Math.random();
      if (roll < FAIL_RATE / 2) {
        stats.failed500++;
        injected(body, '500');
        res
          .writeHead(500, { 'content-type': 'application/json' })
          .end(JSON.stringify({ error: { message: 'The server had an error (soak).', type: 'server_error', param: null, code: null } }));
        return;
      }
      const cut = roll < FAIL_RATE;
      stats.open++;
      let closed = false;
      res.on('close', () => {
        if (!closed) stats.abortedByApp++;
        closed = true;
        stats.open--;
      });
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      const chunk = (delta, finish = null) =>
        `data: ${JSON.stringify({ id: 'chatcmpl-soak', object: 'chat.completion.chunk', created: 0, model: 'soak-1', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
      res.write(chunk({ role: 'assistant', content: '' }));
      let i = 0;
      const timer = setInterval(() => {
        if (closed) return clearInterval(timer);
        if (cut && i === Math.floor(MODE.tokens / 2)) {
          clearInterval(timer);
          stats.cutMidway++;
          injected(body, 'cut');
          closed = true;
          res.socket?.destroy();
          return;
        }
        if (i < MODE.tokens) {
          res.write(chunk({ content: WORDS[i % WORDS.length] }));
          i++;
          return;
        }
        clearInterval(timer);
        res.write(chunk({}, 'stop'));
        res.write('data: [DONE]\n\n');
        closed = true;
        stats.completed++;
        res.end();
      }, MODE.tokenDelayMs);
    });
  });
  return { server, stats, faults };
}

// ---------- private redis-server, TCP proxy ----------

async function privateRedis() {
  const port = await freePort();
  // an append-only file synced on every write: what was stored survives the SIGKILL, as with a production Redis
  const dir = mkdtempSync(join(tmpdir(), 'bupple-soak-redis-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  let child;
  const start = async () => {
    child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--dir', dir, '--protected-mode', 'no'],
      { stdio: 'ignore' },
    );
    for (let i = 0; i < 100; i++) {
      if (await canConnect(port)) return;
      await sleep(50);
    }
    throw new Error('private redis-server did not come up');
  };
  const kill = async () => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  };
  await start();
  cleanups.push(kill);
  return { port, url: `redis://127.0.0.1:${port}`, start, kill };
}

function canConnect(port) {
  return new Promise((resolve) => {
    const s = net.createConnection({ host: '127.0.0.1', port });
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

async function tcpProxy(targetPort) {
  const sockets = new Set();
  let server;
  const port = await freePort();
  const up = () =>
    new Promise((resolve) => {
      server = net.createServer((client) => {
        const upstreamSocket = net.createConnection({ host: '127.0.0.1', port: targetPort });
        for (const s of [client, upstreamSocket]) {
          sockets.add(s);
          s.on('close', () => sockets.delete(s));
          s.on('error', () => undefined);
        }
        client.pipe(upstreamSocket).pipe(client);
        client.on('close', () => upstreamSocket.destroy());
        upstreamSocket.on('close', () => client.destroy());
      });
      server.listen(port, '127.0.0.1', resolve);
    });
  const down = () =>
    new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      sockets.clear();
      const closing = server;
      server = undefined;
      if (closing) closing.close(() => resolve());
      else resolve();
    });
  await up();
  cleanups.push(down);
  return { port, up, down };
}

// ---------- the app ----------

async function startApp(env) {
  const port = await freePort();
  const probeOut = join(mkdtempSync(join(tmpdir(), 'bupple-soak-probe-')), 'probe');
  cleanups.push(() => rmSync(dirname(probeOut), { recursive: true, force: true }));
  const logPath = join(root, 'bench', 'results', 'raw', `soak-app-${Date.now()}.log`);
  mkdirSync(dirname(logPath), { recursive: true });
  let log = '';
  // --expose-gc and the probe (bench/soak-probe.mjs): memory after a forced GC, handles, the app's event-loop delay
  const child = spawn(process.execPath, ['--expose-gc', '--import', join(root, 'bench', 'soak-probe.mjs'), join(root, 'sample', 'dist', 'main.js')], {
    cwd: root,
    env: {
      ...process.env,
      NO_COLOR: '1',
      PORT: String(port),
      HOST: '127.0.0.1',
      BUPPLE_SOAK_PROBE_OUT: probeOut,
      BUPPLE_SOAK_HEAP_SNAPSHOT: HEAP ? '1' : '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const keep = (chunk) => (log += chunk);
  child.stdout.setEncoding('utf8').on('data', keep);
  child.stderr.setEncoding('utf8').on('data', keep);
  child.once('exit', (code, signal) => {
    writeFileSync(logPath, log);
    if (!stopping) console.error(`soak: the sample exited during the run (code ${code}, signal ${signal}); its log: ${logPath}\n${log.slice(-2000)}`);
  });
  let stopping = false;
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`the sample exited at startup:\n${log.slice(-3000)}`);
    try {
      const r = await fetch(`${base}/chat/engines`);
      if (r.ok) break;
    } catch {
      // not yet
    }
    if (i > 300) throw new Error(`the sample did not start:\n${log.slice(-3000)}`);
    await sleep(100);
  }
  const stop = async () => {
    stopping = true;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
    writeFileSync(logPath, log);
  };
  cleanups.push(stop);
  let dumps = 0;
  /** The probe's dump: forced GC, memory, handles, event-loop delay since the last dump, objects by constructor. */
  const dump = async () => {
    const path = `${probeOut}.${dumps++}.json`;
    child.kill('SIGWINCH');
    for (let i = 0; i < 1200; i++) {
      try {
        return JSON.parse(readFileSync(path, 'utf8'));
      } catch {
        await sleep(100);
      }
    }
    throw new Error('the probe did not answer');
  };
  return { base, pid: child.pid, stop, log: () => log, logPath, dump };
}

function procStats(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  let fds = 0;
  let sockets = 0;
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    fds++;
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith('socket:')) sockets++;
    } catch {
      // closed meanwhile
    }
  }
  return { rssMb: rssKb / 1024, fds, sockets };
}

// ---------- clients ----------

/** Reads one SSE response; `dropAfter` content events cuts it. */
async function readStream(url, headers, dropAfter) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 60_000);
  const events = [];
  const parser = createParser({ onEvent: (m) => events.push({ id: m.id, event: m.event ?? 'message', data: m.data }) });
  let status = 0;
  let body;
  let dropped = false;
  let retryAfter;
  try {
    const response = await fetch(url, { headers, signal: controller.signal });
    status = response.status;
    retryAfter = response.headers.get('retry-after');
    if (status !== 200) {
      body = await response.text();
      return { status, body, events, retryAfter };
    }
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let contents = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const before = events.length;
      parser.feed(decoder.decode(value, { stream: true }));
      for (let i = before; i < events.length; i++) if (events[i].event === 'content') contents++;
      if (dropAfter !== undefined && contents >= dropAfter) {
        dropped = true;
        controller.abort();
        break;
      }
    }
  } catch (error) {
    if (!dropped) {
      const cause = error?.cause?.code ?? error?.cause?.message ?? error?.name ?? 'error';
      return { status: status || 'network', body: String(error?.message ?? error), cause, afterEvents: events.length, events, retryAfter };
    }
  } finally {
    clearTimeout(timer);
  }
  return { status, events, dropped, retryAfter };
}

const textOf = (events) =>
  events
    .filter((e) => e.event === 'content')
    .map((e) => JSON.parse(e.data).content)
    .join('');

function emptyFigures() {
  return {
    streams: 0,
    turns: 0,
    completed: 0,
    streamErrors: 0,
    drops: 0,
    resumes: 0,
    resumedToEnd: 0,
    resyncs: 0,
    notResumed: 0,
    http5xx: {},
    http4xx: {},
    network: 0,
    retryEvents: 0,
    /** every client failure (network-level, or a stream that ended in stream_error), by cause */
    failures: [],
  };
}

async function conversationLoop(n, base, endAt, figures, records) {
  const user = `soak-${n}`;
  const headers = { 'x-user': user };
  let conversation;
  const fresh = () => {
    conversation = { id: `soak${randomBytes(6).toString('hex')}`, user, turns: [] };
    records.push(conversation);
  };
  fresh();
  while (Date.now() < endAt) {
    if (conversation.turns.length >= MAX_TURNS) fresh();
    const k = conversation.turns.length + 1;
    const message = `${conversation.id} turn ${k}`;
    const turn = { k, message, startedAt: Date.now(), outcome: 'pending', text: '' };
    conversation.turns.push(turn);
    figures.turns++;
    const drop = Math.random() < DROP_RATE;
    const url = `${base}/chat/stream?message=${encodeURIComponent(message)}&conversationId=${conversation.id}&maxTokens=64`;
    const first = await readStream(url, headers, drop ? Math.floor(rand(1, MODE.tokens / 2)) : undefined);
    if (first.status !== 200) {
      let code = 'unknown';
      try {
        code = JSON.parse(first.body).code ?? JSON.parse(first.body).error ?? 'unknown';
      } catch {
        // not JSON
      }
      const kind = `${first.status} ${code}`;
      if (first.status === 'network') {
        figures.network++;
        figures.failures.push({ what: `network (${first.cause}, after ${first.afterEvents} events)`, message, at: Date.now(), startedAt: turn.startedAt });
      } else if (first.status >= 500) {
        figures.http5xx[kind] = (figures.http5xx[kind] ?? 0) + 1;
        figures.failures.push({ what: kind, message, at: Date.now(), startedAt: turn.startedAt, code });
      } else figures.http4xx[kind] = (figures.http4xx[kind] ?? 0) + 1;
      turn.outcome = 'refused';
      turn.endedAt = Date.now();
      // the turn may or may not have been stored half (input before the failure): go on in a new conversation
      fresh();
      await sleep(first.retryAfter ? Number(first.retryAfter) * 1000 : 500);
      continue;
    }
    figures.streams++;
    let events = first.events;
    figures.retryEvents += events.filter((e) => e.event === 'retry').length;
    if (first.dropped) {
      figures.drops++;
      const resume = Math.random() < 0.5;
      if (!resume) {
        figures.notResumed++;
        turn.outcome = 'dropped';
        turn.text = textOf(events);
        turn.endedAt = Date.now();
        fresh();
        await sleep(rand(200, 800));
        continue;
      }
      figures.resumes++;
      await sleep(rand(100, 1000));
      const lastId = events.filter((e) => e.id).at(-1)?.id;
      const streamId = lastId.replace(/-\d+$/, '');
      const rest = await readStream(`${base}/chat/streams/${streamId}`, { ...headers, 'last-event-id': lastId });
      if (rest.status !== 200) {
        const kind = `${rest.status} ${(() => {
          try {
            return JSON.parse(rest.body).code;
          } catch {
            return 'unknown';
          }
        })()} (resume)`;
        if (rest.status === 'network') {
          figures.network++;
          figures.failures.push({
            what: `network on resume (${rest.cause}, after ${rest.afterEvents} events)`,
            message,
            at: Date.now(),
            startedAt: turn.startedAt,
          });
        } else if (rest.status >= 500) {
          figures.http5xx[kind] = (figures.http5xx[kind] ?? 0) + 1;
          figures.failures.push({ what: kind, message, at: Date.now(), startedAt: turn.startedAt, code: kind.split(' ')[1] });
        } else figures.http4xx[kind] = (figures.http4xx[kind] ?? 0) + 1;
        turn.outcome = 'resume-refused';
        turn.text = textOf(events);
        turn.endedAt = Date.now();
        fresh();
        await sleep(1000);
        continue;
      }
      if (rest.events.some((e) => e.event === 'resync')) {
        figures.resyncs++;
        turn.outcome = 'resync';
        turn.text = textOf(events);
        turn.endedAt = Date.now();
        fresh();
        continue;
      }
      figures.resumedToEnd++;
      events = [...events, ...rest.events];
    }
    const last = events.at(-1)?.event;
    turn.text = textOf(events);
    turn.endedAt = Date.now();
    if (last === 'complete') {
      figures.completed++;
      turn.outcome = 'complete';
    } else if (last === 'stream_error') {
      figures.streamErrors++;
      turn.outcome = 'stream_error';
      turn.code = JSON.parse(events.at(-1).data).code;
      figures.failures.push({ what: `stream_error ${turn.code}`, message, at: Date.now(), startedAt: turn.startedAt, code: turn.code });
      fresh();
    } else {
      // the body ended without complete or stream_error: the connection was closed under the client
      turn.outcome = 'cut';
      figures.failures.push({ what: `cut (${events.at(-1)?.event ?? 'no events'} last)`, message, at: Date.now(), startedAt: turn.startedAt });
      fresh();
    }
    await sleep(rand(100, 600));
  }
}

// ---------- checks ----------

function overlaps(turn, windows) {
  return windows.some(([from, to]) => (turn.endedAt ?? Date.now()) >= from && turn.startedAt <= to);
}

async function checkConversations(base, records, outageWindows) {
  const result = {
    conversations: 0,
    checkedTurns: 0,
    lost: 0,
    duplicated: 0,
    misplaced: 0,
    notStoredDuringOutage: 0,
    flaggedInterrupted: 0,
    interruptedNotFlagged: 0,
    textMismatch: 0,
    examples: [],
  };
  const note = (what, conversation, detail) => {
    if (result.examples.length < 8) result.examples.push(`${what}: ${conversation.id} ${detail}`);
  };
  const queue = records.filter((c) => c.turns.length > 0);
  const worker = async () => {
    for (let c = queue.shift(); c; c = queue.shift()) {
      result.conversations++;
      let messages;
      for (let attempt = 0; attempt < 5 && !messages; attempt++) {
        const r = await fetch(`${base}/conversations/${c.id}/messages`, { headers: { 'x-user': c.user } }).catch(() => undefined);
        if (r?.ok) messages = (await r.json()).messages;
        // nothing stored for this user under that id (e.g. its first turn refused during the outage)
        else if (r?.status === 404) messages = [];
        else await sleep(500);
      }
      if (!messages) {
        note('unreadable', c, '');
        result.lost += c.turns.length;
        continue;
      }
      const users = messages.filter((m) => m.role === 'user').map((m) => m.content);
      const seen = new Set();
      for (const u of users) {
        if (seen.has(u)) {
          result.duplicated++;
          note('duplicated user message', c, u);
        }
        seen.add(u);
      }
      let at = 0;
      for (const turn of c.turns) {
        result.checkedTurns++;
        const relaxed = overlaps(turn, outageWindows) || turn.outcome === 'refused';
        const ui = messages.findIndex((m, i) => i >= at && m.role === 'user' && m.content === turn.message);
        if (ui < 0) {
          if (relaxed) result.notStoredDuringOutage++;
          else {
            result.lost++;
            note('lost user message', c, `turn ${turn.k} (${turn.outcome})`);
          }
          continue;
        }
        if (ui !== at) {
          result.misplaced++;
          note('misplaced', c, `turn ${turn.k} at ${ui}, expected ${at}`);
        }
        const next = messages[ui + 1];
        const answer = next?.role === 'assistant' ? next : undefined;
        if (messages[ui + 2]?.role === 'assistant') {
          result.duplicated++;
          note('two answers', c, `turn ${turn.k}`);
        }
        at = ui + (answer ? 2 : 1);
        const flagged = answer?.metadata?.incomplete === true;
        if (turn.outcome === 'complete') {
          if (!answer) {
            if (relaxed) result.notStoredDuringOutage++;
            else {
              result.lost++;
              note('lost answer', c, `turn ${turn.k}`);
            }
          } else if (answer.content !== turn.text || flagged) {
            result.textMismatch++;
            note('answer differs from what the client saw', c, `turn ${turn.k} flagged=${flagged}`);
          }
        } else if (['stream_error', 'dropped', 'cut', 'resync', 'resume-refused'].includes(turn.outcome)) {
          if (answer && flagged) result.flaggedInterrupted++;
          if (answer && !answer.content.startsWith(turn.text)) {
            result.textMismatch++;
            note('interrupted answer does not start with what the client saw', c, `turn ${turn.k}`);
          }
          // the store failing while it stored the answer: the write may have been applied all the same
          const storeFailed = relaxed && /^memory_/.test(turn.code ?? '');
          if (turn.outcome === 'stream_error' && answer && !flagged && !storeFailed) {
            result.interruptedNotFlagged++;
            note('failed answer stored unflagged', c, `turn ${turn.k} (${turn.code})`);
          }
        }
      }
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  return result;
}

/**
 * Every client failure by cause: an upstream fault the mock injected into that turn's requests
 * (a 500 after the retries, or the connection cut after content, which is not retried), the
 * store outage (a store error code, or the turn overlapping the outage window), or
 * unexplained, which the soak reports as a bug.
 */
function classifyFailures(failures, faultsByMessage, outageWindows) {
  const byCause = { 'injected upstream fault': {}, 'store outage': {}, unexplained: {} };
  const examples = [];
  for (const f of failures) {
    const faults = faultsByMessage.get(f.message) ?? [];
    const inOutage = overlaps({ startedAt: f.startedAt, endedAt: f.at }, outageWindows);
    const storeCode = /^(memory_|replay_)/.test(f.code ?? '');
    let cause;
    if (storeCode || (inOutage && faults.length === 0)) cause = 'store outage';
    else if (faults.length > 0) cause = 'injected upstream fault';
    else cause = 'unexplained';
    const key = faults.length > 0 && cause === 'injected upstream fault' ? `${f.what} [${faults.join('+')}]` : f.what;
    byCause[cause][key] = (byCause[cause][key] ?? 0) + 1;
    if (cause === 'unexplained' && examples.length < 10) examples.push(`${f.what}: "${f.message}"`);
  }
  const count = (cause) => Object.values(byCause[cause]).reduce((a, b) => a + b, 0);
  return { total: failures.length, byCause, unexplained: count('unexplained'), examples };
}

/** Objects whose count grew most between two probe dumps (both after a forced GC). */
function objectGrowth(idle, after, top = 12) {
  if (!idle?.objects || !after?.objects) return [];
  return Object.entries(after.objects)
    .map(([name, { count, bytes }]) => ({
      name,
      count: count - (idle.objects[name]?.count ?? 0),
      kb: Math.round((bytes - (idle.objects[name]?.bytes ?? 0)) / 1024),
    }))
    .sort((a, b) => b.count - a.count)
    .slice(0, top);
}

/**
 * Slow answers on a timeline (seconds from the start of the run): the probe requests over 2 s
 * (this side), the app's event-loop stalls over 1 s and its requests slow to be seen or answered
 * (bench/soak-probe.mjs, the app's side), and the client requests that failed at the network
 * level, with the outage's span: tells a stalled app from a slow network path or a slow client.
 */
function slowness({ started, outages, slowProbes, probe, failures }) {
  const s = (t) => Math.round((t - started) / 100) / 10;
  const slowRequests = probe.slowRequests ?? [];
  const byPath = {};
  for (const r of slowRequests) {
    const key = `${r.path} ${r.waitedMs > 2000 ? 'seen late' : 'answered late'}`;
    const entry = (byPath[key] ??= { count: 0, maxMs: 0 });
    entry.count++;
    entry.maxMs = Math.max(entry.maxMs, r.waitedMs, r.answeredMs);
  }
  const network = failures.filter((f) => f.what.startsWith('network'));
  return {
    outage: outages.map(([from, to]) => [s(from), s(to - 3000)]),
    // each slow probe split: sent → seen by the app ('request' event), → answered (headers written), → received here
    slowProbes: slowProbes.map((p) => {
      const there = (probe.probeTimes ?? []).find((x) => x.n === p.n);
      const here = probeClient.get(p.n) ?? {};
      const client = {
        untilSent: here.sentAt - p.at,
        // a connection opened for it: when undici started connecting (from the request), and how long that took
        connect: here.connectedAt >= p.at ? { startedAfter: here.connectStartedAt - p.at, tookMs: here.connectedAt - here.connectStartedAt } : 'reused',
      };
      const split = there
        ? { toApp: there.seenAt - p.at, inApp: there.answeredAt - there.seenAt, back: p.at + p.ms - there.answeredAt, reusedConnection: there.reused, client }
        : { seenByApp: false, client };
      return { at: s(p.at), ms: p.ms, outcome: p.outcome, ...split };
    }),
    appStalls: (probe.stalls ?? []).map((x) => ({ at: s(x.at), ms: x.ms })),
    appRequests: probe.requestCounts,
    appSlowRequests: { count: slowRequests.length, byPath, first: slowRequests.slice(0, 10).map((r) => ({ ...r, at: s(r.at) })) },
    networkFailures: network.slice(0, 20).map((f) => ({ what: f.what, from: s(f.startedAt), to: s(f.at) })),
  };
}

// ---------- one run ----------

async function run(name, { env, outage }) {
  console.log(`\n=== ${name}: ${MODE.conversations} conversations for ${MODE.durationMs / 1000} s ===`);
  const up = upstream();
  await new Promise((resolve) => up.server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => (up.server.closeAllConnections?.(), up.server.close(() => resolve()))));
  const upstreamUrl = `http://127.0.0.1:${up.server.address().port}/v1`;
  const app = await startApp({
    BUPPLE_ENGINE_OPENAI_API_KEY: 'sk-soak-not-a-real-key',
    BUPPLE_ENGINE_OPENAI_BASE_URL: upstreamUrl,
    BUPPLE_ENGINE_OPENAI_MODEL: 'soak-1',
    BUPPLE_DEFAULT_ENGINE_DRIVER: 'openai',
    BUPPLE_ENGINE_MAX_RETRIES: String(MAX_RETRIES),
    BUPPLE_ENGINE_RETRY_DELAY_MS: '50',
    BUPPLE_SAMPLE_MAX_STREAMS_PER_USER: '0',
    BUPPLE_SAMPLE_THROTTLE_LIMIT: '0',
    BUPPLE_SSE_KEEPALIVE_MS: '15000',
    BUPPLE_SSE_REPLAY_TTL_MS: String(REPLAY_TTL_MS),
    ...env,
  });
  await sleep(1000);
  // the probe first (with --heap its snapshot leaves native memory behind): idle and after are then measured alike
  const idleProbe = await app.dump();
  await sleep(500);
  const idle = procStats(app.pid);
  const loadBefore = loadavg().map((l) => Math.round(l * 100) / 100);
  const clientDelay = monitorEventLoopDelay({ resolution: 10 });
  clientDelay.enable();
  const figures = emptyFigures();
  const records = [];
  const probe = [];
  const slowProbes = [];
  const probeStart = Date.now();
  let probing = true;
  const prober = (async () => {
    while (probing) {
      const t = performance.now();
      const at = Date.now();
      const n = probe.length;
      const outcome = await fetch(`${app.base}/chat/engines`, { headers: { 'x-soak-probe': String(n) } }).then(
        (r) => r.status,
        (e) => String(e?.cause?.code ?? e?.cause?.message ?? e?.name),
      );
      probe.push(performance.now() - t);
      if (performance.now() - t > 2000) slowProbes.push({ n, at, ms: Math.round(performance.now() - t), outcome });
      await sleep(200);
    }
  })();
  const started = Date.now();
  const endAt = started + MODE.durationMs;
  let peak = idle;
  const sampler = setInterval(() => {
    const now = procStats(app.pid);
    if (now.rssMb > peak.rssMb) peak = { ...peak, rssMb: now.rssMb };
    if (now.sockets > (peak.peakSockets ?? 0)) peak = { ...peak, peakSockets: now.sockets };
  }, 1000);
  const outages = [];
  const faults = (async () => {
    await sleep(MODE.durationMs * 0.35);
    const from = Date.now();
    await outage.start();
    await sleep(outage.ms);
    await outage.end();
    outages.push([from, Date.now() + 3000]);
    console.log(`${outage.what}: down for ${((Date.now() - from) / 1000).toFixed(1)} s`);
  })();
  const loops = [];
  for (let n = 0; n < MODE.conversations; n++) {
    loops.push(conversationLoop(n, app.base, endAt, figures, records));
    await sleep((MODE.durationMs * 0.05) / MODE.conversations);
  }
  await Promise.all(loops);
  await faults;
  probing = false;
  await prober;
  clearInterval(sampler);
  clientDelay.disable();
  const loadDuring = loadavg().map((l) => Math.round(l * 100) / 100);
  // the sample keeps a dropped client's answer generating for its grace period (10 s)
  for (let i = 0; i < 150 && up.stats.open > 0; i++) await sleep(100);
  // idle connections close by themselves: the clients' and the upstream's keep-alive ones after
  // 5 s (the servers' keepAliveTimeout), the PostgreSQL pool's after 10 s (pg's idleTimeoutMillis)
  // and the finished streams' replay buffers after their retention (REPLAY_TTL_MS, then the sweep)
  await sleep(Math.max(12_000, 2 * REPLAY_TTL_MS + 1000));
  const after = procStats(app.pid);
  // forced GC (twice), then memory, handles and objects by constructor again: what is still retained
  const afterProbe = await app.dump();
  const checks = await checkConversations(app.base, records, outages);
  const sorted = [...probe].sort((a, b) => a - b);
  const pct = (p) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0;
  const log = app.log();
  const outageWarnings = (log.match(/Redis is unreachable/g) ?? []).length;
  const recoveries = log.split('\n').filter((l) => /Redis is back after/.test(l));
  await app.stop();
  const report = {
    name,
    mode: FULL ? 'full' : 'short',
    replayTtlMs: REPLAY_TTL_MS,
    conversations: records.length,
    ...Object.fromEntries(Object.entries(figures).filter(([key]) => key !== 'failures')),
    upstream: { ...up.stats },
    outage: {
      what: outage.what,
      seconds: outages.length ? (outages[0][1] - 3000 - outages[0][0]) / 1000 : 0,
      outageWarnings,
      recoveries: recoveries.map((l) => l.replace(/^.*\] /, '')),
    },
    process: {
      idle,
      after,
      peakRssMb: Math.round(peak.rssMb),
      peakSockets: peak.peakSockets,
      rssGrowthMb: Math.round((after.rssMb - idle.rssMb) * 10) / 10,
      fdsLeaked: after.fds - idle.fds,
      socketsLeaked: after.sockets - idle.sockets,
      afterGc: { idle: idleProbe.afterGc, after: afterProbe.afterGc },
      handles: { idle: idleProbe.handles, after: afterProbe.handles },
      objectGrowthAfterGc: objectGrowth(idleProbe, afterProbe),
    },
    // the app's own event-loop delay over the run (the probe in the app), and the soak client's
    eventLoopDelayMs: {
      app: afterProbe.eventLoopDelayMs,
      client: {
        p50: Math.round(clientDelay.percentile(50) / 1e4) / 100,
        p99: Math.round(clientDelay.percentile(99) / 1e4) / 100,
        max: Math.round(clientDelay.max / 1e4) / 100,
      },
    },
    machine: { cores: cpus().length, loadavg: { before: loadBefore, end: loadDuring } },
    failures: classifyFailures(figures.failures, up.faults, outages),
    // where slow answers spent their time: seconds from the run's start (the outage's span beside them)
    slowness: slowness({ started: probeStart, outages, slowProbes, probe: afterProbe, failures: figures.failures }),
    probeLatencyMs: { p50: Math.round(pct(50)), p99: Math.round(pct(99)), max: Math.round(sorted.at(-1) ?? 0), samples: sorted.length },
    checks,
    appLog: app.logPath,
  };
  const problems = [];
  if (up.stats.open !== 0) problems.push(`${up.stats.open} upstream request(s) still open`);
  if (report.process.socketsLeaked > 4) problems.push(`${report.process.socketsLeaked} socket(s) more than at idle`);
  if (report.process.fdsLeaked > 6) problems.push(`${report.process.fdsLeaked} fd(s) more than at idle`);
  if (checks.lost > 0) problems.push(`${checks.lost} lost message(s)`);
  if (checks.duplicated > 0) problems.push(`${checks.duplicated} duplicated message(s)`);
  if (checks.misplaced > 0) problems.push(`${checks.misplaced} misplaced message(s)`);
  if (checks.textMismatch > 0) problems.push(`${checks.textMismatch} answer(s) differing from what the client saw`);
  if (checks.interruptedNotFlagged > 0) problems.push(`${checks.interruptedNotFlagged} failed answer(s) stored unflagged`);
  // documented: the store outage's 503s, and a 502 provider_error when every attempt (the first and its retries) got an injected 500
  const injected500s = (f) => (up.faults.get(f.message) ?? []).filter((x) => x === '500').length > MAX_RETRIES;
  const explained502 = (kind) => kind === '502 provider_error' && figures.failures.filter((f) => f.what === kind).every(injected500s);
  const bad5xx = Object.keys(figures.http5xx).filter((k) => !/^503 (replay_unavailable|memory_connection)/.test(k) && !explained502(k));
  if (bad5xx.length > 0) problems.push(`undocumented 5xx: ${bad5xx.join(', ')}`);
  if (outage.redis && outageWarnings > 2) problems.push(`${outageWarnings} "Redis is unreachable" warnings (one per store and outage expected)`);
  if (outage.redis && recoveries.length < 1) problems.push('no recovery logged after the Redis outage');
  if (report.failures.unexplained > 0)
    problems.push(`${report.failures.unexplained} client failure(s) with no injected cause: ${report.failures.examples.join('; ')}`);
  const heapGrowth = afterProbe.afterGc.heapUsedMb - idleProbe.afterGc.heapUsedMb;
  if (heapGrowth > 32) problems.push(`heap after GC ${heapGrowth.toFixed(1)} MB above idle (retention)`);
  const handleGrowth = Object.entries(afterProbe.handles).filter(([kind, n]) => n - (idleProbe.handles[kind] ?? 0) > 4);
  if (handleGrowth.length > 0) problems.push(`handles left: ${handleGrowth.map(([k, n]) => `${k} ${idleProbe.handles[k] ?? 0}→${n}`).join(', ')}`);
  if (up.stats.requests < figures.streams) problems.push(`fewer upstream requests (${up.stats.requests}) than streams (${figures.streams})`);
  report.problems = problems;
  console.log(JSON.stringify(report, null, 2));
  await cleanup();
  return report;
}

// ---------- main ----------

const reports = [];
try {
  if (!only || only === 'redis') {
    const redis = await privateRedis();
    reports.push(
      await run('redis: replay + memory in a private redis-server, killed and restarted', {
        env: {
          BUPPLE_SSE_REPLAY_DRIVER: 'redis',
          BUPPLE_SSE_REPLAY_REDIS_URL: redis.url,
          BUPPLE_MEMORY_DRIVER: 'redis',
          BUPPLE_MEMORY_REDIS_URL: redis.url,
        },
        outage: {
          what: 'private redis-server (SIGKILL, then restarted)',
          redis: true,
          ms: MODE.redisOutageMs,
          start: () => redis.kill(),
          end: () => redis.start(),
        },
      }),
    );
  }
  if (!only || only === 'postgres') {
    const table = `soak_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
    const target = new URL(PG_URL);
    const proxy = await tcpProxy(Number(target.port || 5432));
    const viaProxy = new URL(PG_URL);
    viaProxy.host = `127.0.0.1:${proxy.port}`;
    cleanups.push(async () => {
      const { default: pg } = await import('pg');
      const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
      await client.connect();
      await client.query(`DROP TABLE IF EXISTS ${table}`).finally(() => client.end());
    });
    reports.push(
      await run('postgres: memory in the shared PostgreSQL behind a TCP proxy, cut', {
        env: {
          BUPPLE_MEMORY_DRIVER: 'database',
          BUPPLE_MEMORY_DATABASE_URL: viaProxy.toString(),
          BUPPLE_MEMORY_DB_TABLE_NAME: table,
          BUPPLE_MEMORY_DB_CREATE_TABLE: 'true',
        },
        outage: { what: `PostgreSQL proxy (cut and refusing)`, ms: MODE.pgCutMs, start: () => proxy.down(), end: () => proxy.up() },
      }),
    );
  }
} finally {
  await cleanup();
}
const out = join(root, 'bench', 'results', 'raw', `soak-${FULL ? 'full' : 'short'}-${Date.now()}.json`);
writeFileSync(out, JSON.stringify(reports, null, 2));
const failed = reports.flatMap((r) => r.problems.map((p) => `${r.name}: ${p}`));
console.log(`\nsoak (${FULL ? 'full' : 'short'}): ${reports.length} run(s); report ${out}`);
if (failed.length > 0) {
  console.log(`FAILED:\n- ${failed.join('\n- ')}`);
  process.exitCode = 1;
} else console.log('all checks passed');

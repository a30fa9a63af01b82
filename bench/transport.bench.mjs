// CPU per event of the provider transport: our node:http pool (lib/drivers/transport/) against
// undici 7's Pool.request, relaying a mock Chat Completions SSE upstream on loopback.
//
//   npm run build && node bench/transport.bench.mjs
//
// The upstream runs in a child process (its CPU is not counted). Each client makes the same
// requests, reads every body with the library's one SSE parser and JSON.parse()s each event
// (what the OpenAI driver does), and only this process's CPU (user + system) is measured.
// Rounds alternate between the clients; the figure is the median over rounds, in µs per event.
// Node's global fetch (its bundled undici, WHATWG streams) is shown for reference.
//
// Two scenarios: `paced` (2 ms between events, 100 streams at once: each event arrives in its
// own packet, as from a real provider) and `burst` (a whole body as fast as the socket takes it,
// 20 at once: undici's body stream then hands over many events in one chunk).
// Environment: BENCH_STREAMS (per round, default 100), BENCH_TOKENS (events per stream, 200),
// BENCH_CONCURRENCY (burst, 20), BENCH_PACED_CONCURRENCY (100), BENCH_ROUNDS (5).
import { fork } from 'node:child_process';
import http from 'node:http';
import { Pool } from 'undici';
import { createProviderTransport, readEventStream } from '../dist/drivers/transport/index.js';
import { SseParser } from '../dist/protocol/sse-parser.js';

const STREAMS = Number(process.env.BENCH_STREAMS ?? 100);
const TOKENS = Number(process.env.BENCH_TOKENS ?? 200);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 20);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
/** paced: tokens as a provider sends them, each event its own packet; burst: a body as fast as the socket takes it. */
const SCENARIOS = [
  { name: 'paced', streams: STREAMS, concurrency: Number(process.env.BENCH_PACED_CONCURRENCY ?? 100), delayMs: 2 },
  { name: 'burst', streams: STREAMS, concurrency: CONCURRENCY, delayMs: 0 },
];

if (process.argv[2] === '--upstream') {
  // one `data: {chunk}\n\n` per write, as a provider flushes each token
  const chunk = (i) =>
    `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', model: 'm', choices: [{ index: 0, delta: { content: ` tok${i}` }, finish_reason: null }] })}\n\n`;
  const tokens = Array.from({ length: TOKENS }, (_, i) => chunk(i));
  const end = `data: ${JSON.stringify({ id: 'c', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }], usage: { prompt_tokens: 1, completion_tokens: TOKENS } })}\n\ndata: [DONE]\n\n`;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      const delay = Number(new URL(req.url, 'http://x').searchParams.get('delay') ?? 0);
      let i = 0;
      const pump = () => {
        while (i < tokens.length) {
          if (!res.write(tokens[i++])) return res.once('drain', pump);
          if (delay > 0) return setTimeout(pump, delay); // paced: each event its own packet
          if (i % 20 === 0) return setImmediate(pump); // burst: let other streams interleave
        }
        res.end(end);
      };
      pump();
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
  process.on('disconnect', () => process.exit(0));
} else {
  await main();
}

async function main() {
  const child = fork(new URL(import.meta.url), ['--upstream'], { env: { ...process.env } });
  const port = await new Promise((resolve) => child.once('message', (m) => resolve(m.port)));
  const origin = `http://127.0.0.1:${port}`;
  let path = '/v1/chat/completions';
  const body = JSON.stringify({ model: 'm', stream: true, messages: [{ role: 'user', content: 'hi' }] });
  const headers = { 'content-type': 'application/json', authorization: 'Bearer sk-bench' };

  let events = 0;
  let chunks = 0;
  let streams = STREAMS;
  let concurrency = CONCURRENCY;
  const onEvent = ({ data }) => {
    if (data.startsWith('[DONE]')) return false;
    JSON.parse(data);
    events++;
  };

  // counts the body chunks each client hands the parser (the same for every client)
  const feed = SseParser.prototype.feed;
  SseParser.prototype.feed = function (chunk) {
    chunks++;
    return feed.call(this, chunk);
  };

  const nodeTransport = createProviderTransport();
  const pool = new Pool(origin, { pipelining: 1 });

  const clients = {
    'node:http (ours)': async () => {
      const response = await nodeTransport.request(origin + path, { method: 'POST', headers, body });
      await readEventStream(response, onEvent);
    },
    'undici 7 Pool.request': async () => {
      const { statusCode, body: stream } = await pool.request({ path, method: 'POST', headers, body });
      if (statusCode !== 200) throw new Error(`HTTP ${statusCode}`);
      let stopped = false;
      const parser = new SseParser({
        onEvent(message) {
          if (!stopped && onEvent(message) === false) stopped = true;
        },
      });
      for await (const piece of stream) {
        parser.feed(piece);
        if (stopped) break;
      }
      if (!stopped) parser.end();
    },
    'global fetch (reference)': async () => {
      const response = await fetch(origin + path, { method: 'POST', headers, body });
      await readEventStream(response, onEvent);
    },
  };

  async function round(run) {
    events = 0;
    chunks = 0;
    let next = 0;
    const before = process.cpuUsage();
    const started = process.hrtime.bigint();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < streams) {
          next++;
          await run();
        }
      }),
    );
    const cpu = process.cpuUsage(before);
    const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
    if (events !== streams * (TOKENS + 1)) throw new Error(`expected ${streams * (TOKENS + 1)} events, read ${events}`);
    return { usPerEvent: (cpu.user + cpu.system) / events, chunksPerEvent: chunks / events, wallMs };
  }

  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  for (const run of Object.values(clients)) await round(run); // warm up: JIT, connections
  console.log(`node ${process.version}; ${ROUNDS} rounds per scenario, alternating, median`);
  for (const scenario of SCENARIOS) {
    path = `/v1/chat/completions?delay=${scenario.delayMs}`;
    streams = scenario.streams;
    concurrency = scenario.concurrency;
    const results = Object.fromEntries(Object.keys(clients).map((name) => [name, []]));
    for (let r = 0; r < ROUNDS; r++) for (const [name, run] of Object.entries(clients)) results[name].push(await round(run));
    const ours = median(results['node:http (ours)'].map((x) => x.usPerEvent));
    console.log(`\n${scenario.name}: ${streams} streams × ${TOKENS} events, ${concurrency} concurrent, ${scenario.delayMs} ms between events`);
    for (const [name, rows] of Object.entries(results)) {
      const us = median(rows.map((x) => x.usPerEvent));
      const chunks = median(rows.map((x) => x.chunksPerEvent));
      console.log(`  ${name.padEnd(26)} ${us.toFixed(2).padStart(6)} µs CPU/event  ${(us / ours).toFixed(2)}× ours  ${chunks.toFixed(2)} body chunks/event`);
    }
  }
  nodeTransport.close();
  await pool.close();
  child.disconnect();
}

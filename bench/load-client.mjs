// Load client for the benchmark: opens C concurrent SSE connections to a relay on
// 127.0.0.1, parses the events with eventsource-parser, and measures time to first event,
// gaps between content events, events per second and errors. It can cut connections after
// K content events. Every run is bounded: `timeoutMs` after it starts, whatever is still
// open is destroyed and counted as an error.
//
// Used by bench/run.mjs as a child process (`{ type: 'run', options }` → result), or
// imported: `import { runLoad } from './load-client.mjs'`.
import http from 'node:http';
import { createParser } from 'eventsource-parser';
import { summarize, wallMs } from './lib/stats.mjs';

const LOOPBACK = '127.0.0.1';

/**
 * Events that carry answer text: the default `message` type, or this library's `content`. A UI
 * message stream (the AI SDK's protocol: every chunk a `message` of `{"type":…}` JSON, then
 * `[DONE]`) carries it in its `text-delta` chunks only.
 */
function isContent(event, data) {
  if (event === 'content') return true;
  if (event !== undefined && event !== 'message') return false;
  if (data.startsWith('{"type":"')) return data.startsWith('text-delta"', 9);
  return data !== '[DONE]';
}

/** Events that report a failure in the stream. */
function isErrorEvent(event) {
  return event === 'stream_error' || event === 'error';
}

/**
 * @param {object} options
 * @param {number} options.port relay port on 127.0.0.1
 * @param {string} [options.path] route, default `/stream`
 * @param {number} options.streams concurrent connections (C)
 * @param {number} options.tokens tokens per stream (N)
 * @param {number} options.delayMs ms between tokens at the upstream (D)
 * @param {number} [options.rampMs] spread the connection starts over this many ms (0: all at once)
 * @param {number} [options.cutAfter] cut selected connections after this many content events
 * @param {number} [options.cutShare] share (0–1) of connections to cut
 * @param {number} [options.timeoutMs] hard limit of the whole run, default 60 000
 * @param {string} [options.tag] scenario tag, put in the model name to match upstream requests
 */
export function runLoad(options) {
  const {
    host = LOOPBACK,
    port,
    path = '/stream',
    streams,
    tokens,
    delayMs,
    rampMs = 0,
    cutAfter = 0,
    cutShare = 0,
    timeoutMs = 60_000,
    tag = 'load',
  } = options;
  if (host !== LOOPBACK) throw new Error(`the load client only targets ${LOOPBACK}, not ${host}`);
  if (!(streams >= 1 && streams <= 10_000)) throw new Error(`streams must be 1..10000, got ${streams}`);
  if (!(timeoutMs > 0 && timeoutMs <= 600_000)) throw new Error(`timeoutMs must be 1..600000, got ${timeoutMs}`);

  const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
  const cutEvery = cutShare > 0 ? Math.max(1, Math.round(1 / cutShare)) : 0;
  const connections = [];
  const gaps = new Float64Array(Math.max(1, streams * Math.max(1, tokens)));
  let gapCount = 0;
  const errors = {};
  const errorSamples = [];
  let contentEvents = 0;
  let totalEvents = 0;
  let bytes = 0;
  let finished = 0;
  let startedAt = 0;
  let lastEndAt = 0;

  const addError = (kind, detail) => {
    errors[kind] = (errors[kind] ?? 0) + 1;
    if (errorSamples.length < 5) errorSamples.push(`${kind}: ${detail}`.slice(0, 300));
  };

  return new Promise((resolve) => {
    let done = false;
    const startTimers = [];
    const finishOne = (conn) => {
      if (conn.done) return;
      conn.done = true;
      lastEndAt = performance.now();
      if (++finished === streams) complete();
    };
    const hardLimit = setTimeout(() => {
      for (const conn of connections) {
        if (conn.done) continue;
        addError('timeout', `stream ${conn.index} still open after ${timeoutMs} ms (${conn.count} content events)`);
        conn.req?.destroy();
        finishOne(conn);
      }
      // streams never started count too
      for (let i = connections.length; i < streams; i++) addError('timeout', `stream ${i} never started`);
      complete();
    }, timeoutMs);

    function complete() {
      if (done) return;
      done = true;
      clearTimeout(hardLimit);
      for (const timer of startTimers) clearTimeout(timer);
      agent.destroy();
      const ttfe = [];
      const ttft = [];
      const cuts = [];
      let completed = 0;
      for (const conn of connections) {
        if (conn.ttfe !== undefined) ttfe.push(conn.ttfe);
        if (conn.ttft !== undefined) ttft.push(conn.ttft);
        if (conn.cutAt !== undefined) cuts.push({ tag: conn.tag, cutAt: conn.cutAt });
        if (conn.complete) completed++;
      }
      const wall = lastEndAt - startedAt;
      const gapSummary = summarize(gaps.subarray(0, gapCount));
      resolve({
        streams,
        tokens,
        delayMs,
        completed,
        cut: cuts.length,
        errors,
        errorCount: Object.values(errors).reduce((a, b) => a + b, 0),
        errorSamples,
        contentEvents,
        totalEvents,
        bytes,
        wallMs: wall,
        eventsPerSecond: wall > 0 ? (contentEvents / wall) * 1000 : NaN,
        ttfe: summarize(ttfe),
        ttft: summarize(ttft),
        gap: gapSummary,
        addedGapP99: delayMs > 0 ? gapSummary.p99 - delayMs : NaN,
        addedGapP50: delayMs > 0 ? gapSummary.p50 - delayMs : NaN,
        cuts,
      });
    }

    const open = (index) => {
      if (done) return;
      const conn = {
        index,
        tag: `${tag}.${index}`,
        cut: cutEvery > 0 && index % cutEvery === 0,
        count: 0,
        events: 0,
        done: false,
        complete: false,
      };
      connections.push(conn);
      const model = `bench-${tokens}-${delayMs}-${conn.tag}`;
      const t0 = performance.now();
      if (startedAt === 0) startedAt = t0;
      let last = 0;
      const parser = createParser({
        onEvent(event) {
          const now = performance.now();
          totalEvents++;
          if (conn.ttfe === undefined) conn.ttfe = now - t0;
          if (isErrorEvent(event.event)) {
            addError('stream_error', event.data);
            return;
          }
          if (!isContent(event.event, event.data)) return;
          contentEvents++;
          if (conn.count === 0) conn.ttft = now - t0;
          else gaps[gapCount++] = now - last;
          last = now;
          conn.count++;
          if (conn.cut && conn.count === cutAfter) {
            conn.cutAt = wallMs();
            conn.req.destroy();
            finishOne(conn);
          }
        },
        onError(error) {
          addError('parse', error.message);
        },
      });
      const req = http.request(
        { host: LOOPBACK, port, path: `${path}?m=${encodeURIComponent(model)}`, method: 'GET', agent, headers: { accept: 'text/event-stream' } },
        (res) => {
          if (res.statusCode !== 200 || !String(res.headers['content-type']).startsWith('text/event-stream')) {
            let body = '';
            res.setEncoding('utf8');
            res.on('data', (chunk) => (body = (body + chunk).slice(0, 300)));
            res.on('end', () => {
              addError(`http_${res.statusCode}`, body);
              finishOne(conn);
            });
            res.on('error', () => finishOne(conn));
            return;
          }
          res.setEncoding('utf8');
          res.on('data', (chunk) => {
            bytes += chunk.length;
            parser.feed(chunk);
          });
          res.on('end', () => {
            if (conn.done) return;
            if (conn.count === tokens) conn.complete = true;
            else addError('short', `stream ${index} ended after ${conn.count} of ${tokens} content events`);
            finishOne(conn);
          });
          res.on('error', (error) => {
            if (conn.done) return;
            addError('response', error.message);
            finishOne(conn);
          });
        },
      );
      conn.req = req;
      req.on('error', (error) => {
        if (conn.done) return;
        addError('request', error.code ?? error.message);
        finishOne(conn);
      });
      req.end();
    };

    if (rampMs > 0 && streams > 1) {
      // one timer per batch of starts: at most ~1 start batch per ms
      const batches = Math.min(streams, Math.max(1, Math.round(rampMs)));
      const perBatch = Math.ceil(streams / batches);
      for (let b = 0, i = 0; i < streams; b++) {
        const from = i;
        const to = Math.min(streams, i + perBatch);
        i = to;
        startTimers.push(
          setTimeout(
            () => {
              for (let k = from; k < to; k++) open(k);
            },
            (b * rampMs) / batches,
          ),
        );
      }
    } else {
      for (let i = 0; i < streams; i++) open(i);
    }
  });
}

// Child-process mode: answer `{ type: 'run', rid, options }` from bench/run.mjs.
if (process.send && process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop())) {
  const { dieWithParent, ready, serve } = await import('./lib/ipc-child.mjs');
  dieWithParent();
  serve(async (message) => {
    if (message.type !== 'run') throw new Error(`unknown request ${message.type}`);
    return runLoad(message.options);
  });
  ready(0);
}

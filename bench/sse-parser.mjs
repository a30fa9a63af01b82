// Micro-benchmark of the SSE parser on provider-shaped bodies (`npm run bench:parser`):
// the library's SseParser (lib/protocol/sse-parser.ts, used by the provider transport, the
// browser client and lib/testing) against eventsource-parser 3 (+ a streaming TextDecoder),
// which issue #11 measured 1.6–2.5x faster than the parser we had then. This run decides
// which one the server uses: ours, while the last column stays at or below 1. ns per event, median of BENCH_PARSER_RUNS (default 7) runs, each parser alone
// on the same bytes. Shapes: one event per chunk (tokens as they arrive), 16 KiB chunks (a
// burst), 7-byte pieces (the worst split), CRLF framing.
import { createParser } from 'eventsource-parser';
import { SseParser } from '../dist/protocol/sse-parser.js';

const RUNS = Number(process.env.BENCH_PARSER_RUNS ?? 7);
const EVENTS = Number(process.env.BENCH_PARSER_EVENTS ?? 40_000);
const encoder = new TextEncoder();

function openAIEvent(i, eol) {
  const data = JSON.stringify({
    id: 'chatcmpl-9x8Yz',
    object: 'chat.completion.chunk',
    created: 1733000000,
    model: 'gpt-4o-mini-2024-07-18',
    choices: [{ index: 0, delta: { content: ` tok${i}` }, finish_reason: null }],
  });
  return `data: ${data}${eol}${eol}`;
}

function shapes() {
  const lf = Array.from({ length: EVENTS }, (_, i) => encoder.encode(openAIEvent(i, '\n')));
  const all = concat(lf);
  const crlf = concat(Array.from({ length: EVENTS }, (_, i) => encoder.encode(openAIEvent(i, '\r\n'))));
  return {
    'one event per chunk': lf,
    '16 KiB chunks': split(all, 16_384),
    '7-byte pieces': split(all.subarray(0, Math.floor(all.length / 8)), 7),
    'CRLF, 16 KiB chunks': split(crlf, 16_384),
  };
}

function concat(parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function split(bytes, size) {
  const out = [];
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, i + size));
  return out;
}

const parsers = {
  'SseParser (ours)': (onEvent) => new SseParser({ onEvent }),
  'eventsource-parser alone (+ TextDecoder)': (onEvent) => {
    const decoder = new TextDecoder();
    const parser = createParser({ onEvent });
    return { feed: (chunk) => parser.feed(decoder.decode(chunk, { stream: true })), end: () => parser.reset() };
  },
};

function once(make, chunks) {
  let events = 0;
  let sink = 0;
  const parser = make((message) => {
    events++;
    sink += message.data.length;
  });
  const start = process.hrtime.bigint();
  for (const chunk of chunks) parser.feed(chunk);
  parser.end();
  const ns = Number(process.hrtime.bigint() - start);
  if (sink === 0) throw new Error('no data');
  return ns / events;
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const rows = [];
for (const [shape, chunks] of Object.entries(shapes())) {
  const results = {};
  for (const [name, make] of Object.entries(parsers)) {
    for (let i = 0; i < 2; i++) once(make, chunks); // warm up
    results[name] = median(Array.from({ length: RUNS }, () => once(make, chunks)));
  }
  rows.push([shape, results]);
}

const names = Object.keys(parsers);
console.log(`ns per event, median of ${RUNS} runs, ${EVENTS} OpenAI-shaped events (Node ${process.version})\n`);
console.log(`| shape | ${names.join(' | ')} | ours ÷ eventsource-parser |`);
console.log(`|---|${names.map(() => '---:').join('|')}|---:|`);
for (const [shape, results] of rows) {
  const ratio = results[names[0]] / results[names[1]];
  console.log(`| ${shape} | ${names.map((n) => results[n].toFixed(0)).join(' | ')} | ${ratio.toFixed(2)} |`);
}

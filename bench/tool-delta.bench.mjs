// Benchmark (issue #12): the CPU cost of relaying one streamed tool-call argument delta, against
// one text delta, per provider. For each provider a local upstream (a child process, on
// 127.0.0.1) streams N deltas of the same size in the provider's own wire format — text
// deltas, or the argument pieces of one tool call — and this process relays them: the
// library's driver parses them, EngineService.stream() turns them into chunks, and each chunk
// is encoded as the SSE event @SseStream() writes (`content`, or `tool_call_delta`). The
// figure is relay CPU per delta (process.cpuUsage: user + system), median of the runs, and
// the ratio tool/text. Gemini streams a call's arguments whole (one functionCall part), so
// for Gemini one "delta" is one whole small call (start, delta, end and the parsed call).
//
//   npm run build && node bench/tool-delta.bench.mjs           (BENCH_DELTAS=20000 BENCH_RUNS=5)
import { fork } from 'node:child_process';
import http from 'node:http';
import { fileURLToPath } from 'node:url';

const DELTAS = Number(process.env.BENCH_DELTAS ?? 20000);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const PIECE = 'abcdefgh';

function frames(provider, kind, n) {
  const out = [];
  if (provider === 'openai') {
    const chunk = (delta, finish = null) =>
      `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 0, model: 'm', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
    if (kind === 'tool')
      out.push(chunk({ role: 'assistant', tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'search', arguments: '' } }] }));
    if (kind === 'tool') out.push(chunk({ tool_calls: [{ index: 0, function: { arguments: '{"q":"' } }] }));
    for (let i = 0; i < n; i++) out.push(kind === 'text' ? chunk({ content: PIECE }) : chunk({ tool_calls: [{ index: 0, function: { arguments: PIECE } }] }));
    if (kind === 'tool') out.push(chunk({ tool_calls: [{ index: 0, function: { arguments: '"}' } }] }));
    out.push(chunk({}, kind === 'text' ? 'stop' : 'tool_calls'), 'data: [DONE]\n\n');
  } else if (provider === 'claude') {
    const event = (type, data) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
    out.push(
      event('message_start', {
        message: { id: 'msg', type: 'message', role: 'assistant', model: 'm', content: [], stop_reason: null, usage: { input_tokens: 1, output_tokens: 1 } },
      }),
    );
    out.push(
      event('content_block_start', {
        index: 0,
        content_block: kind === 'text' ? { type: 'text', text: '' } : { type: 'tool_use', id: 'toolu_1', name: 'search', input: {} },
      }),
    );
    if (kind === 'tool') out.push(event('content_block_delta', { index: 0, delta: { type: 'input_json_delta', partial_json: '{"q":"' } }));
    for (let i = 0; i < n; i++)
      out.push(
        event('content_block_delta', {
          index: 0,
          delta: kind === 'text' ? { type: 'text_delta', text: PIECE } : { type: 'input_json_delta', partial_json: PIECE },
        }),
      );
    if (kind === 'tool') out.push(event('content_block_delta', { index: 0, delta: { type: 'input_json_delta', partial_json: '"}' } }));
    out.push(event('content_block_stop', { index: 0 }));
    out.push(event('message_delta', { delta: { stop_reason: kind === 'text' ? 'end_turn' : 'tool_use', stop_sequence: null }, usage: { output_tokens: n } }));
    out.push(event('message_stop', {}));
  } else {
    const data = (parts, finishReason) =>
      `data: ${JSON.stringify({ candidates: [{ content: { parts, role: 'model' }, index: 0, ...(finishReason && { finishReason }) }], modelVersion: 'm' })}\r\n\r\n`;
    for (let i = 0; i < n; i++) out.push(kind === 'text' ? data([{ text: PIECE }]) : data([{ functionCall: { name: 'search', args: { q: PIECE } } }]));
    out.push(data([{ text: '' }], 'STOP'));
  }
  return out.join('');
}

if (process.argv[2] === '--upstream') {
  const cache = new Map();
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const url = new URL(req.url, 'http://x');
      const provider = url.pathname.startsWith('/v1/chat') ? 'openai' : url.pathname.startsWith('/v1/messages') ? 'claude' : 'gemini';
      const kind = req.headers['x-bench-kind'] === 'tool' ? 'tool' : 'text';
      const key = `${provider}:${kind}`;
      if (!cache.has(key)) cache.set(key, Buffer.from(frames(provider, kind, DELTAS)));
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.end(cache.get(key));
    });
  });
  server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
  process.on('disconnect', () => server.close(() => process.exit(0)));
} else {
  const lib = await import(new URL('../dist/index.js', import.meta.url).href);
  const { emitChunkParts } = await import(new URL('../dist/sse/sse-tool-events.js', import.meta.url).href);
  const child = fork(fileURLToPath(import.meta.url), ['--upstream'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const { port } = await new Promise((resolve) => child.once('message', resolve));
  const origin = `http://127.0.0.1:${port}`;
  const drivers = {};
  for (const kind of ['text', 'tool']) {
    const headers = { 'x-bench-kind': kind };
    drivers[`openai:${kind}`] = await lib.createOpenAIDriver('openai', { apiKey: 'k', baseURL: `${origin}/v1`, model: 'm', headers });
    drivers[`claude:${kind}`] = await lib.createClaudeDriver('claude', { apiKey: 'k', baseURL: origin, model: 'm', headers });
    drivers[`gemini:${kind}`] = await lib.createGeminiDriver('gemini', { apiKey: 'k', baseURL: origin, model: 'm', headers });
  }
  const engine = new lib.EngineService({ engine: { drivers } }, new Map(Object.entries(drivers)));
  const tools = { search: { description: 'Searches', parameters: { type: 'object', properties: { q: { type: 'string' } } } } };

  /** Relays one answer; returns [cpu µs, deltas relayed, bytes written]. */
  async function relay(name, kind) {
    let bytes = 0;
    let deltas = 0;
    let seq = 0;
    const sink = {
      emit: (event, data) => (bytes += `id: s-${++seq}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`.length),
      emitRaw: (event, json) => (bytes += `id: s-${++seq}\nevent: ${event}\ndata: ${json}\n\n`.length),
    };
    const start = process.cpuUsage();
    await new Promise((resolve, reject) =>
      engine.stream([{ role: 'user', content: 'go' }], { engine: name, ...(kind === 'tool' && { tools }) }).subscribe({
        next: (chunk) => {
          if (chunk.content !== '') {
            deltas++;
            bytes += `id: s-${++seq}\nevent: content\ndata: {"content":${JSON.stringify(chunk.content)},"index":${chunk.index}}\n\n`.length;
          } else if (!chunk.finishReason) {
            if (chunk.toolCallDelta) deltas++;
            emitChunkParts(chunk, sink);
          }
        },
        error: reject,
        complete: resolve,
      }),
    );
    const used = process.cpuUsage(start);
    return [used.user + used.system, deltas, bytes];
  }

  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const rows = [];
  for (const provider of ['openai', 'claude', 'gemini']) {
    await relay(`${provider}:text`, 'text');
    const [, warm] = await relay(`${provider}:tool`, 'tool'); // warm-up
    if (warm < DELTAS) {
      rows.push({ provider, missing: `its driver relayed ${warm} of ${DELTAS} tool-call deltas (no streamed tool calls in this build)` });
      continue;
    }
    const per = { text: [], tool: [] };
    for (let run = 0; run < RUNS; run++) {
      for (const kind of run % 2 === 0 ? ['text', 'tool'] : ['tool', 'text']) {
        const [us, deltas] = await relay(`${provider}:${kind}`, kind);
        if (deltas < DELTAS) throw new Error(`${provider} ${kind}: relayed ${deltas} of ${DELTAS} deltas`);
        per[kind].push(us / deltas);
      }
    }
    const text = median(per.text);
    const tool = median(per.tool);
    rows.push({ provider, textUs: text, toolUs: tool, ratio: tool / text });
  }
  console.log(`Relay CPU per delta (${DELTAS} deltas of ${PIECE.length} characters, median of ${RUNS} runs; target: tool <= 1.2x text)\n`);
  console.log('| provider | text delta (µs) | tool-call argument delta (µs) | ratio | <= 1.2x |');
  console.log('|---|---|---|---|---|');
  for (const row of rows) if (row.missing) console.log(`| ${row.provider} | – | – | – | not measured: ${row.missing} |`);
  for (const row of rows.filter((r) => !r.missing))
    console.log(`| ${row.provider} | ${row.textUs.toFixed(2)} | ${row.toolUs.toFixed(2)} | ${row.ratio.toFixed(2)} | ${row.ratio <= 1.2 ? 'yes' : 'no'} |`);
  await engine.onApplicationShutdown();
  child.disconnect();
}

// Benchmark (issue #12): the CPU cost of relaying one streamed tool-call argument delta, against
// one text delta, per provider. For each provider a local upstream (a child process, on
// 127.0.0.1) streams N deltas of the same size in the provider's own wire format (text deltas,
// or the argument pieces of one tool call) and this process relays them, two ways, one table each:
// - core: the library's driver parses them, EngineService.stream() turns them into chunks, and
//   each chunk is encoded as the SSE event @SseStream() writes (`content`, or `tool_call_delta`),
//   into a counting sink (no socket);
// - full: a Nest app's @SseStream() route over EngineService.stream(), read over HTTP by the
//   child: numbering, replay record and socket writes included, as an app runs it.
// The figure is relay CPU per delta (process.cpuUsage: user + system), median of the runs; the
// ratio is the median of each run's tool/text pair (measured back to back: on a shared, loaded
// machine the speed drifts). The last column takes out what JSON.parse of the provider's frames
// costs alone (measured in the same run): a tool delta's frame is longer than a text delta's in
// OpenAI's format (`tool_calls[0].function.arguments` against `content`), which no relay avoids.
//
//   npm run build && node bench/tool-delta.bench.mjs      (BENCH_DELTAS=10000 BENCH_RUNS=11 BENCH_MODES=core,full)
import { fork } from 'node:child_process';
import http from 'node:http';
import { fileURLToPath } from 'node:url';

const DELTAS = Number(process.env.BENCH_DELTAS ?? 10000);
const RUNS = Number(process.env.BENCH_RUNS ?? 11);
const PIECE = 'abcdefgh';
// for profiling one path: BENCH_PROVIDERS=openai BENCH_KINDS=tool BENCH_MODES=core node --cpu-prof bench/tool-delta.bench.mjs
const PROVIDERS = (process.env.BENCH_PROVIDERS ?? 'openai,claude,gemini').split(',');
const KINDS = (process.env.BENCH_KINDS ?? 'text,tool').split(',');

// Gemini sends a call whole (one functionCall part, its args already JSON), so a Gemini "tool
// delta" is one whole call: the fair comparison is per upstream event of the same payload size,
// GEMINI_BYTES characters of text against a call whose args JSON is GEMINI_BYTES characters.
// A call that arrives whole does not stream: it is one driver part, one chunk and one
// `tool_call` event (no `tool_call_delta`), as a text part is one `content` event.
const GEMINI_BYTES = Number(process.env.BENCH_GEMINI_BYTES ?? 64);
// Envelopes as the recordings in ../shared/real-streams/fixtures/ have them (the same fields and
// value lengths on every chunk: ids, model, fingerprint, usage...), or the bare minimum
// (BENCH_ENVELOPE=minimal), which weighs the provider's own JSON less against ours.
const RECORDED = (process.env.BENCH_ENVELOPE ?? 'recorded') !== 'minimal';

function frames(provider, kind, n) {
  const out = [];
  if (provider === 'openai') {
    // openai/openai-text.chunks.txt
    const chunk = (delta, finish = null) =>
      `data: ${JSON.stringify(
        RECORDED
          ? {
              id: 'chatcmpl-D8Z5oo6uDh67AD85p73ksdT1KxhE0',
              object: 'chat.completion.chunk',
              created: 1770933892,
              model: 'gpt-4.1-nano-2025-04-14',
              service_tier: 'default',
              system_fingerprint: 'fp_de604bd877',
              choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
              usage: null,
              obfuscation: 'HqIZSrV',
            }
          : { id: 'c', object: 'chat.completion.chunk', created: 0, model: 'm', choices: [{ index: 0, delta, finish_reason: finish }] },
      )}\n\n`;
    if (kind === 'tool')
      out.push(chunk({ role: 'assistant', tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'search', arguments: '' } }] }));
    if (kind === 'tool') out.push(chunk({ tool_calls: [{ index: 0, function: { arguments: '{"q":"' } }] }));
    for (let i = 0; i < n; i++) out.push(kind === 'text' ? chunk({ content: PIECE }) : chunk({ tool_calls: [{ index: 0, function: { arguments: PIECE } }] }));
    if (kind === 'tool') out.push(chunk({ tool_calls: [{ index: 0, function: { arguments: '"}' } }] }));
    out.push(chunk({}, kind === 'text' ? 'stop' : 'tool_calls'), 'data: [DONE]\n\n');
  } else if (provider === 'claude') {
    // claude/anthropic-tool-use.chunks.txt: the deltas carry no envelope
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
    // gemini/google-tool-call.chunks.txt
    const envelope = RECORDED
      ? {
          usageMetadata: { promptTokenCount: 29, candidatesTokenCount: 15, totalTokenCount: 89, promptTokensDetails: [{ modality: 'TEXT', tokenCount: 29 }] },
          modelVersion: 'gemini-3-pro-preview',
          responseId: 'b36LacjwM668nsEP2tbsgQQ',
        }
      : { modelVersion: 'm' };
    const data = (parts, finishReason) =>
      `data: ${JSON.stringify({ candidates: [{ content: { parts, role: 'model' }, ...(finishReason && { finishReason }), index: 0 }], ...envelope })}\r\n\r\n`;
    const text = 'abcdefgh'.repeat(Math.ceil(GEMINI_BYTES / 8)).slice(0, GEMINI_BYTES);
    const q = text.slice(0, Math.max(0, GEMINI_BYTES - '{"q":""}'.length));
    for (let i = 0; i < n; i++) out.push(kind === 'text' ? data([{ text }]) : data([{ functionCall: { name: 'search', args: { q } } }]));
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
  // the downstream client of the full relay: reads a whole SSE answer and counts its events
  process.on('message', ({ get }) => {
    let answered = false;
    const answer = (reply) => {
      if (answered) return;
      answered = true;
      process.send(reply);
    };
    http
      .get(get, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (text) => (body += text));
        res.on('end', () => {
          const count = (name) => body.split(`\nevent: ${name}\n`).length - 1;
          answer({
            status: res.statusCode,
            bytes: body.length,
            content: count('content'),
            toolDeltas: count('tool_call_delta'),
            toolCalls: count('tool_call'),
            end: /event: (complete|stream_error)/.exec(body)?.[1],
          });
        });
        // cut off before its end (e.g. the relay closed a client it found too slow): the run fails, it does not wait
        res.on('close', () => answer({ status: res.statusCode, bytes: body.length, end: 'closed before the end of the answer' }));
      })
      .on('error', (error) => answer({ status: 0, end: `request failed: ${error.message}` }));
  });
  process.on('disconnect', () => server.close(() => process.exit(0)));
} else {
  const lib = await import(new URL('../dist/index.js', import.meta.url).href);
  const { emitChunkParts } = await import(new URL('../dist/sse/sse-tool-events.js', import.meta.url).href);
  const { createOpenAIDriver, createClaudeDriver, createGeminiDriver } = await import(new URL('../dist/drivers/index.js', import.meta.url).href);
  const child = fork(fileURLToPath(import.meta.url), ['--upstream'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const { port } = await new Promise((resolve) => child.once('message', resolve));
  const origin = `http://127.0.0.1:${port}`;
  const drivers = {};
  for (const kind of ['text', 'tool']) {
    const headers = { 'x-bench-kind': kind };
    drivers[`openai:${kind}`] = await createOpenAIDriver('openai', { apiKey: 'k', baseURL: `${origin}/v1`, model: 'm', headers });
    drivers[`claude:${kind}`] = await createClaudeDriver('claude', { apiKey: 'k', baseURL: origin, model: 'm', headers });
    drivers[`gemini:${kind}`] = await createGeminiDriver('gemini', { apiKey: 'k', baseURL: origin, model: 'm', headers });
  }
  const engine = new lib.EngineService({ engine: { drivers } }, new Map(Object.entries(drivers)));
  const tools = { search: { description: 'Searches', parameters: { type: 'object', properties: { q: { type: 'string' } } } } };

  // The full relay: a Nest app with an @SseStream() route over EngineService.stream(), as an app
  // has it; the child reads the answer over HTTP. Everything this process spends between the
  // request and the end of the answer is the relay: upstream read and parse, engine, SSE
  // session (numbering, replay record, encoding) and the socket writes to the client.
  const { Controller, Get, Inject, Module, Param } = await import('@nestjs/common');
  const { NestFactory } = await import('@nestjs/core');
  class RelayController {
    constructor(service) {
      this.service = service;
    }
    relay(name) {
      return this.service.stream([{ role: 'user', content: 'go' }], { engine: name, ...(name.endsWith(':tool') && { tools }) });
    }
  }
  Reflect.decorate(
    [Get('relay/:name'), lib.SseStream(), (target, key) => Param('name')(target, key, 0)],
    RelayController.prototype,
    'relay',
    Object.getOwnPropertyDescriptor(RelayController.prototype, 'relay'),
  );
  Reflect.decorate([Controller(), (target) => Inject(lib.EngineService)(target, undefined, 0)], RelayController);
  class RelayModule {}
  Reflect.decorate([Module({ imports: [lib.BuppleEngineModule.forRoot({ engine: { drivers } })], controllers: [RelayController] })], RelayModule);
  const app = await NestFactory.create(RelayModule, { logger: ['error', 'warn'] });
  await app.listen(0, '127.0.0.1');
  const appUrl = `http://127.0.0.1:${app.getHttpServer().address().port}`;
  const replies = [];
  child.on('message', (message) => replies.shift()?.(message));

  /** Gemini's calls arrive whole: each is one `tool_call` (no `tool_call_delta`), counted as the delta relayed. */
  const wholeCalls = (name) => name.startsWith('gemini:');

  /** Relays one answer through the app to the child; returns [cpu µs, deltas the client got, bytes]. */
  async function relayFull(name, kind) {
    const start = process.cpuUsage();
    const reply = await new Promise((resolve) => {
      replies.push(resolve);
      child.send({ get: `${appUrl}/relay/${encodeURIComponent(name)}` });
    });
    const used = process.cpuUsage(start);
    if (reply.status !== 200 || reply.end !== 'complete') throw new Error(`${name}: HTTP ${reply.status}, ended with ${reply.end}`);
    return [used.user + used.system, kind === 'text' ? reply.content : wholeCalls(name) ? reply.toolCalls : reply.toolDeltas, reply.bytes];
  }

  /** Relays one answer; returns [cpu µs, deltas relayed, bytes written]. */
  async function relay(name, kind) {
    const whole = wholeCalls(name);
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
            if (chunk.toolCallDelta || (whole && chunk.toolCall)) deltas++;
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

  /** CPU of JSON.parse alone over the frames' data lines, per delta: the provider's format, not the library's work. */
  const parseCost = (provider, kind) => {
    const lines = frames(provider, kind, DELTAS)
      .split(/\r?\n/)
      .filter((line) => line.startsWith('data: {'))
      .map((line) => line.slice(6));
    const start = process.cpuUsage();
    for (const line of lines) JSON.parse(line);
    const used = process.cpuUsage(start);
    return (used.user + used.system) / DELTAS;
  };
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  async function measure(relayOnce) {
    const rows = [];
    for (const provider of PROVIDERS) {
      await relayOnce(`${provider}:text`, 'text');
      const [, warm] = await relayOnce(`${provider}:tool`, 'tool'); // warm-up
      if (warm < DELTAS) {
        rows.push({ provider, missing: `its driver relayed ${warm} of ${DELTAS} tool-call deltas (no streamed tool calls in this build)` });
        continue;
      }
      const per = { text: [], tool: [] };
      const parse = { text: [], tool: [] };
      for (let run = 0; run < RUNS; run++) {
        for (const kind of run % 2 === 0 ? ['text', 'tool'] : ['tool', 'text']) {
          const [us, deltas] = await relayOnce(`${provider}:${kind}`, kind);
          if (deltas < DELTAS) throw new Error(`${provider} ${kind}: relayed ${deltas} of ${DELTAS} deltas`);
          per[kind].push(us / deltas);
          parse[kind].push(parseCost(provider, kind));
        }
      }
      // the ratio of each run's pair (text and tool measured back to back), then the median: a
      // shared, loaded machine changes speed from second to second, and a pair sees the same load
      const ratio = median(per.tool.map((us, run) => us / per.text[run]));
      const own = median(per.tool.map((us, run) => (us - parse.tool[run]) / (per.text[run] - parse.text[run])));
      rows.push({ provider, textUs: median(per.text), toolUs: median(per.tool), ratio, textParse: median(parse.text), toolParse: median(parse.tool), own });
    }
    return rows;
  }
  const print = (title, rows) => {
    console.log(`\n${title}\n`);
    console.log(
      '| provider | text delta (µs) | tool-call argument delta (µs) | ratio | <= 1.2x | of which the provider JSON.parse, text / tool (µs) | ratio without it |',
    );
    console.log('|---|---|---|---|---|---|---|');
    for (const row of rows) if (row.missing) console.log(`| ${row.provider} | – | – | – | not measured: ${row.missing} | – | – |`);
    for (const row of rows.filter((r) => !r.missing))
      console.log(
        `| ${row.provider} | ${row.textUs.toFixed(2)} | ${row.toolUs.toFixed(2)} | ${row.ratio.toFixed(2)} | ${row.ratio <= 1.2 ? 'yes' : 'no'} | ${row.textParse.toFixed(2)} / ${row.toolParse.toFixed(2)} | ${row.own.toFixed(2)} |`,
      );
  };
  console.log(
    `Relay CPU per delta (${DELTAS} deltas, median of ${RUNS} runs; ratio: median of the runs' tool/text pairs; ${RECORDED ? 'recorded' : 'minimal'} envelopes; target: tool <= 1.2x text)\n` +
      `OpenAI, Claude: ${PIECE.length} characters a delta. Gemini: one upstream event of ${GEMINI_BYTES} payload characters, text or a whole call's args JSON.`,
  );
  const modes = (process.env.BENCH_MODES ?? 'core,full').split(',');
  if (KINDS.length === 1) {
    // profiling one path (see BENCH_KINDS above): relays only, no table
    for (const provider of PROVIDERS)
      for (let run = 0; run < RUNS * 2; run++) await (modes.includes('core') ? relay : relayFull)(`${provider}:${KINDS[0]}`, KINDS[0]);
    await app.close();
    await engine.onApplicationShutdown();
    child.disconnect();
    process.exit(0);
  }
  if (modes.includes('core')) print("Core: driver -> EngineService.stream() -> the SSE event text (the session's encoding, no socket)", await measure(relay));
  if (modes.includes('full')) print('Full: upstream socket -> driver -> EngineService.stream() -> @SseStream() -> HTTP client', await measure(relayFull));
  await app.close();
  await engine.onApplicationShutdown();
  child.disconnect();
}

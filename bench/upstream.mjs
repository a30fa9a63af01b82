// Mock OpenAI upstream for the benchmark, started by bench/run.mjs as a child process.
//
// POST /v1/chat/completions with `stream: true` answers in the Chat Completions streaming
// format: one `data: {chat.completion.chunk}\n\n` per token (the first one carrying the
// role), a finish chunk, a usage chunk when `stream_options.include_usage` is set, and
// `data: [DONE]\n\n`. The model name says what to stream: `bench-N-D[-tag]` is N tokens,
// D ms apart (D = 0: as fast as the socket takes them); the relays pass it through as it
// is, and the tag lets the runner match a client connection to its upstream request.
//
// It counts requests and records, per tagged request, when the relay closed the
// connection before the end (the cut scenario's "upstream closed within 1 s").
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { dieWithParent, fail, ready, serve } from './lib/ipc-child.mjs';
import { wallMs } from './lib/stats.mjs';
import { geminiError, geminiModelOf, geminiRequestProblem, geminiWire } from './upstream-gemini.mjs';
import { claudeError, claudeRequestProblem, claudeWire, isClaudeRequest } from './upstream-claude.mjs';

const MODEL = /^bench-(\d+)-(\d+)(?:-(.+))?$/;
const WORDS = [' the', ' quick', ' brown', ' fox', ' jumps', ' over', ' lazy', ' dog', ',', ' and', ' "quoted"', ' café', ' 42', '.', '\n'];
const MAX_TOKENS = 1_000_000;
const MAX_DELAY_MS = 60_000;

const counters = { requests: 0, open: 0, completed: 0, closedEarly: 0, rejected: 0 };
/** Tagged requests of the current scenario: tag → record. */
let records = new Map();
const openResponses = new Set();
let sequence = 0;

function openAIError(res, status, message, type, code = null) {
  counters.rejected++;
  const body = JSON.stringify({ error: { message, type, param: null, code } });
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'x-request-id': `req_${randomBytes(8).toString('hex')}`,
  });
  res.end(body);
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const parts = [];
    let size = 0;
    req.on('data', (part) => {
      size += part.length;
      if (size > 1 << 20) reject(new Error('body too large'));
      else parts.push(part);
    });
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    req.on('error', reject);
  });
}

async function handle(req, res) {
  if (req.method === 'GET' && req.url.startsWith('/stream?')) return direct(req, res);
  const gemini = geminiModelOf(req);
  if (gemini) return handleGemini(req, res, gemini);
  if (isClaudeRequest(req)) return handleClaude(req, res);
  if (req.method !== 'POST' || req.url.split('?')[0] !== '/v1/chat/completions') {
    return openAIError(res, 404, `Unknown request URL: ${req.method} ${req.url}.`, 'invalid_request_error', 'unknown_url');
  }
  if (!/^Bearer \S+/.test(req.headers.authorization ?? '')) {
    return openAIError(res, 401, 'You did not provide an API key.', 'invalid_request_error', 'invalid_api_key');
  }
  let body;
  try {
    body = JSON.parse(await readBody(req));
  } catch {
    return openAIError(res, 400, 'We could not parse the JSON body of your request.', 'invalid_request_error');
  }
  const match = MODEL.exec(String(body?.model ?? ''));
  if (!match)
    return openAIError(res, 404, `The model \`${body?.model}\` does not exist or you do not have access to it.`, 'invalid_request_error', 'model_not_found');
  if (!Array.isArray(body.messages) || body.messages.length === 0) return openAIError(res, 400, "Invalid 'messages': empty array.", 'invalid_request_error');
  if (body.stream !== true) return openAIError(res, 400, 'This mock upstream only streams: set "stream": true.', 'invalid_request_error');
  const tokens = Math.min(Number(match[1]), MAX_TOKENS);
  const delayMs = Math.min(Number(match[2]), MAX_DELAY_MS);
  const tag = match[3];
  const includeUsage = body.stream_options?.include_usage === true;
  stream(req, res, { model: body.model, tokens, delayMs, tag, includeUsage });
}

// POST /v1beta/models/bench-N-D[-tag]:streamGenerateContent?alt=sse: the same answer in Gemini's wire format.
async function handleGemini(req, res, route) {
  let body;
  try {
    body = JSON.parse(await readBody(req));
  } catch {
    counters.rejected++;
    return geminiError(res, 400, 'INVALID_ARGUMENT', 'Invalid JSON payload received.');
  }
  const problem = geminiRequestProblem(req, route, body);
  const match = MODEL.exec(route.model);
  if (problem || !match) {
    counters.rejected++;
    return geminiError(
      res,
      ...(problem ?? [404, 'NOT_FOUND', `models/${route.model} is not found for API version v1beta, or is not supported for generateContent.`]),
    );
  }
  const tokens = Math.min(Number(match[1]), MAX_TOKENS);
  stream(req, res, {
    model: route.model,
    tokens,
    delayMs: Math.min(Number(match[2]), MAX_DELAY_MS),
    tag: match[3],
    includeUsage: false,
    wire: geminiWire(route.model),
  });
}

// POST /v1/messages with model bench-N-D[-tag]: the same answer in Anthropic's Messages API wire format.
async function handleClaude(req, res) {
  let body;
  try {
    body = JSON.parse(await readBody(req));
  } catch {
    counters.rejected++;
    return claudeError(res, 400, 'invalid_request_error', 'There was an issue with the JSON body of your request.');
  }
  const problem = claudeRequestProblem(req, body);
  const match = MODEL.exec(String(body?.model ?? ''));
  if (problem || !match) {
    counters.rejected++;
    return claudeError(res, ...(problem ?? [404, 'not_found_error', `model: ${body?.model}`]));
  }
  const tokens = Math.min(Number(match[1]), MAX_TOKENS);
  stream(req, res, {
    model: body.model,
    tokens,
    delayMs: Math.min(Number(match[2]), MAX_DELAY_MS),
    tag: match[3],
    includeUsage: false,
    wire: claudeWire(body.model),
  });
}

// GET /stream?m=bench-N-D[-tag]: the tokens straight to the load client, as `data:
// {"content":…}` lines like the node:http relay writes them. No relay in between: this
// measures what the harness itself (upstream + load client on one core) adds.
function direct(req, res) {
  const model = new URL(req.url, 'http://upstream').searchParams.get('m') ?? '';
  const match = MODEL.exec(model);
  if (!match) return openAIError(res, 404, `The model \`${model}\` does not exist.`, 'invalid_request_error', 'model_not_found');
  stream(req, res, {
    model,
    tokens: Math.min(Number(match[1]), MAX_TOKENS),
    delayMs: Math.min(Number(match[2]), MAX_DELAY_MS),
    tag: match[3],
    includeUsage: false,
    plain: true,
  });
}

function stream(req, res, { model, tokens, delayMs, tag, includeUsage, plain = false, wire = null }) {
  counters.requests++;
  counters.open++;
  const record = { tag, tokens, delayMs, startedAt: wallMs(), sent: 0, completed: false, closedEarly: false, closedAt: null };
  if (tag !== undefined) records.set(tag, record);
  openResponses.add(res);

  const id = `chatcmpl-bench${(++sequence).toString(36)}`;
  const created = Math.floor(Date.now() / 1000);
  const usageField = includeUsage ? ',"usage":null' : '';
  const head = `data: {"id":"${id}","object":"chat.completion.chunk","created":${created},"model":${JSON.stringify(model)},"service_tier":"default","system_fingerprint":"fp_bench","choices":[`;
  const tail = `]${usageField}}\n\n`;
  const delta = wire
    ? wire.delta
    : plain
      ? (text) => `data: {"content":${JSON.stringify(text)}}\n\n`
      : (text) => `${head}{"index":0,"delta":{"content":${JSON.stringify(text)}},"logprobs":null,"finish_reason":null}${tail}`;

  let timer = null;
  let waitingForDrain = false;
  let ended = false;
  res.on('close', () => {
    openResponses.delete(res);
    counters.open--;
    if (timer) clearTimeout(timer);
    if (!ended) {
      counters.closedEarly++;
      record.closedEarly = true;
      record.closedAt = wallMs();
    }
  });
  res.on('drain', () => {
    if (!waitingForDrain) return;
    waitingForDrain = false;
    pump();
  });

  res.writeHead(
    200,
    wire
      ? wire.headers
      : {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-cache, must-revalidate',
          'x-request-id': `req_${randomBytes(8).toString('hex')}`,
          'openai-processing-ms': '12',
          'openai-version': '2020-10-01',
          'openai-organization': 'bench-org',
          'x-ratelimit-limit-requests': '10000',
          'x-ratelimit-remaining-requests': '9999',
          connection: 'keep-alive',
        },
  );
  res.socket?.setNoDelay(true);
  if (wire?.first) res.write(wire.first());
  if (!plain && !wire) res.write(`${head}{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}${tail}`);

  const finish = () => {
    ended = true;
    if (wire) {
      record.completed = true;
      counters.completed++;
      res.end(wire.finish());
      return;
    }
    if (plain) {
      record.completed = true;
      counters.completed++;
      res.end();
      return;
    }
    let out = `${head}{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}${tail}`;
    if (includeUsage) {
      const usage = {
        prompt_tokens: 8,
        completion_tokens: tokens,
        total_tokens: 8 + tokens,
        prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
        completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
      };
      out += `${head}],"usage":${JSON.stringify(usage)}}\n\n`;
    }
    out += 'data: [DONE]\n\n';
    record.completed = true;
    counters.completed++;
    res.end(out);
  };

  // D > 0: one token every D ms. D = 0: write until the socket pushes back, go on at 'drain'.
  const pump = () => {
    timer = null;
    if (res.destroyed) return;
    if (delayMs > 0) {
      if (record.sent < tokens) {
        res.write(delta(WORDS[record.sent % WORDS.length]));
        record.sent++;
      }
      if (record.sent < tokens) timer = setTimeout(pump, delayMs);
      else finish();
      return;
    }
    while (record.sent < tokens) {
      const ok = res.write(delta(WORDS[record.sent % WORDS.length]));
      record.sent++;
      if (!ok) {
        waitingForDrain = true;
        return;
      }
    }
    finish();
  };
  pump();
}

dieWithParent();
const server = http.createServer({ keepAliveTimeout: 30_000 }, (req, res) => {
  handle(req, res).catch((error) => {
    if (!res.headersSent) openAIError(res, 500, 'The server had an error while processing your request.', 'server_error');
    else res.destroy(error);
  });
});
server.on('clientError', (_error, socket) => socket.destroy());

serve(async (message) => {
  switch (message.type) {
    case 'stats':
      return { counters: { ...counters }, records: message.withRecords ? [...records.values()] : undefined };
    case 'reset': {
      // ends whatever a relay left running, so one scenario cannot leak into the next
      const leftOpen = openResponses.size;
      for (const res of openResponses) res.destroy();
      records = new Map();
      return { leftOpen };
    }
    default:
      throw new Error(`unknown request ${message.type}`);
  }
});

server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, () => ready(server.address().port));
server.on('error', fail);

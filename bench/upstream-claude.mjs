// The mock upstream's Claude side (imported by upstream.mjs): Anthropic's `POST /v1/messages`
// with `stream: true` in its real wire format: the key as `x-api-key` or a bearer token, an
// `anthropic-version` header, Anthropic's error bodies (`{"type":"error","error":{"type",
// "message"},"request_id"}`), and the events as Anthropic sends them (`event:` + `data:`
// lines): `message_start` with the usage so far, `content_block_start`, a `ping`, one
// `content_block_delta` / `text_delta` per token, then `content_block_stop`, `message_delta`
// with `stop_reason: "end_turn"` and the output tokens, `message_stop`. The model name says
// what to stream, as for OpenAI.
import { randomBytes } from 'node:crypto';

const PROMPT_TOKENS = 8;

/** True when the request is for the Claude route. */
export function isClaudeRequest(req) {
  return req.method === 'POST' && req.url.split('?')[0] === '/v1/messages';
}

/** Answers with an Anthropic API error body. */
export function claudeError(res, status, type, message) {
  const body = JSON.stringify({ type: 'error', error: { type, message }, request_id: `req_011${randomBytes(9).toString('base64url')}` });
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'x-should-retry': String(status >= 500) });
  res.end(body);
}

/** What a request must carry: a key, the API version, a streaming body with messages and max_tokens. Returns [status, type, message] to send, or undefined. */
export function claudeRequestProblem(req, body) {
  if (!req.headers['x-api-key'] && !/^Bearer \S+/.test(req.headers.authorization ?? '')) return [401, 'authentication_error', 'x-api-key header is required'];
  if (!req.headers['anthropic-version']) return [400, 'invalid_request_error', 'anthropic-version: header is required'];
  if (!Array.isArray(body?.messages) || body.messages.length === 0) return [400, 'invalid_request_error', 'messages: at least one message is required'];
  if (typeof body.max_tokens !== 'number') return [400, 'invalid_request_error', 'max_tokens: Field required'];
  if (body.stream !== true) return [400, 'invalid_request_error', 'This mock upstream only streams: set "stream": true.'];
  return undefined;
}

const frame = (event, data) => `event: ${event}\ndata: ${data}\n\n`;

/** The wire of one streamed answer: headers, the opening events, each token's event, and the end. */
export function claudeWire(model) {
  const id = `msg_01${randomBytes(12).toString('base64url')}`;
  let count = 0;
  return {
    headers: {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      'request-id': `req_011${randomBytes(9).toString('base64url')}`,
      'anthropic-organization-id': '00000000-0000-4000-8000-00000000bench',
      via: '1.1 google',
      'cf-cache-status': 'DYNAMIC',
      server: 'cloudflare',
      connection: 'keep-alive',
    },
    first: () =>
      frame(
        'message_start',
        `{"type":"message_start","message":{"model":${JSON.stringify(model)},"id":"${id}","type":"message","role":"assistant","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":${PROMPT_TOKENS},"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"cache_creation":{"ephemeral_5m_input_tokens":0,"ephemeral_1h_input_tokens":0},"output_tokens":1,"service_tier":"standard"}}}`,
      ) +
      frame('content_block_start', '{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}') +
      frame('ping', '{"type": "ping"}'),
    delta: (text) => {
      count++;
      return frame('content_block_delta', `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":${JSON.stringify(text)}}}`);
    },
    finish: () =>
      frame('content_block_stop', '{"type":"content_block_stop","index":0}') +
      frame(
        'message_delta',
        `{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"input_tokens":${PROMPT_TOKENS},"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":${count}}}`,
      ) +
      frame('message_stop', '{"type":"message_stop"}'),
  };
}

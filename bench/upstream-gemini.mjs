// The mock upstream's Gemini side (imported by upstream.mjs): the Gemini Developer API's
// `POST /v1beta/models/{model}:streamGenerateContent?alt=sse` in its real wire format: the
// key in `x-goog-api-key`, Google's error bodies (`{"error":{"code","message","status"}}`),
// one `data: {…}\r\n\r\n` event per token with the candidate, the running `usageMetadata`,
// `modelVersion` and `responseId` (as Gemini sends them, spaced the way Google's JSON is), the
// last one with `finishReason: "STOP"`. The model name says what to stream, as for OpenAI.
import { randomBytes } from 'node:crypto';

const PATH = /^\/v1beta\/models\/([^/:?]+):streamGenerateContent$/;
const PROMPT_TOKENS = 8;

/** The Gemini route's model name, or undefined when the request is not for Gemini. */
export function geminiModelOf(req) {
  const [path, query = ''] = req.url.split('?');
  const match = PATH.exec(path);
  if (req.method !== 'POST' || !match) return undefined;
  return { model: decodeURIComponent(match[1]), sse: new URLSearchParams(query).get('alt') === 'sse' };
}

/** Answers with a Google API error body. */
export function geminiError(res, code, status, message) {
  const body = JSON.stringify({ error: { code, message, status } }, null, 2);
  res.writeHead(code, { 'content-type': 'application/json; charset=UTF-8', 'content-length': Buffer.byteLength(body), vary: 'Origin, X-Origin, Referer' });
  res.end(body);
}

/** What a request must carry: a key, `alt=sse`, a JSON body with contents. Returns an error to send, or undefined. */
export function geminiRequestProblem(req, route, body) {
  if (!req.headers['x-goog-api-key'])
    return [
      403,
      'PERMISSION_DENIED',
      "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
    ];
  if (!route.sse) return [400, 'INVALID_ARGUMENT', 'This mock upstream only streams with alt=sse.'];
  if (!Array.isArray(body?.contents) || body.contents.length === 0)
    return [400, 'INVALID_ARGUMENT', '* GenerateContentRequest.contents: contents is not specified'];
  return undefined;
}

/** The wire of one streamed answer: headers, each token's event, and the end. */
export function geminiWire(model) {
  const responseId = randomBytes(12).toString('base64url');
  const tail = (count) =>
    `"usageMetadata": {"promptTokenCount": ${PROMPT_TOKENS},"candidatesTokenCount": ${count},"totalTokenCount": ${PROMPT_TOKENS + count},"promptTokensDetails": [{"modality": "TEXT","tokenCount": ${PROMPT_TOKENS}}]},"modelVersion": ${JSON.stringify(model)},"responseId": "${responseId}"}\r\n\r\n`;
  let count = 0;
  return {
    headers: {
      'content-type': 'text/event-stream',
      'content-disposition': 'attachment',
      vary: 'Origin, X-Origin, Referer',
      server: 'scaffolding on HTTPServer2',
      'x-content-type-options': 'nosniff',
      'server-timing': 'gfet4t7; dur=412',
    },
    /** No opening event: Gemini's first event already carries text. */
    first: null,
    delta: (text) => `data: {"candidates": [{"content": {"parts": [{"text": ${JSON.stringify(text)}}],"role": "model"},"index": 0}],${tail(++count)}`,
    finish: () => `data: {"candidates": [{"content": {"parts": [{"text": ""}],"role": "model"},"finishReason": "STOP","index": 0}],${tail(count)}`,
  };
}

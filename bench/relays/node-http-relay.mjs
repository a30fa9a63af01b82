// The node:http floor's relay, shared by the node:http relay and the Nest one (nest-http.mjs):
// for GET /stream?m=<model> it asks the upstream with http.request (a keep-alive agent), reads
// the SSE lines itself, and writes one `data:` line per token. The upstream request is aborted
// when the client goes away.
import http from 'node:http';
import { fail } from '../lib/ipc-child.mjs';

const agent = new http.Agent({ keepAlive: true });

/** POSTs `body` and resolves with the response (an IncomingMessage); `signal` aborts it. */
function post(url, headers, body, signal) {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method: 'POST', headers: { ...headers, 'content-length': Buffer.byteLength(body) }, agent, signal }, resolve);
    request.on('error', reject);
    request.end(body);
  });
}

const upstream = process.env.UPSTREAM_URL;
if (!upstream) fail(new Error('UPSTREAM_URL is not set'));

export async function relay(req, res) {
  const url = new URL(req.url, 'http://relay');
  if (req.method !== 'GET' || url.pathname !== '/stream') {
    res.writeHead(404).end();
    return;
  }
  const model = url.searchParams.get('m') ?? 'bench-10-0';
  const controller = new AbortController();
  const onClose = () => controller.abort();
  res.on('close', onClose);
  try {
    const response = await post(
      `${upstream}/v1/chat/completions`,
      { authorization: 'Bearer bench-key', 'content-type': 'application/json', accept: 'text/event-stream' },
      JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }], stream: true, stream_options: { include_usage: true } }),
      controller.signal,
    );
    if (response.statusCode !== 200) {
      let text = '';
      for await (const bytes of response) text += bytes;
      res.writeHead(502, { 'content-type': 'application/json' }).end(JSON.stringify({ status: response.statusCode, body: text }));
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const bytes of response) {
      buffer += decoder.decode(bytes, { stream: true });
      let start = 0;
      let end;
      while ((end = buffer.indexOf('\n', start)) !== -1) {
        const line = buffer.charCodeAt(end - 1) === 13 ? buffer.slice(start, end - 1) : buffer.slice(start, end);
        start = end + 1;
        if (!line.startsWith('data:')) continue;
        const data = line.slice(line.charCodeAt(5) === 32 ? 6 : 5);
        if (data === '[DONE]') continue;
        const content = JSON.parse(data).choices?.[0]?.delta?.content;
        if (content) res.write(`data: ${JSON.stringify({ content })}\n\n`);
      }
      buffer = buffer.slice(start);
    }
    res.end();
  } catch (error) {
    if (!controller.signal.aborted) {
      if (!res.headersSent) res.writeHead(502).end(String(error));
      else res.destroy();
    }
  } finally {
    res.off('close', onClose);
  }
}

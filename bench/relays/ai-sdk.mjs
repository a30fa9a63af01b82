// Relay: the AI SDK's own server side, as its docs show it for a Node server:
// `streamText({ model: createOpenAI({ baseURL }).chat(m), prompt }).pipeUIMessageStreamToResponse(res)`
// over plain node:http, on the same mock upstream (OpenAI Chat Completions) and load as the
// library's `ui-message` relay. The abort signal follows the client: the upstream request is
// aborted when the client goes away.
import http from 'node:http';
import { createOpenAI } from '@ai-sdk/openai';
import { streamText } from 'ai';
import { dieWithParent, fail, relayReady } from '../lib/ipc-child.mjs';

const upstream = process.env.UPSTREAM_URL;
if (!upstream) fail(new Error('UPSTREAM_URL is not set'));
const openai = createOpenAI({ apiKey: 'bench-key', baseURL: `${upstream}/v1` });

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://relay');
  if (req.method !== 'GET' || url.pathname !== '/stream') {
    res.writeHead(404).end();
    return;
  }
  const controller = new AbortController();
  res.on('close', () => controller.abort());
  const result = streamText({
    model: openai.chat(url.searchParams.get('m') ?? 'bench-10-0'),
    prompt: 'hi',
    abortSignal: controller.signal,
    maxRetries: 0,
    onError: () => undefined,
  });
  result.pipeUIMessageStreamToResponse(res);
});

dieWithParent();
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', 4096, () => relayReady(server.address().port));
server.on('error', fail);

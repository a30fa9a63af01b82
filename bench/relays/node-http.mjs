// Relay (c), the practical floor: plain node:http on both sides. For GET /stream?m=<model>
// it asks the upstream with http.request (a keep-alive agent), reads the SSE lines itself,
// and writes one `data:` line per token. The upstream request is aborted when the client
// goes away. (Reading the upstream with fetch instead costs about half as much again per
// token under many streams: WHATWG streams and undici's fetch layer.)
import http from 'node:http';
import { dieWithParent, fail, relayReady } from '../lib/ipc-child.mjs';
import { relay } from './node-http-relay.mjs';

dieWithParent();
const server = http.createServer((req, res) => void relay(req, res));
server.on('error', fail);
server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, () => relayReady(server.address().port));

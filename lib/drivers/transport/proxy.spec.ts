import { readFileSync } from 'node:fs';
import http, { createServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import net, { type AddressInfo, type Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Logger } from '@nestjs/common';
import { ConnectionException } from '../../errors/engine.exception.js';
import { createProviderTransport, mapProviderFailure, readEventStream, type ProviderTransport } from './provider-transport.js';
import { createProxyPlan, parseNoProxy, proxyEnvProblems } from './proxy.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', '__fixtures__');
const cert = readFileSync(join(FIXTURES, 'localhost-cert.pem'));
const key = readFileSync(join(FIXTURES, 'localhost-key.pem'));
const PASSWORD = 'pr0xy-S3CRET-pass';
const BASIC = `Basic ${Buffer.from(`alice:${PASSWORD}`).toString('base64')}`;
const context = { provider: 'openai', engine: 'openai', secrets: [] };

interface ProxyLog {
  kind: 'connect' | 'absolute';
  target: string;
  authorization?: string;
}

/**
 * A forward HTTP proxy on 127.0.0.1 written for the test: CONNECT opens a TCP tunnel to the
 * target, an absolute-form request is forwarded. With `requireAuth`, anything without the
 * right Proxy-Authorization is answered 407. `stall` accepts CONNECT and never answers.
 */
class TestProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  readonly log: ProxyLog[] = [];
  requireAuth = false;
  stall = false;
  port = 0;

  url(auth = true): string {
    return `http://${auth ? `alice:${encodeURIComponent(PASSWORD)}@` : ''}127.0.0.1:${this.port}`;
  }

  private allowed(req: IncomingMessage): boolean {
    return !this.requireAuth || req.headers['proxy-authorization'] === BASIC;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      this.log.push({ kind: 'absolute', target: req.url ?? '', authorization: req.headers['proxy-authorization'] });
      if (!this.allowed(req)) {
        res.writeHead(407, { 'proxy-authenticate': 'Basic realm="test"', 'content-type': 'text/plain' });
        res.end('proxy authentication required');
        return;
      }
      const target = new URL(req.url ?? '');
      const headers = { ...req.headers };
      delete headers['proxy-authorization'];
      const upstream = http.request(
        { host: target.hostname, port: target.port, path: target.pathname + target.search, method: req.method, headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
    });
    this.server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
      this.log.push({ kind: 'connect', target: req.url ?? '', authorization: req.headers['proxy-authorization'] });
      this.sockets.add(client);
      client.on('close', () => this.sockets.delete(client));
      if (this.stall) return;
      if (!this.allowed(req)) {
        client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test"\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      const [host, port] = (req.url ?? '').split(':');
      const upstream = net.connect(Number(port), host, () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        if (head.length > 0) upstream.write(head);
        upstream.pipe(client);
        client.pipe(upstream);
      });
      this.sockets.add(upstream);
      upstream.on('close', () => this.sockets.delete(upstream));
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
    });
    this.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server!.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}

/** An SSE endpoint (http and https) that echoes what it was sent, and what it saw of the headers. */
function sseHandler(seen: IncomingMessage['headers'][]) {
  return (req: IncomingMessage, res: http.ServerResponse) => {
    seen.push(req.headers);
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk));
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`data: ${JSON.stringify({ body, path: req.url })}\n\n`);
      setTimeout(() => res.end('data: [DONE]\n\n'), 5);
    });
  };
}

async function listen(server: Server | HttpsServer): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function close(server: Server | HttpsServer): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

async function events(transport: ProviderTransport, url: string): Promise<string[]> {
  const response = await transport.request(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"hi":1}' });
  const data: string[] = [];
  await readEventStream(response, ({ data: text }) => {
    if (text === '[DONE]') return false;
    data.push(text);
  });
  return data;
}

/** Everything an error says, its causes included, as text. */
function allText(error: unknown): string {
  const parts: string[] = [];
  for (let current = error, depth = 0; depth < 8 && typeof current === 'object' && current !== null; depth++) {
    parts.push(String((current as Error).message), String((current as Error).stack), JSON.stringify(current));
    current = (current as { cause?: unknown }).cause;
  }
  return parts.join('\n');
}

function withEnv<T>(vars: Record<string, string | undefined>, run: () => T): T {
  const names = ['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'NO_PROXY', 'no_proxy'];
  const saved = Object.fromEntries(names.map((name) => [name, process.env[name]]));
  for (const name of names) delete process.env[name];
  Object.assign(process.env, vars);
  try {
    return run();
  } finally {
    for (const name of names) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
  }
}

describe('provider transport through an HTTP proxy', () => {
  const proxy = new TestProxy();
  const seen: IncomingMessage['headers'][] = [];
  const plain = createServer(sseHandler(seen));
  const secure = createHttpsServer({ cert, key }, sseHandler(seen));
  let plainUrl = '';
  let secureUrl = '';
  const opened: ProviderTransport[] = [];
  const open = (options: Parameters<typeof createProviderTransport>[0]) => {
    const transport = createProviderTransport({ tls: { ca: cert }, ...options });
    opened.push(transport);
    return transport;
  };

  beforeAll(async () => {
    await proxy.start();
    plainUrl = `http://127.0.0.1:${await listen(plain)}/v1/chat/completions`;
    secureUrl = `https://127.0.0.1:${await listen(secure)}/v1/chat/completions`;
  });
  afterEach(() => {
    for (const transport of opened.splice(0)) transport.close();
    proxy.log.length = 0;
    seen.length = 0;
    proxy.requireAuth = false;
    proxy.stall = false;
  });
  afterAll(async () => {
    await proxy.stop();
    await close(plain);
    await close(secure);
  });

  it('tunnels https requests with CONNECT (TLS end to end, certificate checked), one tunnel per kept-alive connection', async () => {
    proxy.requireAuth = true;
    const transport = open({ proxy: proxy.url() });
    expect(await events(transport, secureUrl)).toEqual([JSON.stringify({ body: '{"hi":1}', path: '/v1/chat/completions' })]);
    expect(await events(transport, secureUrl)).toHaveLength(1);
    const port = new URL(secureUrl).port;
    expect(proxy.log).toEqual([{ kind: 'connect', target: `127.0.0.1:${port}`, authorization: BASIC }]);
    // the proxy's credentials go to the proxy only, never inside the tunnel
    expect(seen.every((headers) => headers['proxy-authorization'] === undefined)).toBe(true);
  });

  it('sends http requests to the proxy in absolute form, with Proxy-Authorization and the target Host', async () => {
    proxy.requireAuth = true;
    const transport = open({ proxy: proxy.url(), headers: { 'x-team': 'core' } });
    await events(transport, plainUrl);
    expect(proxy.log).toEqual([{ kind: 'absolute', target: plainUrl, authorization: BASIC }]);
    expect(seen[0]).toMatchObject({ host: new URL(plainUrl).host, 'x-team': 'core' });
  });

  it("proxy: 'env' takes HTTPS_PROXY / HTTP_PROXY, and NO_PROXY hosts go direct", async () => {
    const port = new URL(secureUrl).port;
    const viaEnv = withEnv({ HTTPS_PROXY: proxy.url(), HTTP_PROXY: proxy.url() }, () => open({ proxy: 'env' }));
    await events(viaEnv, secureUrl);
    await events(viaEnv, plainUrl);
    expect(proxy.log.map((entry) => entry.kind)).toEqual(['connect', 'absolute']);

    proxy.log.length = 0;
    seen.length = 0;
    const bypassing = withEnv({ https_proxy: proxy.url(), NO_PROXY: `example.test, 127.0.0.1:${port}` }, () => open({ proxy: 'env' }));
    await events(bypassing, secureUrl); // listed with its port: direct
    expect(proxy.log).toEqual([]);
    expect(seen).toHaveLength(1);

    // the option's own noProxy wins over NO_PROXY; 'env' without a variable is direct
    const own = withEnv({ HTTPS_PROXY: proxy.url(), NO_PROXY: '127.0.0.1' }, () => open({ proxy: 'env', noProxy: 'other.test' }));
    await events(own, secureUrl);
    expect(proxy.log).toHaveLength(1);
    const none = withEnv({}, () => open({ proxy: 'env' }));
    await events(none, secureUrl);
    expect(proxy.log).toHaveLength(1);
  });

  it('a proxy URL set on the engine is used without any environment variable; noProxy bypasses it', async () => {
    const direct = withEnv({}, () => open({ proxy: proxy.url(), noProxy: '127.0.0.1' }));
    await events(direct, plainUrl);
    expect(proxy.log).toEqual([]);
    const through = withEnv({ NO_PROXY: '*' }, () => open({ proxy: proxy.url() })); // NO_PROXY is only read with 'env'
    await events(through, plainUrl);
    expect(proxy.log).toHaveLength(1);
  });

  it.each([
    ['https (CONNECT)', () => secureUrl],
    ['http (absolute form)', () => plainUrl],
  ])('a 407 from the proxy over %s is a ConnectionException, not retried, that never shows the credentials', async (_name, url) => {
    proxy.requireAuth = true;
    const lines: string[] = [];
    const logger = {
      log: (m: unknown) => lines.push(String(m)),
      error: (m: unknown) => lines.push(String(m)),
      warn: (m: unknown) => lines.push(String(m)),
      debug: () => {},
      verbose: () => {},
    };
    Logger.overrideLogger(logger);
    try {
      const wrongPassword = `http://alice:${encodeURIComponent(`${PASSWORD}-wrong`)}@127.0.0.1:${proxy.port}`;
      const transport = open({ proxy: wrongPassword });
      const failure = await events(transport, url()).catch((e: unknown) => e);
      const error = mapProviderFailure(failure, context, () => ({}));
      expect(error).toBeInstanceOf(ConnectionException);
      expect(error?.retryable).toBe(false);
      expect(error?.message).toContain(`127.0.0.1:${proxy.port}`);
      expect(error?.message).toContain('407');
      const text = allText(error) + allText(failure) + lines.join('\n');
      expect(text).not.toContain(PASSWORD);
      expect(text).not.toContain(Buffer.from(`alice:${PASSWORD}-wrong`).toString('base64'));
      expect(seen).toEqual([]); // the provider never saw the request
    } finally {
      Logger.overrideLogger(false);
      Logger.overrideLogger(['log', 'error', 'warn']);
    }
  });

  it('a proxy that is down is a retryable ConnectionException naming no credentials', async () => {
    const dead = net.createServer();
    const port = await new Promise<number>((resolve) => dead.listen(0, '127.0.0.1', () => resolve((dead.address() as AddressInfo).port)));
    await new Promise<void>((resolve) => dead.close(() => resolve()));
    const transport = open({ proxy: `http://alice:${PASSWORD}@127.0.0.1:${port}` });
    const failure = await events(transport, secureUrl).catch((e: unknown) => e);
    const error = mapProviderFailure(failure, context, () => ({}));
    expect(error).toBeInstanceOf(ConnectionException);
    expect(error?.retryable).toBe(true);
    expect(error?.message).toContain('ECONNREFUSED');
    expect(allText(error)).not.toContain(PASSWORD);
  });

  it('timeout.connectMs fails a tunnel the proxy never opens, and a TLS handshake that never ends', async () => {
    proxy.stall = true;
    const stalled = open({ proxy: proxy.url(), timeout: { connectMs: 150 } });
    const started = Date.now();
    const error = mapProviderFailure(await events(stalled, secureUrl).catch((e: unknown) => e), context, () => ({}));
    expect(error).toBeInstanceOf(ConnectionException);
    expect(error?.message).toContain('timeout.connectMs');
    expect(Date.now() - started).toBeLessThan(2000);

    // a server that takes the TCP connection and never speaks TLS
    const held = new Set<Socket>();
    const silent = net.createServer((socket) => held.add(socket));
    const port = await new Promise<number>((resolve) => silent.listen(0, '127.0.0.1', () => resolve((silent.address() as AddressInfo).port)));
    try {
      const direct = open({ timeout: { connectMs: 150 } });
      const handshake = mapProviderFailure(await events(direct, `https://127.0.0.1:${port}/v1`).catch((e: unknown) => e), context, () => ({}));
      expect(handshake?.message).toContain('timeout.connectMs');
    } finally {
      for (const socket of held) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it('timeout.responseMs fails a request whose answer never comes; a kept-alive connection is not held to connectMs', async () => {
    const quiet = createServer(() => undefined); // reads the request, never answers
    const port = await listen(quiet);
    try {
      const transport = open({ timeout: { responseMs: 150, connectMs: 100 } });
      const error = mapProviderFailure(await events(transport, `http://127.0.0.1:${port}/v1`).catch((e: unknown) => e), context, () => ({}));
      expect(error).toBeInstanceOf(ConnectionException);
      expect(error?.message).toContain('timeout.responseMs');
      expect(error?.retryable).toBe(true);
      // an answer slower than connectMs but within responseMs is fine, on new and reused connections
      const slow = createServer((req, res) => setTimeout(() => sseHandler(seen)(req, res), 150));
      const slowPort = await listen(slow);
      const patient = open({ timeout: { responseMs: 2000, connectMs: 100 } });
      expect(await events(patient, `http://127.0.0.1:${slowPort}/v1`)).toHaveLength(1);
      expect(await events(patient, `http://127.0.0.1:${slowPort}/v1`)).toHaveLength(1);
      await close(slow);
    } finally {
      await close(quiet);
    }
  });

  it.each(['openai', 'claude', 'gemini'] as const)(
    'the %s engine sends its requests through the proxy its config names, with its timeout',
    async (provider) => {
      const { createOpenAIDriver } = await import('../openai/openai.driver.js');
      const { createClaudeDriver } = await import('../claude/claude.driver.js');
      const { createGeminiDriver } = await import('../gemini/gemini.driver.js');
      const quiet = createServer(() => undefined); // takes the request, never answers: the engine's timeout.responseMs ends it
      const port = await listen(quiet);
      const config = { apiKey: 'sk-engine-key-0123456789', baseURL: `http://127.0.0.1:${port}`, proxy: proxy.url(), timeout: { responseMs: 200 } };
      const create = { openai: createOpenAIDriver, claude: createClaudeDriver, gemini: createGeminiDriver }[provider];
      const driver = await create(provider, config);
      try {
        const error = await new Promise<unknown>((resolve) =>
          driver
            .stream({ messages: [{ role: 'user', content: 'hi' }], options: { model: 'm' } })
            .subscribe({ error: resolve, complete: () => resolve(undefined) }),
        );
        expect(error).toBeInstanceOf(ConnectionException);
        expect((error as Error).message).toContain('timeout.responseMs');
        expect(proxy.log).toEqual([{ kind: 'absolute', target: expect.stringContaining(`http://127.0.0.1:${port}/`), authorization: BASIC }]);
        expect(allText(error)).not.toContain(PASSWORD);
      } finally {
        driver.close();
        await close(quiet);
      }
    },
  );

  it('agent: every request goes over the caller’s own agent', async () => {
    let created = 0;
    class CountingAgent extends http.Agent {
      override createConnection(...args: Parameters<http.Agent['createConnection']>) {
        created++;
        return super.createConnection(...args);
      }
    }
    const agent = new CountingAgent({ keepAlive: true });
    try {
      const transport = open({ agent });
      await events(transport, plainUrl);
      await events(transport, plainUrl);
      expect(created).toBe(1);
      expect(proxy.log).toEqual([]);
    } finally {
      agent.destroy();
    }
  });
});

describe('proxy settings', () => {
  it('parses NO_PROXY lists: names match their subdomains, ports, IP literals, *', () => {
    const plan = createProxyPlan({ proxy: 'http://127.0.0.1:1', noProxy: 'internal.example, .corp.test *.svc  10.0.0.5:8080,[::1]' })!;
    const through = (url: string) => plan.forUrl(new URL(url)) !== undefined;
    expect(through('https://api.openai.com/v1')).toBe(true);
    expect(through('https://internal.example/v1')).toBe(false);
    expect(through('https://a.b.internal.example/v1')).toBe(false);
    expect(through('https://notinternal.example/v1')).toBe(true);
    expect(through('https://x.corp.test/v1')).toBe(false);
    expect(through('https://corp.test/v1')).toBe(false);
    expect(through('http://10.0.0.5:8080/v1')).toBe(false);
    expect(through('http://10.0.0.5:8081/v1')).toBe(true);
    expect(through('http://[::1]:11434/v1')).toBe(false);
    expect(createProxyPlan({ proxy: 'http://127.0.0.1:1', noProxy: '*' })!.forUrl(new URL('https://any.example'))).toBeUndefined();
    expect(parseNoProxy('')).toEqual([]);
  });

  it("names the variable 'env' could not use, never its value", () => {
    const problems = withEnv({ HTTPS_PROXY: `socks5://bob:${PASSWORD}@127.0.0.1:1080`, http_proxy: 'not a url' }, () => proxyEnvProblems());
    expect(problems).toEqual([expect.stringMatching(/^HTTPS_PROXY must be an http:\/\/ proxy URL/), 'http_proxy is not a URL']);
    expect(problems.join(' ')).not.toContain(PASSWORD);
    expect(() => withEnv({ HTTPS_PROXY: 'ftp://x' }, () => createProxyPlan({ proxy: 'env' }))).toThrow(/HTTPS_PROXY must be an http:\/\/ proxy URL/);
  });
});

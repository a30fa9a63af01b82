import http from 'node:http';
import https from 'node:https';
import { isIP, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';

/**
 * HTTP proxies for the provider transport: `CONNECT` tunnels for https targets, absolute-form
 * requests for http ones, `NO_PROXY` rules, and credentials kept out of every message (a
 * proxy is named by `host:port` only).
 */

/** A proxy to send requests through. */
export interface ProxyEndpoint {
  readonly hostname: string;
  readonly port: number;
  /** `Proxy-Authorization` value (`Basic …`) from the URL's user info, if any. */
  readonly authorization?: string;
  /** `host:port`: how errors name the proxy (never with its credentials). */
  readonly label: string;
}

/** Which proxy, if any, a request to a URL goes through. */
export interface ProxyPlan {
  forUrl(url: URL): ProxyEndpoint | undefined;
}

/** An error of the transport with a code the network-error classifier knows. */
export function transportError(code: string, message: string): Error & { code: string } {
  return Object.assign(new Error(message), { code });
}

/** Why a proxy URL is refused, or undefined when it is usable (`http://[user:pass@]host[:port]`). */
export function proxyUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'is not a URL';
  }
  if (url.protocol !== 'http:') return 'must be an http:// proxy URL (https:// and socks proxies are not supported)';
  if (!url.hostname) return 'has no host';
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) return 'must be only http://[user:password@]host[:port]';
  return undefined;
}

/** Parses a proxy URL checked by `proxyUrlProblem()`. */
export function proxyEndpoint(value: string): ProxyEndpoint {
  const url = new URL(value);
  const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const port = url.port ? Number(url.port) : 80;
  const user = decodeURIComponent(url.username);
  const password = decodeURIComponent(url.password);
  return {
    hostname,
    port,
    label: `${url.hostname}:${port}`,
    ...(user || password ? { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` } : {}),
  };
}

interface NoProxyRule {
  /** A host name (any subdomain matches too) or an IP literal, lower case; '*' matches every host. */
  host: string;
  port?: number;
}

/**
 * Parses a `NO_PROXY` list: entries separated by commas or spaces, each a host name (its
 * subdomains match too; a leading `.` or `*.` is allowed), an IP literal, optionally `:port`,
 * or `*` (no proxy at all). IP ranges (CIDR) are not supported.
 */
export function parseNoProxy(list: string | undefined): NoProxyRule[] {
  if (!list) return [];
  return list
    .split(/[\s,]+/)
    .filter(Boolean)
    .map((entry) => {
      let host = entry.toLowerCase();
      let port: number | undefined;
      const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(host);
      if (bracket) {
        host = bracket[1];
        port = bracket[2] ? Number(bracket[2]) : undefined;
      } else if (isIP(host) !== 6) {
        const colon = /^(.*):(\d+)$/.exec(host);
        if (colon) {
          host = colon[1];
          port = Number(colon[2]);
        }
      }
      host = host.replace(/^\*?\./, '');
      return { host, ...(port !== undefined ? { port } : {}) };
    });
}

function bypasses(rules: readonly NoProxyRule[], url: URL): boolean {
  if (rules.length === 0) return false;
  const host = (url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname).toLowerCase();
  const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  return rules.some((rule) => {
    if (rule.host === '*') return true;
    if (rule.port !== undefined && rule.port !== port) return false;
    if (isIP(host) !== 0 || isIP(rule.host) !== 0) return host === rule.host;
    return host === rule.host || host.endsWith(`.${rule.host}`);
  });
}

/** The environment variables `proxy: 'env'` reads, lower case first (as curl does). */
export function proxyEnv(env: NodeJS.ProcessEnv = process.env): { http?: string; https?: string; noProxy?: string; names: { http?: string; https?: string } } {
  const pick = (lower: string) => {
    const upper = lower.toUpperCase();
    if (env[lower]) return { name: lower, value: env[lower] };
    if (env[upper]) return { name: upper, value: env[upper] };
    return undefined;
  };
  const httpProxy = pick('http_proxy');
  const httpsProxy = pick('https_proxy');
  return {
    http: httpProxy?.value,
    https: httpsProxy?.value,
    noProxy: pick('no_proxy')?.value,
    names: { http: httpProxy?.name, https: httpsProxy?.name },
  };
}

/** What the `proxy` option asks for: a URL, `'env'`, or nothing. */
export interface ProxySetting {
  /** `http://[user:pass@]host:port`, or `'env'`: `HTTPS_PROXY` for https targets, `HTTP_PROXY` for http ones. */
  proxy?: string | false;
  /** Hosts reached directly, `NO_PROXY` syntax; with `proxy: 'env'` the `NO_PROXY` variable is used when this is absent. */
  noProxy?: string;
}

/**
 * Why the environment `proxy: 'env'` reads is unusable (naming the variable, never its
 * value), or an empty list.
 */
export function proxyEnvProblems(env: NodeJS.ProcessEnv = process.env): string[] {
  const found = proxyEnv(env);
  const problems: string[] = [];
  for (const kind of ['https', 'http'] as const) {
    const value = found[kind];
    const problem = value === undefined ? undefined : proxyUrlProblem(value);
    if (problem) problems.push(`${found.names[kind]} ${problem}`);
  }
  return problems;
}

/** The proxy plan of a setting; undefined when every request goes direct. The environment is read once, here. */
export function createProxyPlan(setting: ProxySetting, env: NodeJS.ProcessEnv = process.env): ProxyPlan | undefined {
  if (!setting.proxy) return undefined;
  let byProtocol: { 'http:'?: ProxyEndpoint; 'https:'?: ProxyEndpoint };
  let noProxy = setting.noProxy;
  if (setting.proxy === 'env') {
    const found = proxyEnv(env);
    const problems = proxyEnvProblems(env);
    if (problems.length > 0) throw new Error(`proxy 'env': ${problems.join('; ')}`);
    byProtocol = {
      ...(found.http ? { 'http:': proxyEndpoint(found.http) } : {}),
      ...(found.https ? { 'https:': proxyEndpoint(found.https) } : {}),
    };
    noProxy ??= found.noProxy;
    if (!byProtocol['http:'] && !byProtocol['https:']) return undefined;
  } else {
    const problem = proxyUrlProblem(setting.proxy);
    if (problem) throw new Error(`proxy ${problem}`);
    const endpoint = proxyEndpoint(setting.proxy);
    byProtocol = { 'http:': endpoint, 'https:': endpoint };
  }
  const rules = parseNoProxy(noProxy);
  return {
    forUrl(url) {
      const endpoint = byProtocol[url.protocol as 'http:' | 'https:'];
      return endpoint && !bypasses(rules, url) ? endpoint : undefined;
    },
  };
}

/** Options of a tunnelling agent. */
export interface TunnelAgentOptions extends https.AgentOptions {
  /** Most ms for the proxy to open the tunnel and the TLS handshake through it. */
  connectMs?: number;
}

/**
 * A keep-alive `https.Agent` whose connections are `CONNECT` tunnels through an HTTP proxy,
 * TLS running end to end with the target inside. Tunnels are pooled per target like any
 * socket of the agent. A proxy that refuses (any status but 2xx) fails the request with
 * `ERR_PROXY_TUNNEL` (`ERR_PROXY_AUTH` for 407), naming the proxy by host and port only.
 */
export class TunnelAgent extends https.Agent {
  constructor(
    private readonly proxy: ProxyEndpoint,
    private readonly tunnelOptions: TunnelAgentOptions = {},
  ) {
    super(tunnelOptions);
  }

  override createConnection(
    options: https.RequestOptions & { servername?: string },
    callback?: (error: Error | null, socket: Duplex) => void,
  ): Duplex | undefined {
    const done = callback ?? (() => undefined);
    const host = String(options.host ?? options.hostname ?? 'localhost');
    const port = Number(options.port ?? 443);
    const authority = `${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
    const proxy = this.proxy;
    let finished = false;
    const finish = (error: Error | null, socket?: Socket) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      done(error, socket as Duplex);
    };
    const connect = http.request({
      host: proxy.hostname,
      port: proxy.port,
      method: 'CONNECT',
      path: authority,
      headers: { host: authority, ...(proxy.authorization ? { 'proxy-authorization': proxy.authorization } : {}) },
      agent: false,
    });
    const limit = this.tunnelOptions.connectMs;
    const timer =
      limit === undefined
        ? undefined
        : setTimeout(() => {
            const error = transportError('ERR_CONNECT_TIMEOUT', `the proxy ${proxy.label} opened no tunnel within ${limit} ms`);
            connect.destroy(error);
            finish(error);
          }, limit);
    connect.once('error', (error) => finish(error));
    connect.once('response', (response) => {
      // a proxy that answers CONNECT with a body of its own (e.g. 407 with a page)
      response.resume();
      connect.destroy();
      finish(tunnelRefused(proxy, response.statusCode ?? 0));
    });
    connect.once('connect', (response, socket, head) => {
      const status = response.statusCode ?? 0;
      if (status < 200 || status > 299) {
        socket.destroy();
        finish(tunnelRefused(proxy, status));
        return;
      }
      if (head.length > 0) socket.unshift(head);
      const secure = tls.connect({
        socket,
        host,
        servername: options.servername || (isIP(host) === 0 ? host : undefined),
        ca: this.tunnelOptions.ca,
        rejectUnauthorized: options.rejectUnauthorized ?? true,
        ALPNProtocols: ['http/1.1'],
      });
      secure.once('secureConnect', () => {
        secure.removeListener('error', onTlsError);
        finish(null, secure);
      });
      const onTlsError = (error: Error) => {
        secure.destroy();
        finish(error);
      };
      secure.once('error', onTlsError);
    });
    connect.end();
    return undefined;
  }
}

function tunnelRefused(proxy: ProxyEndpoint, status: number): Error {
  return status === 407
    ? transportError('ERR_PROXY_AUTH', `the proxy ${proxy.label} refused the credentials (HTTP 407)`)
    : transportError('ERR_PROXY_TUNNEL', `the proxy ${proxy.label} refused to open a tunnel (HTTP ${status})`);
}

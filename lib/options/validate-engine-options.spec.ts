import 'reflect-metadata';
import http from 'node:http';
import https from 'node:https';
import { OfflineDriver } from '../drivers/offline/offline.driver.js';
import type { BuppleEngineModuleOptions } from '../bupple-engine.module-options.js';
import { EngineConfigurationException, validateEngineOptions } from './validate-engine-options.js';

const SECRET = 'sk-test-0123456789abcdefSECRET';

function problemsOf(options: unknown): string[] {
  try {
    validateEngineOptions(options as BuppleEngineModuleOptions);
  } catch (error) {
    expect(error).toBeInstanceOf(EngineConfigurationException);
    expect((error as Error).message).not.toContain(SECRET);
    return (error as EngineConfigurationException).problems;
  }
  return [];
}

describe('validateEngineOptions', () => {
  it('accepts a complete configuration', () => {
    expect(
      problemsOf({
        engine: {
          default: 'claude',
          openai: { apiKey: SECRET, baseURL: 'http://localhost:11434/v1', model: 'llama3', temperature: 0.2, maxTokens: 100, organization: 'org' },
          claude: { apiKey: SECRET },
          gemini: { apiKey: SECRET, projectId: 'p' },
          offline: true,
          drivers: { mine: new OfflineDriver('mine') },
          fallback: ['gemini', 'mine'],
          retry: { maxRetries: 3, afterContent: 'restart' },
          timeout: { firstByteMs: 1000, idleMs: 1000 },
        },
        sse: { retryMs: 1000 },
        isGlobal: true,
      }),
    ).toEqual([]);
  });

  it('names every bad option path in one error, without echoing values', () => {
    const problems = problemsOf({
      engine: {
        default: 'gpt',
        openai: { apiKey: '', temperature: 3, baseURL: `not a url ${SECRET}` },
        claude: { apiKey: SECRET, maxTokens: 0 },
        gemini: { model: 'gemini-2.5-flash' },
        opneai: { apiKey: SECRET },
        fallback: ['nope'],
        retry: { maxRetries: -1, afterContent: 'sometimes' },
      },
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        'engine.openai.apiKey: is required (a non-empty string) (e.g. process.env.OPENAI_API_KEY)',
        'engine.openai.temperature: must be a number from 0 to 2',
        'engine.openai.baseURL: must be an http(s) URL',
        'engine.claude.maxTokens: must be a positive integer',
        'engine.gemini.apiKey: is required (a non-empty string) (e.g. process.env.GEMINI_API_KEY)',
        'engine.opneai: is not a known option',
        'engine.retry.maxRetries: must be an integer from 0 to 10',
        "engine.retry.afterContent: must be 'error' or 'restart'",
        expect.stringMatching(/^engine\.default: "gpt" is not a configured engine; use one of openai, claude, gemini/),
        expect.stringMatching(/^engine\.fallback\[0\]: "nope" is not a configured engine/),
      ]),
    );
    expect(problems).toHaveLength(10);
    // the library reads no environment variable: its errors name none of the sample's
    expect(problems.join('\n')).not.toMatch(/BUPPLE_/);
  });

  it('checks the provider transport settings and the OpenAI structured-output mode', () => {
    expect(
      problemsOf({
        engine: {
          openai: { apiKey: SECRET, structuredOutput: 'xml', maxEventLength: 10, headers: { 'x-ok': 'yes', 'bad name': 'v' } },
          claude: { apiKey: SECRET, headers: { 'x-a': 'line\nbreak' } },
        },
      }),
    ).toEqual(
      expect.arrayContaining([
        "engine.openai.structuredOutput: must be 'json_schema', 'json_object' or 'prompt'",
        'engine.openai.maxEventLength: must be an integer from 1024 to 536870888 (characters)',
        'engine.openai.headers: must be an object of header names to string values (no CR, LF or NUL)',
        'engine.claude.headers: must be an object of header names to string values (no CR, LF or NUL)',
      ]),
    );
    expect(
      problemsOf({ engine: { openai: { apiKey: SECRET, structuredOutput: 'json_object', maxEventLength: 1 << 20, headers: { 'x-team': 'a' } } } }),
    ).toEqual([]);
    // Azure OpenAI: an api-version, and the resource endpoint as baseURL
    expect(problemsOf({ engine: { openai: { apiKey: SECRET, azure: { deployment: 'd' } } } })).toEqual(
      expect.arrayContaining([
        "engine.openai.azure.apiVersion: is required (e.g. '2024-10-21')",
        'engine.openai.azure: needs baseURL: the resource endpoint, e.g. https://my-resource.openai.azure.com',
      ]),
    );
    expect(problemsOf({ engine: { openai: { apiKey: SECRET, baseURL: 'https://r.openai.azure.com', azure: { apiVersion: '2024-10-21' } } } })).toEqual([]);
  });

  it('checks proxy, noProxy, agent and the per-engine timeout, naming the option and never the proxy password', () => {
    const proxyPassword = 'pr0xy-pa55word';
    expect(
      problemsOf({
        engine: {
          openai: { apiKey: SECRET, proxy: `socks5://bob:${proxyPassword}@proxy.example:1080`, timeout: { connectMs: 0, responseMs: 1.5 } },
          claude: { apiKey: SECRET, proxy: true, noProxy: 42, agent: { keepAlive: true } },
          gemini: { apiKey: SECRET, agent: new http.Agent(), proxy: 'http://proxy.example:3128' },
        },
      }),
    ).toEqual([
      "engine.openai.proxy: must be 'env', false or 'http://[user:password@]host:port' (the value given must be an http:// proxy URL (https:// and socks proxies are not supported))",
      'engine.openai.timeout.connectMs: must be an integer ≥ 1 (ms)',
      'engine.openai.timeout.responseMs: must be an integer ≥ 1 (ms)',
      "engine.claude.proxy: must be 'env', false or 'http://[user:password@]host:port'",
      "engine.claude.noProxy: must be a NO_PROXY list, e.g. 'localhost,.internal.example,10.0.0.5:8080'",
      'engine.claude.agent: must be an http.Agent or an https.Agent instance',
      'engine.gemini.agent: set proxy or agent, not both (an agent of yours makes its own connections)',
      'engine.gemini.agent: is an http.Agent but the endpoint is https: (give an https.Agent)',
    ]);
    expect(
      problemsOf({
        engine: {
          openai: {
            apiKey: SECRET,
            proxy: `http://bob:${proxyPassword}@proxy.example:3128`,
            noProxy: 'localhost,.internal',
            timeout: { connectMs: 5000, responseMs: 30000 },
          },
          claude: { apiKey: SECRET, agent: new https.Agent({ keepAlive: true }) },
          gemini: { apiKey: SECRET, baseURL: 'http://127.0.0.1:8080', agent: new http.Agent(), proxy: false },
        },
      }),
    ).toEqual([]);
    // proxy: 'env' reads the environment at startup, and names the variable it could not use
    const saved = process.env.HTTPS_PROXY;
    process.env.HTTPS_PROXY = `https://bob:${proxyPassword}@proxy.example:3128`;
    try {
      const problems = problemsOf({ engine: { openai: { apiKey: SECRET, proxy: 'env' } } });
      expect(problems).toEqual(["engine.openai.proxy: 'env', but HTTPS_PROXY must be an http:// proxy URL (https:// and socks proxies are not supported)"]);
      expect(problems.join('')).not.toContain(proxyPassword);
    } finally {
      if (saved === undefined) delete process.env.HTTPS_PROXY;
      else process.env.HTTPS_PROXY = saved;
    }
  });

  it('requires at least one engine, and the engine section itself', () => {
    expect(problemsOf({ engine: {} })).toEqual(['engine: configure at least one engine (openai, claude, gemini, offline or drivers)']);
    expect(problemsOf({})[0]).toMatch(/^engine: is required/);
  });

  it('leaves driver instances alone (class-transformer must not rebuild them)', () => {
    class NeedsArguments extends OfflineDriver {
      constructor(config: { model: string }) {
        super('needs', { model: config.model });
      }
    }
    expect(problemsOf({ engine: { drivers: { needs: new NeedsArguments({ model: 'm' }) } } })).toEqual([]);
  });

  it('checks offline settings and custom drivers', () => {
    expect(problemsOf({ engine: { offline: { tokenDelayMs: -5, chunks: [1] }, drivers: { bad: {} } } })).toEqual(
      expect.arrayContaining([
        'engine.offline.tokenDelayMs: must be an integer ≥ 0 (ms)',
        'engine.offline.chunks: must be an array of strings',
        'engine.drivers.bad: must implement EngineDriver (a stream() method)',
      ]),
    );
  });
});

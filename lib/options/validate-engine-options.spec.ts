import 'reflect-metadata';
import { OfflineDriver } from '../drivers/offline/offline.driver.js';
import type { BuppleEngineModuleOptions } from '../interfaces/engine-module-options.interface.js';
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

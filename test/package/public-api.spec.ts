import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The root entry exports what an app uses, at most 50 names (values and types, counted by the
 * TypeScript checker: `node scripts/public-api.mjs`); store and driver authors' helpers and the
 * specialised pieces have their own entry points (docs/api.md). No name the root exported in
 * 0.1.0 (test/package/root-names-0.1.0.json, 233 names) is lost: each is exported by some entry.
 */
const root = join(import.meta.dirname, '..', '..');
const ROOT_NAMES = [
  // module and options
  'BuppleEngineModule',
  'BuppleEngineModuleExtras',
  'BuppleEngineModuleOptions',
  'ENGINE_MODULE_OPTIONS',
  'EngineHttpOptions',
  'EngineOptions',
  'OpenAIEngineConfig',
  'ClaudeEngineConfig',
  'GeminiEngineConfig',
  'OfflineEngineConfig',
  // services
  'EngineService',
  'Engine',
  'MemoryService',
  'Conversation',
  'SseStreams',
  // decorators, filter, guard, server settings, helpers
  'SseStream',
  'Tool',
  'EngineExceptionFilter',
  'JsonLimitsGuard',
  'applyRequestTimeouts',
  'tool',
  'jsonSchema',
  // errors
  'EngineException',
  'AuthenticationException',
  'RateLimitException',
  'ValidationException',
  'ConnectionException',
  'ProviderOverloadedException',
  'ContentFilterException',
  'ProviderServerException',
  'EngineConfigurationException',
  // messages, options, chunks, answers
  'EngineMessage',
  'EngineCallOptions',
  'RetryOptions',
  'TimeoutOptions',
  'EngineChunk',
  'EngineResponse',
  'EngineUsage',
  'EngineWarning',
  'FinishReason',
  'ToolCall',
  'ToolResult',
  'ToolDefinition',
  'ToolSet',
  'ToolExecutionContext',
  'ObjectResult',
  'ConversationMessage',
  'SseRequest',
  'SseStreamOptions',
  'EngineFinishInfo',
];

let exported: Record<string, string[]>;

beforeAll(() => {
  exported = JSON.parse(execFileSync(process.execPath, [join(root, 'scripts', 'public-api.mjs'), '--json'], { cwd: root, encoding: 'utf8' }));
}, 60_000);

describe('the public API', () => {
  it('the root exports the app-facing names, at most 50', () => {
    expect(exported['.']).toEqual([...ROOT_NAMES].sort());
    expect(exported['.'].length).toBeLessThanOrEqual(50);
  });

  it('every name the root exported in 0.1.0 is still exported by some entry point', () => {
    const before: string[] = JSON.parse(readFileSync(join(root, 'test', 'package', 'root-names-0.1.0.json'), 'utf8'));
    expect(before.length).toBe(233);
    const all = new Set(Object.values(exported).flat());
    expect(before.filter((name) => !all.has(name))).toEqual([]);
  });

  it('has the memory and drivers entry points, with the store and driver authors’ helpers', () => {
    expect(exported['./memory']).toEqual(
      expect.arrayContaining([
        'ConversationStore',
        'assertValidKey',
        'assertValidId',
        'prepareMessage',
        'DEFAULT_TABLE_NAME',
        'DEFAULT_REDIS_KEY_PREFIX',
        'ConversationLike',
      ]),
    );
    expect(exported['./drivers']).toEqual(
      expect.arrayContaining([
        'EngineDriver',
        'DriverRequest',
        'DriverStreamPart',
        'createOpenAIDriver',
        'OfflineDriver',
        'TextPart',
        // the provider transport, for a driver of a provider that streams SSE (docs/extending.md)
        'createProviderTransport',
        'readEventStream',
        'mapProviderFailure',
        'ProviderTransport',
        'ProviderErrorBodyReader',
        'ProviderErrorContext',
      ]),
    );
    for (const name of ['assertValidKey', 'prepareMessage', 'DriverStreamPart', 'EngineDriver', 'createProviderTransport'])
      expect(exported['.']).not.toContain(name);
  });

  it('docs/api.md lists every name of every entry point, under its entry', () => {
    const sections = readFileSync(join(root, 'docs', 'api.md'), 'utf8').split(/^## /m);
    const missing: string[] = [];
    for (const [entry, names] of Object.entries(exported)) {
      const specifier = `\`@bupple/nestjs-ai-engine${entry.slice(1)}\`:`;
      const section = sections.find((text) => text.includes(specifier));
      if (!section) missing.push(`${entry}: no section`);
      else missing.push(...names.filter((name) => !section.includes(`\`${name}\``)).map((name) => `${entry}: ${name}`));
    }
    // a name added to an entry point: `node scripts/public-api.mjs --docs` lists it (then describe it)
    expect({ missing, fix: missing.length > 0 ? 'node scripts/public-api.mjs --docs' : undefined }).toEqual({ missing: [], fix: undefined });
  });

  it('the built entry points load in both formats, with the same values, one class per build across entries', () => {
    const script = `
      const entries = ${JSON.stringify(Object.keys(exported))};
      const dir = (e) => (e === '.' ? '' : e.slice(2) + '/');
      const cjs = Object.fromEntries(entries.map((e) => [e, require('./dist/cjs/' + dir(e) + 'index.js')]));
      Promise.all(entries.map((e) => import('./dist/' + dir(e) + 'index.js'))).then((loaded) => {
        const esm = Object.fromEntries(entries.map((e, i) => [e, loaded[i]]));
        const problems = [];
        for (const e of entries) {
          const a = Object.keys(cjs[e]).filter((k) => k !== '__esModule' && k !== 'default').sort();
          const b = Object.keys(esm[e]).sort();
          if (JSON.stringify(a) !== JSON.stringify(b)) problems.push(e + ': CommonJS ' + a.join(',') + ' vs ESM ' + b.join(','));
          for (const [build, mods] of [['cjs', cjs], ['esm', esm]]) {
            for (const name of Object.keys(mods[e])) if (name in mods['.'] && mods[e][name] !== mods['.'][name]) problems.push(build + ' ' + e + ': ' + name + ' is another copy than the root one');
          }
        }
        console.log(JSON.stringify({ problems, values: Object.fromEntries(entries.map((e) => [e, Object.keys(esm[e]).length])) }));
      });
    `;
    const result = JSON.parse(execFileSync(process.execPath, ['--input-type=commonjs', '-e', script], { cwd: root, encoding: 'utf8' }));
    expect(result.problems).toEqual([]);
    for (const entry of Object.keys(exported)) expect(result.values[entry]).toBeGreaterThan(0);
  }, 60_000);
});

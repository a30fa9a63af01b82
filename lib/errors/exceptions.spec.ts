import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import * as errors from './index.js';
import { EngineException } from './engine.exception.js';
import { engineErrorStatus, toHttpException } from './engine-http.js';

const lib = join(process.cwd(), 'lib');

/** Every exception class the library exports, its code and the HTTP status it carries. */
const EXPECTED: Record<string, { code: string; status: number; make: () => EngineException }> = {
  EngineException: { code: 'engine_error', status: 502, make: () => new errors.EngineException('m') },
  AuthenticationException: { code: 'authentication', status: 502, make: () => new errors.AuthenticationException('m') },
  RateLimitException: { code: 'rate_limit', status: 429, make: () => new errors.RateLimitException('m', { retryAfter: 2000 }) },
  ValidationException: { code: 'invalid_request', status: 400, make: () => new errors.ValidationException('m') },
  ConnectionException: { code: 'connection', status: 504, make: () => new errors.ConnectionException('m') },
  ProviderOverloadedException: { code: 'overloaded', status: 503, make: () => new errors.ProviderOverloadedException('m') },
  ContentFilterException: { code: 'content_filter', status: 422, make: () => new errors.ContentFilterException('m') },
  ProviderServerException: { code: 'provider_error', status: 502, make: () => new errors.ProviderServerException('m') },
  ProviderStreamLimitException: { code: 'stream_limit', status: 502, make: () => new errors.ProviderStreamLimitException('m') },
  UnknownEngineException: { code: 'unknown_engine', status: 400, make: () => new errors.UnknownEngineException('m', ['openai']) },
  MissingPackageException: { code: 'missing_package', status: 500, make: () => new errors.MissingPackageException('m') },
  DeltaTooLargeException: { code: 'delta_too_large', status: 502, make: () => new errors.DeltaTooLargeException('m') },
  SchemaConversionException: { code: 'invalid_schema', status: 500, make: () => new errors.SchemaConversionException('m', ['A.b']) },
  ObjectValidationException: {
    code: 'object_validation',
    status: 502,
    make: () => new errors.ObjectValidationException('m', [{ path: 'a', message: 'must be a string' }]),
  },
  EngineConfigurationException: { code: 'invalid_configuration', status: 500, make: () => new errors.EngineConfigurationException(['engine: is required']) },
  MemoryException: { code: 'memory_error', status: 500, make: () => new errors.MemoryException('m') },
  MemoryConnectionException: { code: 'memory_connection', status: 503, make: () => new errors.MemoryConnectionException('m') },
  MemoryStorageException: { code: 'memory_storage', status: 500, make: () => new errors.MemoryStorageException('m') },
  MemoryValidationException: { code: 'memory_invalid', status: 400, make: () => new errors.MemoryValidationException('m') },
  ToolDefinitionException: { code: 'invalid_tool', status: 400, make: () => new errors.ToolDefinitionException('m', 'add') },
  TooManyStreamsException: { code: 'too_many_streams', status: 429, make: () => new errors.TooManyStreamsException(2, 5) },
  TokenLimitException: { code: 'token_limit', status: 429, make: () => new errors.TokenLimitException(1000, 30_000) },
  ReplayUnavailableException: { code: 'replay_unavailable', status: 503, make: () => new errors.ReplayUnavailableException('m', { retryAfter: 1000 }) },
};

const exportedClasses = Object.entries(errors)
  .filter(([, value]) => typeof value === 'function' && (value === EngineException || value.prototype instanceof EngineException))
  .map(([name]) => name)
  .sort();

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}

describe('every exception, with its HTTP status', () => {
  it('lists exactly the exception classes lib/errors exports', () => {
    expect(exportedClasses).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(Object.entries(EXPECTED))('%s carries its code and HTTP status, and answers with it', (name, { code, status, make }) => {
    const error = make();
    expect(error).toBeInstanceOf((errors as Record<string, unknown>)[name] as typeof EngineException);
    expect(error.name).toBe(name);
    expect(error.code).toBe(code);
    expect(error.httpStatus).toBe(status);
    expect(engineErrorStatus(error)).toBe(status);
    const http = toHttpException(error);
    expect(http.getStatus()).toBe(status);
    expect(http.getResponse()).toEqual(expect.objectContaining({ statusCode: status, code }));
    // the status sent is never the provider's own (`status`), which stays for diagnosis
    expect(error.status).toBeUndefined();
  });

  it('ENGINE_HTTP_STATUS holds every exported class code, and an app code of its own is a 502', () => {
    for (const { code, status } of Object.values(EXPECTED)) expect([code, errors.ENGINE_HTTP_STATUS[code]]).toEqual([code, status]);
    class AppException extends EngineException {
      override readonly code: string = 'my_app_code';
    }
    expect(new AppException('m').httpStatus).toBe(502);
    // an error of an older copy of the package, without httpStatus: read from its code
    const older = Object.assign(Object.create(Error.prototype) as EngineException, { code: 'rate_limit' });
    expect(engineErrorStatus(older)).toBe(429);
  });

  it('defines every exception class in lib/errors/ (other folders may only re-export them)', () => {
    const outside = sources(lib)
      .filter((file) => !relative(lib, file).startsWith('errors/'))
      .flatMap((file) => [...readFileSync(file, 'utf8').matchAll(/class\s+(\w+)\s+extends\s+(\w*Exception)\b/g)].map((m) => `${relative(lib, file)}: ${m[1]}`));
    expect(outside).toEqual([]);
  });

  it('docs/errors.md gives each class the status it carries', () => {
    const docs = readFileSync(join(process.cwd(), 'docs', 'errors.md'), 'utf8');
    const rows = new Map(
      [...docs.matchAll(/^\| `(\w+Exception)`[^|]*\| `(\w+)` \|[^|]*\|[^|]*\| (\d{3})\b/gm)].map((m) => [m[1], { code: m[2], status: Number(m[3]) }]),
    );
    for (const [name, { code, status }] of Object.entries(EXPECTED)) {
      if (name === 'EngineException') continue;
      expect([name, rows.get(name)]).toEqual([name, { code, status }]);
    }
  });
});

import { HttpException } from '@nestjs/common';
import { MemoryConnectionException, MemoryValidationException } from '../memory/errors/memory.exception.js';
import {
  AuthenticationException,
  ConnectionException,
  ContentFilterException,
  EngineException,
  ProviderOverloadedException,
  ProviderServerException,
  RateLimitException,
  UnknownEngineException,
  ValidationException,
} from './engine.exception.js';
import { describeEngineError, engineErrorStatus, publicEngineError, retryAfterSeconds, toHttpException } from './engine-http.js';

describe('engine errors over HTTP', () => {
  it.each([
    [new ValidationException('bad'), 400],
    [new UnknownEngineException('nope', []), 400],
    [new RateLimitException('slow down', { retryAfter: 1500 }), 429],
    [new AuthenticationException('key rejected'), 502],
    [new ProviderOverloadedException('busy'), 503],
    [new ConnectionException('timeout'), 504],
    [new EngineException('other', { status: 500 }), 502],
    [new MemoryValidationException('bad id'), 400],
    [new MemoryConnectionException('redis at 10.0.0.5:6379 is down'), 503],
  ])('%s → %i', (error, status) => {
    expect(engineErrorStatus(error)).toBe(status);
    expect(toHttpException(error)).toBeInstanceOf(HttpException);
    expect(toHttpException(error).getStatus()).toBe(status);
  });

  it('rounds Retry-After up to whole seconds', () => {
    expect(retryAfterSeconds(new RateLimitException('x', { retryAfter: 1500 }))).toBe(2);
    expect(retryAfterSeconds(new RateLimitException('x'))).toBeUndefined();
  });

  it('tells clients no more than they need: no key, no server address', () => {
    const leaky = new ValidationException('openai rejected the request: bad key sk-abcdefghijklmnop1234');
    expect(publicEngineError(leaky).message).not.toContain('sk-abcdefghijklmnop1234');
    const internal = publicEngineError(new MemoryConnectionException('Could not connect to redis://10.0.0.5:6379'));
    expect(internal).toEqual({ code: 'memory_connection', message: 'The conversation store is unreachable; try again later.', retryable: expect.any(Boolean) });
  });

  it("gives clients the library's own message per code, never the provider's text (which stays on the exception and in the log line)", () => {
    const providerText = 'Internal note: tenant acme-42 on cluster eu-7; contact ops@provider.example';
    const base = { provider: 'openai', engine: 'openai', body: { error: { message: providerText } } };
    const cases: [EngineException, string][] = [
      [new ValidationException(`openai rejected the request: ${providerText}`, { ...base, status: 400 }), 'openai rejected the request.'],
      [
        new AuthenticationException(`openai rejected the API key (HTTP 401). ${providerText}`, { ...base, status: 401 }),
        "openai refused the server's credentials.",
      ],
      [
        new AuthenticationException(`openai refused the request for a billing reason: ${providerText}`, { ...base, status: 402 }),
        "openai refused the server's credentials.",
      ],
      [
        new RateLimitException(`openai reported an error: ${providerText}`, { ...base, status: 429, retryAfter: 2000 }),
        'openai is rate limiting requests; retry after 2 s.',
      ],
      [
        new RateLimitException(`openai reported an error: ${providerText}`, { ...base, status: 429, retryable: false }),
        "openai refused the request: the account's quota is used up.",
      ],
      [
        new ConnectionException(`Could not reach openai: connect ECONNREFUSED 10.1.2.3:443 ${providerText}`, { provider: 'openai', engine: 'openai' }),
        'openai could not be reached or did not answer in time.',
      ],
      [new ProviderOverloadedException(`openai is overloaded ${providerText}`, { ...base, status: 529 }), 'openai is overloaded; try again later.'],
      [
        new ContentFilterException(`gemini blocked the prompt (SAFETY): ${providerText}`, { provider: 'gemini', engine: 'gemini' }),
        'gemini stopped the answer because of its content policy.',
      ],
      [new ProviderServerException(`openai reported an error: ${providerText}`, { provider: 'openai', engine: 'openai' }), 'openai failed on its side.'],
      [new ProviderServerException(`openai failed ${providerText}`, { ...base, status: 500 }), 'openai failed on its side (HTTP 500).'],
      [new EngineException(`something ${providerText}`, { ...base, status: 418 }), 'openai failed on its side (HTTP 418).'],
    ];
    for (const [error, expected] of cases) {
      const shown = publicEngineError(error);
      expect(shown.message).toBe(expected);
      expect(shown.code).toBe(error.code);
      expect(JSON.stringify(toHttpException(error).getResponse())).not.toContain('acme-42');
      // the operator still sees everything, redacted
      expect(describeEngineError(error)).toContain('acme-42');
      expect(error.message).toContain('acme-42');
    }
    // the body of the log line is redacted and clipped
    const keyed = new ValidationException('x', { provider: 'openai', status: 400, body: `key sk-abcdefghijklmnop1234 ${'y'.repeat(5000)}` });
    expect(describeEngineError(keyed)).not.toContain('sk-abcdefghijklmnop1234');
    expect(describeEngineError(keyed).length).toBeLessThan(2300);
  });

  it("keeps the message of the library's own checks: they name what was wrong", () => {
    expect(publicEngineError(new ValidationException('messages[0].role must be one of system, user, assistant')).message).toBe(
      'messages[0].role must be one of system, user, assistant',
    );
    expect(publicEngineError(new ValidationException('claude needs at least one user or assistant message', { provider: 'claude' })).message).toContain(
      'needs at least one',
    );
    expect(publicEngineError(new UnknownEngineException('Unknown engine "x".', ['offline'])).message).toBe('Unknown engine "x".');
    expect(publicEngineError(new MemoryValidationException('Invalid parentId: must not be empty.')).message).toBe('Invalid parentId: must not be empty.');
  });
});

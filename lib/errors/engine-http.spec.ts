import { HttpException } from '@nestjs/common';
import { MemoryConnectionException, MemoryValidationException } from '../memory/errors/memory.exception.js';
import { AuthenticationException, ConnectionException, EngineException, ProviderOverloadedException, RateLimitException, UnknownEngineException, ValidationException } from './engine.exception.js';
import { engineErrorStatus, publicEngineError, retryAfterSeconds, toHttpException } from './engine-http.js';

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
});

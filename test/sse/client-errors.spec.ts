import { StreamClientError, StreamHttpError, parseEventId, parseRetryAfter } from '@bupple/nestjs-ai-engine/client';

describe('client errors and ids', () => {
  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('7', now)).toBe(7000);
    expect(parseRetryAfter(' 1.5 ', now)).toBe(1500);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 00:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
  });

  it('builds a readable StreamHttpError from any body', () => {
    expect(new StreamHttpError(502, { statusCode: 502, code: 'provider_error', message: 'offline failed', retryable: false }, undefined)).toMatchObject({
      message: 'offline failed',
      code: 'provider_error',
      retryable: false,
      fieldMessages: [],
    });
    expect(new StreamHttpError(503, 'Service Unavailable', 2000)).toMatchObject({
      message: 'Service Unavailable',
      code: 'http_503',
      retryable: true,
      retryAfterMs: 2000,
    });
    expect(new StreamHttpError(401, undefined, undefined)).toMatchObject({ message: 'The server answered with HTTP 401.', retryable: false });
    expect(new StreamHttpError(500, '<html>'.padEnd(400, 'x'), undefined).message).toBe('The server answered with HTTP 500.');
    expect(new StreamHttpError(400, { message: ['a must be set', 3, 'b is too long'] }, undefined)).toMatchObject({
      message: 'a must be set; b is too long',
      fieldMessages: ['a must be set', 'b is too long'],
    });
  });

  it('recognises its errors across copies of the package, and nothing else', () => {
    const error = new StreamHttpError(429, {}, undefined);
    expect(StreamClientError.isInstance(error)).toBe(true);
    expect(error.name).toBe('StreamHttpError');
    const copy = Object.assign(new Error('x'), { [Symbol.for('bupple.nestjs-ai-engine.client-error')]: true });
    expect(StreamClientError.isInstance(copy)).toBe(true);
    expect(StreamClientError.isInstance(new Error('x'))).toBe(false);
    expect(StreamClientError.isInstance(null)).toBe(false);
  });

  it('splits <streamId>-<seq> at the last dash (stream ids are base64url and may hold dashes)', () => {
    expect(parseEventId('Ab-cD_9x-42')).toEqual({ streamId: 'Ab-cD_9x', seq: 42 });
    expect(parseEventId('abc')).toBeUndefined();
    expect(parseEventId('-5')).toBeUndefined();
    expect(parseEventId('abc-')).toBeUndefined();
    expect(parseEventId('abc-1x')).toBeUndefined();
    expect(parseEventId(undefined)).toBeUndefined();
  });
});

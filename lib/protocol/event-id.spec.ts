import { formatEventId, parseEventId } from './event-id.js';
import { isRetryableHttpStatus, parseRetryAfter, parseRetryAfterValue } from './retry.js';

describe('event ids (one format for the server and the client)', () => {
  it('round-trips, with dashes inside the stream id', () => {
    expect(parseEventId(formatEventId('Ab-cD_9x', 42))).toEqual({ streamId: 'Ab-cD_9x', seq: 42 });
    expect(parseEventId(formatEventId('s', 999_999_999_999))).toEqual({ streamId: 's', seq: 999_999_999_999 });
  });

  it.each([undefined, null, '', '-3', 'abc', 'abc-', 'abc-1e3', 'abc-1x', 'abc-1234567890123', `${'a'.repeat(65)}-1`])('refuses %j', (id) => {
    expect(parseEventId(id)).toBeUndefined();
  });
});

describe('retry rules (one set for the engine and the client)', () => {
  it('retries 408, 409, 425, 429 and 5xx only', () => {
    const retryable = [400, 401, 403, 404, 408, 409, 413, 422, 425, 429, 500, 502, 503, 504, 529].filter(isRetryableHttpStatus);
    expect(retryable).toEqual([408, 409, 425, 429, 500, 502, 503, 504, 529]);
    expect(isRetryableHttpStatus(undefined)).toBe(false);
  });

  it('reads Retry-After as seconds or a date, and retry-after-ms first', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfterValue('2', now)).toBe(2000);
    expect(parseRetryAfterValue(' 1.5 ', now)).toBe(1500);
    expect(parseRetryAfterValue('Thu, 01 Jan 2026 00:00:10 GMT', now)).toBe(10_000);
    expect(parseRetryAfterValue('-1', now)).toBeUndefined();
    expect(parseRetryAfterValue('soon', now)).toBeUndefined();
    expect(parseRetryAfterValue(null, now)).toBeUndefined();
    expect(parseRetryAfter(new Headers({ 'retry-after-ms': '250', 'retry-after': '9' }), now)).toBe(250);
    expect(parseRetryAfter({ 'retry-after': '3' }, now)).toBe(3000);
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});

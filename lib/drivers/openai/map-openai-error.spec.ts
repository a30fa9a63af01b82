import { APIConnectionTimeoutError, APIError, APIUserAbortError, RateLimitError } from 'openai';
import {
  ConnectionException,
  EngineException,
  ProviderServerException,
  RateLimitException,
  ValidationException,
} from '../../errors/engine.exception.js';
import { captureErrorBodies, mapOpenAIError } from './map-openai-error.js';

const KEY = 'sk-bupple-unit-KEY-0a1b2c3d4e5f';
const context = { provider: 'openai', engine: 'primary', label: 'primary', secrets: [KEY], timeoutMs: 600_000 };

describe('mapOpenAIError', () => {
  it('returns engine exceptions as they are', () => {
    const original = new ValidationException('bad');
    expect(mapOpenAIError(original, context)).toBe(original);
  });

  it("maps the SDK's timeout error to a ConnectionException naming the timeout", () => {
    const error = mapOpenAIError(new APIConnectionTimeoutError(), context);
    expect(error).toBeInstanceOf(ConnectionException);
    expect(error.message).toBe('primary did not answer within 600000 ms.');
    expect(error.retryable).toBe(true);
    expect(error.engine).toBe('primary');
  });

  it('reads the retry delay of an SDK RateLimitError from its headers', () => {
    const sdkError = new RateLimitError(429, { message: 'slow down', type: 'requests', code: 'rate_limit_exceeded' }, undefined, new Headers({ 'retry-after-ms': '250' }));
    const error = mapOpenAIError(sdkError, context);
    expect(error).toBeInstanceOf(RateLimitException);
    expect((error as RateLimitException).retryAfter).toBe(250);
    expect(error.body).toEqual({ error: { message: 'slow down', type: 'requests', code: 'rate_limit_exceeded' } });
  });

  it('maps a mid-stream APIError (no status) by its error object, scrubbing the key', () => {
    const sdkError = new APIError(undefined, { message: `bad key ${KEY}`, type: 'invalid_request_error' }, undefined, new Headers());
    const error = mapOpenAIError(sdkError, context);
    expect(error).toBeInstanceOf(ValidationException);
    expect(error.status).toBeUndefined();
    expect(error.message).toBe('primary rejected the request: bad key [redacted]');
    expect(JSON.stringify(error)).not.toContain(KEY);
  });

  it('maps an unknown mid-stream error object to a retryable ProviderServerException', () => {
    const error = mapOpenAIError(new APIError(undefined, { message: 'weird' }, undefined, new Headers()), context);
    expect(error).toBeInstanceOf(ProviderServerException);
    expect(error.message).toBe('primary reported an error: weird');
    expect(error.retryable).toBe(true);
  });

  it('maps network failures found in the cause chain', () => {
    const cause = Object.assign(new Error('connect ECONNRESET'), { code: 'ECONNRESET' });
    const error = mapOpenAIError(new TypeError('fetch failed', { cause }), context);
    expect(error).toBeInstanceOf(ConnectionException);
    expect(error.message).toBe('Could not reach primary: connection reset (ECONNRESET).');
  });

  it('wraps anything else in a non-retryable EngineException with a safe message', () => {
    const error = mapOpenAIError(new RangeError(`oops ${KEY}`), context);
    expect(error).toBeInstanceOf(EngineException);
    expect(error.message).toBe('The stream failed.');
    expect(error.retryable).toBe(false);
  });

  it("does not mistake the SDK's abort error for a provider error body", () => {
    // the driver drops errors after an abort; were one to reach the mapper it must not look like a 4xx/5xx
    const error = mapOpenAIError(new APIUserAbortError(), context);
    expect(error.status).toBeUndefined();
  });
});

describe('captureErrorBodies', () => {
  const respondWith = (response: Response) => captureErrorBodies(async () => response);

  it('passes successful responses through untouched', async () => {
    const response = new Response('data: {}\n\n', { status: 200 });
    expect(await respondWith(response)('http://x')).toBe(response);
  });

  it('passes responses that may not have a body through untouched', async () => {
    const response = new Response(null, { status: 304 });
    expect(await respondWith(response)('http://x')).toBe(response);
  });

  it('gives the SDK an error response with the same status, headers and body', async () => {
    const copy = await respondWith(new Response('{"message":"nope"}', { status: 422, headers: { 'x-request-id': 'req_1' } }))('http://x');
    expect(copy.status).toBe(422);
    expect(copy.headers.get('x-request-id')).toBe('req_1');
    expect(await copy.text()).toBe('{"message":"nope"}');
  });
});

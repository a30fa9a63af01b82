import { APIConnectionTimeoutError, APIError, APIUserAbortError, RateLimitError } from 'openai';
import { ConnectionException, EngineException, ProviderServerException, RateLimitException, ValidationException } from '../../errors/engine.exception.js';
import { mapOpenAIError } from './map-openai-error.js';
import { ProviderResponseError, expectEventStream } from '../transport/provider-transport.js';

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
    const sdkError = new RateLimitError(
      429,
      { message: 'slow down', type: 'requests', code: 'rate_limit_exceeded' },
      undefined,
      new Headers({ 'retry-after-ms': '250' }),
    );
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

describe('expectEventStream (what replaced capturing error bodies for the SDK)', () => {
  const check = (response: Response) => expectEventStream(response);

  it('passes event streams through untouched', async () => {
    const response = new Response('data: {}\n\n', { status: 200, headers: { 'content-type': 'text/event-stream; charset=utf-8' } });
    expect(await check(response)).toBe(response);
  });

  it('turns a response that may not have a body into a ProviderResponseError with no body', async () => {
    const error = await check(new Response(null, { status: 304 })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderResponseError);
    expect(error).toMatchObject({ problem: 'status', status: 304, bodyText: '' });
  });

  it('keeps the status, headers and body of an error response for the mapper', async () => {
    const error = (await check(new Response('{"message":"nope"}', { status: 422, headers: { 'x-request-id': 'req_1' } })).catch(
      (e: unknown) => e,
    )) as ProviderResponseError;
    expect(error.status).toBe(422);
    expect(error.headers.get('x-request-id')).toBe('req_1');
    expect(error.bodyText).toBe('{"message":"nope"}');
    // and the mapper reads it (vLLM's top-level message)
    const mapped = mapOpenAIError(error, context);
    expect(mapped).toBeInstanceOf(ValidationException);
    expect(mapped.message).toBe('primary rejected the request: nope');
  });

  it('turns a 200 that is no event stream into a ProviderResponseError, and the mapper into a non-retryable ProviderServerException', async () => {
    const error = await check(new Response('<html>login</html>', { status: 200, headers: { 'content-type': 'text/html' } })).catch((e: unknown) => e);
    expect(error).toMatchObject({ problem: 'not-event-stream', status: 200, bodyText: '<html>login</html>' });
    const mapped = mapOpenAIError(error, context);
    expect(mapped).toBeInstanceOf(ProviderServerException);
    expect(mapped.message).toBe('primary answered HTTP 200 with content type "text/html" instead of an event stream.');
    expect(mapped.retryable).toBe(false);
  });
});

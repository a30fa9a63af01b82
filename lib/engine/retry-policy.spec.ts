import {
  AuthenticationException,
  ConnectionException,
  ContentFilterException,
  DeltaTooLargeException,
  ProviderOverloadedException,
  RateLimitException,
} from '../errors/engine.exception.js';
import { DEFAULT_RETRY } from './backoff.js';
import { recover, type RecoveryContext } from './retry-policy.js';

const base: RecoveryContext = {
  retry: { ...DEFAULT_RETRY, maxRetries: 2, initialDelayMs: 100, maxDelayMs: 1000 },
  retries: 0,
  hasNext: false,
  contentSent: false,
  restartable: false,
};
const half = () => 0.5;

describe('recover() (the retry policy)', () => {
  it('retries a retryable failure with backoff until maxRetries, then fails', () => {
    const error = new ConnectionException('down');
    expect(recover(error, base, half)).toEqual({ action: 'retry', delayMs: 75 });
    expect(recover(error, { ...base, retries: 1 }, half)).toEqual({ action: 'retry', delayMs: 150 });
    expect(recover(error, { ...base, retries: 2 }, half)).toEqual({ action: 'fail' });
  });

  it("waits what the provider's Retry-After says, and goes on when that is longer than maxDelayMs", () => {
    expect(recover(new RateLimitException('slow down', { retryAfter: 400 }), base)).toEqual({ action: 'retry', delayMs: 400 });
    expect(recover(new RateLimitException('slow down', { retryAfter: 5000 }), base)).toEqual({ action: 'fail' });
    expect(recover(new RateLimitException('slow down', { retryAfter: 5000 }), { ...base, hasNext: true })).toEqual({ action: 'fallback' });
  });

  it('falls back on a failure that is not retryable, or once retries are spent', () => {
    expect(recover(new AuthenticationException('no'), { ...base, hasNext: true })).toEqual({ action: 'fallback' });
    expect(recover(new AuthenticationException('no'), base)).toEqual({ action: 'fail' });
    expect(recover(new ConnectionException('down'), { ...base, retries: 2, hasNext: true })).toEqual({ action: 'fallback' });
  });

  it('takes an overloaded provider straight to the next engine, and retries it when it is the last', () => {
    expect(recover(new ProviderOverloadedException('busy'), { ...base, hasNext: true })).toEqual({ action: 'fallback' });
    expect(recover(new ProviderOverloadedException('busy'), base, half).action).toBe('retry');
  });

  it('never restarts after content unless afterContent is restart or the answer is restartable', () => {
    const afterContent = { ...base, contentSent: true, hasNext: true };
    expect(recover(new ConnectionException('cut'), afterContent)).toEqual({ action: 'fail' });
    expect(recover(new ConnectionException('cut'), { ...afterContent, retry: { ...base.retry, afterContent: 'restart' } }, half).action).toBe('retry');
    expect(recover(new AuthenticationException('no'), { ...afterContent, restartable: true }).action).toBe('fallback');
  });

  it('never falls back from a content filter, and never recovers from a delta over the cap', () => {
    expect(recover(new ContentFilterException('filtered'), { ...base, hasNext: true })).toEqual({ action: 'fail' });
    expect(recover(new DeltaTooLargeException('huge'), { ...base, hasNext: true })).toEqual({ action: 'fail' });
  });
});

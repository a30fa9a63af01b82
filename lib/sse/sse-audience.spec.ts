import { jest } from '@jest/globals';
import type { SseConnection } from './sse-connection.js';
import type { SseStreamOptions } from './sse-options.interface.js';
import { SseAudience } from './sse-audience.js';

/** The part of a connection the audience uses: write, end, and the lost callback. */
function connection(name: string, log: string[]) {
  const c = {
    onLost: undefined as (() => void) | undefined,
    write: (text: string) => log.push(`${name} ${text}`),
    end: (_text: string, closeSocket: boolean) => log.push(`${name} end${closeSocket ? ' close' : ''}`),
  };
  return c as unknown as SseConnection & { onLost: () => void };
}

function audience(options: Pick<SseStreamOptions, 'onDisconnect'>) {
  const log: string[] = [];
  const a = new SseAudience(options, {
    connectionLost: () => log.push('lost'),
    everyoneLeft: () => log.push('everyone left'),
  });
  return { a, log };
}

describe('SseAudience', () => {
  beforeEach(() => jest.useFakeTimers({ now: 0 }));
  afterEach(() => jest.useRealTimers());

  it('writes each event to every connection in order, and no longer to one that was lost', () => {
    const { a, log } = audience({});
    const first = connection('A', log);
    const second = connection('B', log);
    a.add(first);
    a.add(second);
    a.write('1');
    first.onLost();
    a.write('2');
    expect(a.size).toBe(1);
    a.endAll(true);
    a.write('3');
    expect(log).toEqual(['A 1', 'B 1', 'lost', 'B 2', 'B end close']);
    expect(a.size).toBe(0);
  });

  it('abort (the default): stops at once when nobody listens, not while someone does', () => {
    const { a, log } = audience({});
    a.add(connection('A', log));
    a.applyPolicy();
    expect(log).toEqual([]);
    a.endAll(false);
    a.applyPolicy();
    expect(log).toEqual(['A end', 'everyone left']);
  });

  it('continue: never stops for lack of listeners', () => {
    const { a, log } = audience({ onDisconnect: 'continue' });
    a.applyPolicy();
    jest.advanceTimersByTime(60_000);
    expect(log).toEqual([]);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('graceMs: stops after one timer, unless a connection or a remote follower comes back', () => {
    const { a, log } = audience({ onDisconnect: { graceMs: 1000 } });
    a.applyPolicy();
    a.applyPolicy();
    expect(jest.getTimerCount()).toBe(1);
    jest.advanceTimersByTime(500);
    a.add(connection('A', log));
    jest.advanceTimersByTime(5000);
    expect(log).toEqual([]);

    const remote = audience({ onDisconnect: { graceMs: 1000 } });
    remote.a.applyPolicy();
    remote.a.remoteFollow(1);
    jest.advanceTimersByTime(5000);
    expect(remote.log).toEqual([]);
    remote.a.remoteFollow(-1);
    remote.a.remoteFollow(-1);
    remote.a.applyPolicy();
    jest.advanceTimersByTime(999);
    expect(remote.log).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(remote.log).toEqual(['everyone left']);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('reads the policy when it applies it (a feature interceptor may set it late), and leaves no timer after endAll', () => {
    const options: Pick<SseStreamOptions, 'onDisconnect'> = {};
    const { a, log } = audience(options);
    options.onDisconnect = { graceMs: 1000 };
    a.applyPolicy();
    expect(jest.getTimerCount()).toBe(1);
    a.endAll(false);
    expect(jest.getTimerCount()).toBe(0);
    jest.advanceTimersByTime(5000);
    expect(log).toEqual([]);
  });
});

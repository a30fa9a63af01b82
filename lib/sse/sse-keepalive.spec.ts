import { jest } from '@jest/globals';
import { KeepaliveTimer } from './sse-keepalive.js';

function target() {
  const writes: number[] = [];
  const t = {
    lastWriteAt: Date.now(),
    write: (_text: string) => {
      writes.push(Date.now());
      t.lastWriteAt = Date.now();
    },
  };
  return { t, writes };
}

describe('KeepaliveTimer (fake timers)', () => {
  beforeEach(() => jest.useFakeTimers({ now: 0 }));
  afterEach(() => jest.useRealTimers());

  it('writes after intervalMs of silence, with one timer that waits out the rest of the interval after a write', () => {
    const { t, writes } = target();
    const timer = new KeepaliveTimer(t);
    timer.start(1000, ': keepalive\n\n');
    expect(jest.getTimerCount()).toBe(1);
    jest.advanceTimersByTime(400);
    t.lastWriteAt = Date.now(); // an event went out at 400
    jest.advanceTimersByTime(600);
    expect(writes).toEqual([]);
    expect(jest.getTimerCount()).toBe(1);
    jest.advanceTimersByTime(400);
    expect(writes).toEqual([1400]);
    jest.advanceTimersByTime(2000);
    expect(writes).toEqual([1400, 2400, 3400]);
    expect(jest.getTimerCount()).toBe(1);
  });

  it('stop() clears the timer for good; a zero interval arms none', () => {
    const { t, writes } = target();
    const timer = new KeepaliveTimer(t);
    timer.start(1000, 'k');
    timer.stop();
    expect(timer.armed).toBe(false);
    timer.start(1000, 'k');
    expect(jest.getTimerCount()).toBe(0);
    jest.advanceTimersByTime(5000);
    expect(writes).toEqual([]);

    const off = new KeepaliveTimer(t);
    off.start(0, 'k');
    expect(off.armed).toBe(false);
    expect(jest.getTimerCount()).toBe(0);
  });
});

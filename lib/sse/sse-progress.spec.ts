import { ProgressCounter } from './sse-progress.js';

describe('ProgressCounter', () => {
  it('says when a progress event is due, by percent step, never 100 % before the end', () => {
    const counter = new ProgressCounter({ total: 10, intervalMs: 0, percentStep: 20 });
    expect(counter.count(1)).toBeUndefined();
    expect(counter.count(1)).toEqual({ processed: 2, total: 10, percent: 20 });
    expect(counter.count(1)).toBeUndefined();
    expect(counter.count(20)).toEqual({ processed: 10, total: 10, percent: 99 });
    expect(counter.end(undefined)).toEqual({ processed: 23, total: 23, percent: 100 });
    expect(counter.end(7)).toEqual({ processed: 7, total: 7, percent: 100 });
  });

  it('waits intervalMs between two events', () => {
    const counter = new ProgressCounter({ total: 100, intervalMs: 60_000, percentStep: 1 });
    expect(counter.count(10)?.percent).toBe(10);
    expect(counter.count(10)).toBeUndefined();
  });
});

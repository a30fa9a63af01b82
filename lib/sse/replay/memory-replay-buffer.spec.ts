import { jest } from '@jest/globals';
import { MemoryReplayBuffer } from './memory-replay-buffer.js';
import { parseSseEventId } from './replay-record.js';

const limits = { ttlMs: 1000, maxStreamChars: 100, maxTotalChars: 250, keepFinished: true };
const event = (seq: number) => `id: s-${String(seq).padStart(2, '0')}\ndata: ${'x'.repeat(8)}\n\n`; // 25 characters each

function fill(buffer: MemoryReplayBuffer, id: string, count: number, storesEvents = true) {
  const record = buffer.create(id, undefined, storesEvents);
  for (let i = 1; i <= count; i++) buffer.append(record, event(i));
  return record;
}

describe('MemoryReplayBuffer', () => {
  afterEach(() => jest.useRealTimers());

  it('returns the events after a seq, in order, without copies of the strings', () => {
    const buffer = new MemoryReplayBuffer(limits);
    const record = fill(buffer, 'a', 3);
    expect(buffer.slice(record, 0)).toEqual({ kind: 'events', events: [event(1), event(2), event(3)], nextSeq: 4 });
    expect(buffer.slice(record, 2)).toEqual({ kind: 'events', events: [event(3)], nextSeq: 4 });
    expect(buffer.slice(record, 3)).toEqual({ kind: 'events', events: [], nextSeq: 4 });
    expect(buffer.slice(record, 7)).toEqual({ kind: 'events', events: [], nextSeq: 4 });
    buffer.close();
  });

  it('caps a stream: the oldest events go, and asking for them is "gone"', () => {
    const buffer = new MemoryReplayBuffer(limits);
    const record = fill(buffer, 'a', 10); // 250 characters for a cap of 100: keeps the last 4
    expect(record.chars).toBeLessThanOrEqual(100);
    expect(record.firstSeq).toBe(7);
    expect(buffer.slice(record, 5)).toEqual({ kind: 'gone' });
    expect(buffer.slice(record, 6)).toEqual({ kind: 'events', events: [event(7), event(8), event(9), event(10)], nextSeq: 11 });
    buffer.close();
  });

  it('caps the total: finished streams are dropped first, then running ones trimmed', () => {
    const buffer = new MemoryReplayBuffer(limits);
    const done = fill(buffer, 'done', 4);
    buffer.finish(done, 'completed');
    const running = fill(buffer, 'running', 4);
    const third = fill(buffer, 'third', 3); // 11 × 25 = 275 > 250
    expect(buffer.get('done')).toBeUndefined();
    expect(buffer.get('running')).toBe(running);
    expect(buffer.slice(third, 0).kind).toBe('events');
    buffer.close();
  });

  it('keeps only the state of a stream whose events are not stored (onDisconnect abort)', () => {
    const buffer = new MemoryReplayBuffer(limits);
    const record = fill(buffer, 'a', 5, false);
    expect(record.lastSeq).toBe(5);
    expect(record.chars).toBe(0);
    expect(buffer.slice(record, 2)).toEqual({ kind: 'gone' });
    expect(buffer.slice(record, 5)).toEqual({ kind: 'events', events: [], nextSeq: 6 });
    buffer.close();
  });

  it('drops a finished stream after the retention window, with one unref timer', () => {
    jest.useFakeTimers({ now: 0 });
    const buffer = new MemoryReplayBuffer(limits);
    const a = fill(buffer, 'a', 2);
    const b = fill(buffer, 'b', 2);
    buffer.finish(a, 'completed');
    buffer.finish(b, 'failed');
    expect(jest.getTimerCount()).toBe(1);
    jest.advanceTimersByTime(999);
    expect(buffer.get('a')?.state).toBe('completed');
    jest.advanceTimersByTime(1);
    expect(buffer.get('a')).toBeUndefined();
    expect(buffer.size).toBe(0);
    expect(jest.getTimerCount()).toBe(0);
    buffer.close();
  });

  it('with Redis keeping finished streams, drops them from the process at once', () => {
    const buffer = new MemoryReplayBuffer({ ...limits, keepFinished: false });
    const a = fill(buffer, 'a', 2);
    buffer.finish(a, 'completed');
    expect(buffer.get('a')).toBeUndefined();
    buffer.close();
  });
});

describe('parseSseEventId', () => {
  it('splits <streamId>-<seq>, the stream id may hold dashes', () => {
    expect(parseSseEventId('ab-c_D-12')).toEqual({ streamId: 'ab-c_D', seq: 12 });
    expect(parseSseEventId('x-0')).toEqual({ streamId: 'x', seq: 0 });
  });

  it.each(['', '-3', 'abc', 'abc-', 'abc-1e3', 'abc-12345678901234', `${'a'.repeat(80)}-1`])('refuses %j', (id) => {
    expect(parseSseEventId(id)).toBeUndefined();
  });
});

import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { SseWriter } from './sse-writer.js';

/** A response whose `write()` answers what the test says (false: the socket pushes back). */
class FakeResponse extends EventEmitter {
  writes: string[] = [];
  ended?: string;
  writableEnded = false;
  destroyed = false;
  accept = true;
  write(text: string) {
    this.writes.push(text);
    return this.accept;
  }
  end(text: string) {
    this.ended = text;
    this.writableEnded = true;
  }
}

function writer(maxPending = 1000) {
  const res = new FakeResponse();
  let overflows = 0;
  const w = new SseWriter(res as unknown as ServerResponse, maxPending, () => overflows++);
  return { res, w, overflows: () => overflows };
}

describe('SseWriter (the write and backpressure path of each connection)', () => {
  it('coalesces what is written in one turn of the event loop into one write()', async () => {
    const { res, w } = writer();
    w.write('a');
    w.write('b');
    w.write('c');
    expect(res.writes).toEqual([]);
    await nextTurn();
    expect(res.writes).toEqual(['abc']);
    w.write('d');
    await nextTurn();
    expect(res.writes).toEqual(['abc', 'd']);
  });

  it('waits for drain when the socket pushes back, then writes what piled up in one go', async () => {
    const { res, w } = writer();
    res.accept = false;
    w.write('1');
    await nextTurn();
    expect(res.listenerCount('drain')).toBe(1);
    w.write('2');
    w.write('3');
    await nextTurn();
    expect(res.writes).toEqual(['1']);
    res.accept = true;
    res.emit('drain');
    expect(res.writes).toEqual(['1', '23']);
    expect(res.listenerCount('drain')).toBe(0);
  });

  it('gives up on a client too slow (more than maxPending characters waiting): drops them and says so', async () => {
    const { res, w, overflows } = writer(10);
    res.accept = false;
    w.write('x');
    await nextTurn();
    w.write('0123456789');
    expect(overflows()).toBe(0);
    w.write('!');
    expect(overflows()).toBe(1);
    res.accept = true;
    res.emit('drain');
    // everything that waited is dropped (the connection is destroyed by the callback)
    expect(res.writes).toEqual(['x']);
  });

  it('end() writes what is pending with the last text and removes its listener; close() drops it; nothing is written after either', async () => {
    const { res, w } = writer();
    res.accept = false;
    w.write('a');
    await nextTurn();
    w.write('b');
    w.end('c');
    expect(res.ended).toBe('bc');
    expect(res.listenerCount('drain')).toBe(0);
    expect(w.isClosed).toBe(true);
    w.write('late');
    await nextTurn();
    expect(res.writes).toEqual(['a']);

    const other = writer();
    other.w.write('pending');
    other.w.close();
    await nextTurn();
    expect(other.res.writes).toEqual([]);
    expect(other.res.ended).toBeUndefined();
  });
});

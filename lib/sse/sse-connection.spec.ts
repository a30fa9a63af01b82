import { jest } from '@jest/globals';
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Logger } from '@nestjs/common';
import { SseConnection } from './sse-connection.js';
import type { SseStreamOptions } from './sse-options.interface.js';

/** Just enough of a ServerResponse to watch what is written, and when. */
class FakeResponse extends EventEmitter {
  writes: { at: number; text: string }[] = [];
  headers: Record<string, unknown> = {};
  statusCode = 0;
  writableEnded = false;
  destroyed = false;
  setHeader(name: string, value: unknown) {
    this.headers[name.toLowerCase()] = value;
  }
  removeHeader(name: string) {
    delete this.headers[name.toLowerCase()];
  }
  flushHeaders() {}
  write(text: string) {
    this.writes.push({ at: Date.now(), text });
    return true;
  }
  end(text?: string) {
    if (text) this.writes.push({ at: Date.now(), text });
    this.writableEnded = true;
  }
  destroy() {
    this.destroyed = true;
  }
}

const req = { httpVersionMajor: 1, socket: { setNoDelay: () => undefined } } as unknown as IncomingMessage;

function open(options: SseStreamOptions) {
  const res = new FakeResponse();
  const connection = new SseConnection(req, res as unknown as ServerResponse, options, new Logger('test'), () => 'test');
  connection.commit();
  // when each keepalive went out, to the 10 ms (the writer flushes on the next turn of the loop)
  const keepalives = () => res.writes.filter((w) => w.text.includes('keepalive')).map((w) => Math.floor(w.at / 10) * 10);
  return { res, connection, keepalives };
}

describe('SseConnection keepalive (fake timers)', () => {
  beforeEach(() => jest.useFakeTimers({ now: 0 }));
  afterEach(() => jest.useRealTimers());

  it('sends a keepalive event only after keepaliveMs of silence, then every keepaliveMs', () => {
    const { res, keepalives } = open({ keepaliveMs: 1000 });
    jest.advanceTimersByTime(999);
    expect(keepalives()).toEqual([]);
    jest.advanceTimersByTime(5);
    expect(keepalives()).toEqual([1000]);
    expect(res.writes.at(-1)!.text).toBe('event: keepalive\ndata: {"type":"keepalive"}\n\n');
    jest.advanceTimersByTime(2000);
    expect(keepalives()).toEqual([1000, 2000, 3000]);
  });

  it('re-arms from the last write: an event at 1500 moves the next keepalive to 2500', () => {
    const { connection, keepalives } = open({ keepaliveMs: 1000 });
    jest.advanceTimersByTime(1000);
    jest.advanceTimersByTime(500);
    connection.write('id: x-1\nevent: content\ndata: {}\n\n');
    jest.advanceTimersByTime(500);
    expect(keepalives()).toEqual([1000]);
    jest.advanceTimersByTime(490);
    expect(keepalives()).toEqual([1000]);
    jest.advanceTimersByTime(15);
    expect(keepalives()).toEqual([1000, 2500]);
  });

  it('never sends one while events flow, and keeps ONE timer however many events are written', () => {
    const { connection, keepalives } = open({ keepaliveMs: 1000 });
    for (let t = 0; t < 5000; t += 100) {
      for (let i = 0; i < 50; i++) connection.write(`data: ${t}-${i}\n\n`);
      expect(jest.getTimerCount()).toBeLessThanOrEqual(2); // the keepalive timer + one flush
      jest.advanceTimersByTime(100);
    }
    expect(keepalives()).toEqual([]);
    expect(jest.getTimerCount()).toBe(1);
  });

  it('sends a comment line in comment mode', () => {
    const { res } = open({ keepaliveMs: 500, keepaliveMode: 'comment' });
    jest.advanceTimersByTime(505);
    expect(res.writes.at(-1)!.text).toBe(': keepalive\n\n');
  });

  it('clears its timer at the end: no keepalive after the end', () => {
    const { connection, keepalives } = open({ keepaliveMs: 1000 });
    jest.advanceTimersByTime(1005);
    connection.end('event: complete\ndata: {}\n\n');
    expect(jest.getTimerCount()).toBe(0);
    jest.advanceTimersByTime(10_000);
    expect(keepalives()).toEqual([1000]);
  });

  it('clears its timer when the client goes away, and reports it once', () => {
    const { res, connection, keepalives } = open({ keepaliveMs: 1000 });
    const lost = jest.fn();
    connection.onLost = lost;
    res.emit('close');
    res.emit('close');
    expect(lost).toHaveBeenCalledTimes(1);
    expect(jest.getTimerCount()).toBe(0);
    jest.advanceTimersByTime(10_000);
    expect(keepalives()).toEqual([]);
  });

  it('keepaliveMs 0 turns keepalives off (no timer at all)', () => {
    const { keepalives } = open({ keepaliveMs: 0 });
    jest.advanceTimersByTime(1);
    expect(jest.getTimerCount()).toBe(0);
    jest.advanceTimersByTime(60_000);
    expect(keepalives()).toEqual([]);
  });

  it('defaults to 15 s', () => {
    const { keepalives } = open({});
    jest.advanceTimersByTime(14_999);
    expect(keepalives()).toEqual([]);
    jest.advanceTimersByTime(5);
    expect(keepalives()).toEqual([15_000]);
  });
});

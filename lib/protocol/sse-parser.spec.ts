import { DEFAULT_SSE_MAX_LENGTH, SseLimitError, SseParser, parseSse } from './sse-parser.js';

describe('SseParser limits', () => {
  it('defaults to 8 Mi characters', () => {
    expect(DEFAULT_SSE_MAX_LENGTH).toBe(8 * 1024 * 1024);
  });

  it('fails with an SseLimitError on a line that never ends, however it is fed, and frees what it held', () => {
    for (const size of [1, 7, 100, 5000]) {
      const parser = new SseParser({ onEvent: () => undefined }, { maxLength: 1000 });
      let thrown: unknown;
      try {
        for (let fed = 0; fed < 2000; fed += size) parser.feed('x'.repeat(size));
      } catch (error) {
        thrown = error;
      }
      expect(SseLimitError.isInstance(thrown)).toBe(true);
      expect(thrown).toMatchObject({ name: 'SseLimitError', code: 'sse_limit', what: 'line', limit: 1000 });
      // after the failure the parser holds nothing: a new connection parses normally
      const events: string[] = [];
      const fresh = new SseParser({ onEvent: (m) => events.push(m.data) }, { maxLength: 1000 });
      fresh.feed('data: ok\n\n');
      expect(events).toEqual(['ok']);
    }
  });

  it('fails on one event whose data lines add up to more than the limit, but not at the limit', () => {
    const line = `data: ${'y'.repeat(99)}\n`; // 99 characters of data per line, joined with LF
    const within = parseSse(line.repeat(10) + '\n', { maxLength: 999 });
    expect(within[0].data.length).toBe(999);
    expect(() => parseSse(line.repeat(11) + '\n', { maxLength: 999 })).toThrow(SseLimitError);
    expect(() => parseSse(line.repeat(11) + '\n', { maxLength: 999 })).toThrow('An event stream event is longer than 999 characters.');
  });

  it('counts a line split over many chunks, and a long line ending in the same chunk', () => {
    expect(() => parseSse(['data: ', 'z'.repeat(600), 'z'.repeat(600), '\n\n'], { maxLength: 1000 })).toThrow(SseLimitError);
    expect(() => parseSse(`: ${'c'.repeat(2000)}\n`, { maxLength: 1000 })).toThrow(SseLimitError);
    expect(parseSse(['data: ', 'z'.repeat(400), 'z'.repeat(400), '\n\n'], { maxLength: 1000 })[0].data.length).toBe(800);
  });

  it('keeps many small events of a long stream: the limit is per line and per event, not per stream', () => {
    const body = 'data: 0123456789\n\n'.repeat(1000);
    expect(parseSse(body, { maxLength: 100 }).length).toBe(1000);
  });
});

describe('SseParser last event ID', () => {
  it('changes when an event is dispatched, not when its id line is read', () => {
    const parser = new SseParser({ onEvent: () => undefined });
    parser.feed('id: 7\ndata: x\n');
    expect(parser.lastEventId).toBe('');
    parser.feed('\n');
    expect(parser.lastEventId).toBe('7');
    parser.feed('id: 8\ndata: y\n');
    parser.end(); // the stream ends before the blank line: event 8 never happened
    expect(parser.lastEventId).toBe('7');
  });
});

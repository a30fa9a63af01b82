import { parseSse } from '../protocol/sse-parser.js';
import { encodeSseEvent } from '../protocol/sse-encoder.js';
import { parseEventId } from '../protocol/event-id.js';
import { EventSequence } from './sse-event-sequence.js';

describe('EventSequence', () => {
  it('numbers each frame after the record it reads (the record counts what it keeps)', () => {
    const ids = new EventSequence('abc-1');
    expect(ids.started).toBe(false);
    const record = { lastSeq: 0 };
    ids.start(record);
    expect(ids.started).toBe(true);
    const frames: string[] = [];
    for (let i = 0; i < 3; i++) {
      frames.push(ids.content(`{"content":"t${i}","index":${i}}`));
      record.lastSeq++;
    }
    const events = parseSse(frames.join(''));
    expect(events.map((e) => e.id)).toEqual(['abc-1-1', 'abc-1-2', 'abc-1-3']);
    expect(events.map((e) => parseEventId(e.id))).toEqual([1, 2, 3].map((seq) => ({ streamId: 'abc-1', seq })));
    expect(events.map((e) => e.event)).toEqual(['content', 'content', 'content']);
    expect(JSON.parse(events[2].data)).toEqual({ content: 't2', index: 2 });
  });

  it('writes the per-token frames exactly as the encoder would', () => {
    const ids = new EventSequence('s');
    ids.start({ lastSeq: 41 });
    const json = JSON.stringify({ content: 'a\nb "c"', index: 3 });
    expect(ids.content(json)).toBe(encodeSseEvent({ id: 's-42', event: 'content', data: json }));
    expect(ids.json('tool_call_delta', json)).toBe(encodeSseEvent({ id: 's-42', event: 'tool_call_delta', data: json }));
    expect(ids.data(json)).toBe(encodeSseEvent({ id: 's-42', data: json }));
    expect(ids.event('warning', json)).toBe(encodeSseEvent({ id: 's-42', event: 'warning', data: json }));
  });

  it('escapes what an app gives through event(): a name with a line break, multi-line data', () => {
    const ids = new EventSequence('s');
    ids.start({ lastSeq: 0 });
    const [event] = parseSse(ids.event('my\nevent', 'line 1\r\nline 2'));
    expect(event).toMatchObject({ id: 's-1', event: 'myevent', data: 'line 1\nline 2' });
  });
});

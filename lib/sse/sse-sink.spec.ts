import { parseSse } from '../protocol/sse-parser.js';
import { EventSequence } from './sse-event-sequence.js';
import { CONTENT_PIECE_CHARS, createSseSink, EventSink, pieces, UiMessageSink } from './sse-sink.js';
import { uiTranslatorOf } from './ui-message-protocol.js';

/** A sequence over a counter the output advances, as the replay record does. */
function wire() {
  const record = { lastSeq: 0 };
  const ids = new EventSequence('s');
  ids.start(record);
  const frames: string[] = [];
  const out = {
    send: (text: string) => {
      frames.push(text);
      record.lastSeq++;
    },
  };
  const events = () => parseSse(frames.join(''));
  return { ids, out, frames, events };
}

describe('EventSink (our events)', () => {
  it('frames events as the protocol names them, numbered in order', () => {
    const { ids, out, events } = wire();
    const sink = new EventSink(ids, out);
    sink.emit('start', { streamId: 's', engine: null, model: null });
    sink.text('Hi', 0);
    sink.emitRaw('reasoning', '{"content":"hm"}', { content: 'hm' });
    sink.emit('my_event', '{"raw":true}');
    sink.end();
    expect(events().map((e) => [e.id, e.event, JSON.parse(e.data)])).toEqual([
      ['s-1', 'start', { streamId: 's', engine: null, model: null }],
      ['s-2', 'content', { content: 'Hi', index: 0 }],
      ['s-3', 'reasoning', { content: 'hm' }],
      ['s-4', 'my_event', { raw: true }],
    ]);
  });

  it('sends a delta longer than CONTENT_PIECE_CHARS as several content events of one index, never splitting a surrogate pair', () => {
    const { ids, out, events } = wire();
    const text = 'a'.repeat(CONTENT_PIECE_CHARS - 1) + '😀' + 'b'.repeat(10);
    new EventSink(ids, out).text(text, 7);
    const got = events().map((e) => JSON.parse(e.data) as { content: string; index: number });
    expect(got.map((g) => g.content.length)).toEqual([CONTENT_PIECE_CHARS - 1, 12]);
    expect(got.map((g) => g.index)).toEqual([7, 7]);
    expect(got.map((g) => g.content).join('')).toBe(text);
    expect(pieces('abcdef', 4)).toEqual(['abcd', 'ef']);
  });
});

describe('UiMessageSink (the AI SDK UI message stream)', () => {
  it('sends each chunk as one unnamed message, numbered like events, and ends with [DONE]', () => {
    const { ids, out, events } = wire();
    const request = {};
    const sink = createSseSink('ui-message', request, ids, out);
    expect(sink).toBeInstanceOf(UiMessageSink);
    expect(uiTranslatorOf(request)?.messageId).toBe('msg-s');
    sink.emit('start', { streamId: 's', engine: null, model: null });
    sink.text('Hel', 0);
    sink.text('lo', 1);
    sink.emit('complete', '{"finishReason":"stop","usage":null}');
    sink.end('completed');
    const got = events();
    expect(got.every((e) => e.event === 'message')).toBe(true);
    expect(got.map((e) => e.id)).toEqual(got.map((_, i) => `s-${i + 1}`));
    expect(got.map((e) => (e.data === '[DONE]' ? e.data : (JSON.parse(e.data) as { type: string }).type))).toEqual([
      'start',
      'start-step',
      'text-start',
      'text-delta',
      'text-delta',
      'text-end',
      'finish-step',
      'finish',
      '[DONE]',
    ]);
    expect(JSON.parse(got[4].data)).toEqual({ type: 'text-delta', id: 'text-0', delta: 'lo' });
  });

  it('a stopped stream ends with abort, then [DONE]; the events protocol is the default', () => {
    const { ids, out, events } = wire();
    const sink = createSseSink('ui-message', {}, ids, out);
    sink.emit('start', {});
    sink.text('x', 0);
    sink.end('stopped');
    expect(
      events()
        .slice(-3)
        .map((e) => e.data),
    ).toEqual(['{"type":"text-end","id":"text-0"}', '{"type":"abort","reason":"stopped"}', '[DONE]']);
    expect(createSseSink(undefined, {}, ids, out)).toBeInstanceOf(EventSink);
    expect(createSseSink('events', {}, ids, out)).toBeInstanceOf(EventSink);
  });
});

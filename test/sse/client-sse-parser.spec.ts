import { SseParser, parseSse, type SseMessage } from '@bupple/nestjs-ai-engine/client';

const bytes = (text: string) => new TextEncoder().encode(text);

/** Feeds `input` split into single bytes: every possible cut at once. */
function byteByByte(input: string): SseMessage[] {
  const all = bytes(input);
  return parseSse(Array.from(all, (b) => Uint8Array.of(b)));
}

describe('SseParser (WHATWG event stream rules)', () => {
  it('reads id, event and data, with and without the space after the colon', () => {
    expect(parseSse('id: a-1\nevent: content\ndata: {"x":1}\n\nid:a-2\nevent:done\ndata:plain\n\n')).toEqual([
      { id: 'a-1', lastEventId: 'a-1', event: 'content', data: '{"x":1}' },
      { id: 'a-2', lastEventId: 'a-2', event: 'done', data: 'plain' },
    ]);
  });

  it('removes only one leading space, and keeps the rest', () => {
    expect(parseSse('data:   three\n\n')[0].data).toBe('  three');
  });

  it('joins multi-line data with LF, whatever line ending the server used', () => {
    expect(parseSse('data: a\r\ndata: b\rdata: c\ndata:\n\n')[0].data).toBe('a\nb\nc\n');
  });

  it('defaults the event name to message, also for an empty event field', () => {
    expect(parseSse('data: x\n\nevent:\ndata: y\n\n').map((e) => e.event)).toEqual(['message', 'message']);
  });

  it('strips one leading BOM (bytes or text) but keeps a second one and any later one', () => {
    expect(parseSse(bytes('\uFEFFdata: a\n\n'))[0].data).toBe('a');
    expect(parseSse('\uFEFFdata: a\n\n')[0].data).toBe('a');
    // a second BOM is part of the first line, which makes the field name "\uFEFFdata": ignored
    expect(parseSse(bytes('\uFEFF\uFEFFdata: a\n\n'))).toEqual([]);
    expect(parseSse('data: \uFEFFb\n\n')[0].data).toBe('\uFEFFb');
  });

  it('ignores an id holding NUL, keeps the last valid id, and an empty id resets it', () => {
    const events = parseSse('id: one\ndata: 1\n\nid: t\0wo\ndata: 2\n\ndata: 3\n\nid\ndata: 4\n\n');
    expect(events.map((e) => [e.id, e.lastEventId])).toEqual([
      ['one', 'one'],
      [undefined, 'one'],
      [undefined, 'one'],
      ['', ''],
    ]);
  });

  it('reports comments and valid retry values only', () => {
    const comments: string[] = [];
    const retries: number[] = [];
    const events: SseMessage[] = [];
    const parser = new SseParser({ onEvent: (e) => events.push(e), onComment: (c) => comments.push(c), onRetry: (ms) => retries.push(ms) });
    parser.feed(': keepalive\n:x\nretry: 3000\nretry: 1.5\nretry: abc\nretry\n\ndata: d\n\n');
    parser.end();
    expect(comments).toEqual(['keepalive', 'x']);
    expect(retries).toEqual([3000]);
    expect(events).toHaveLength(1);
  });

  it('treats a field without a colon as an empty value, and ignores unknown fields', () => {
    expect(parseSse('data\n\n')).toEqual([{ id: undefined, lastEventId: '', event: 'message', data: '' }]);
    expect(parseSse('foo: bar\ndata: x\n\n')[0].data).toBe('x');
  });

  it('does not dispatch an event without data, nor an unfinished one at the end', () => {
    expect(parseSse('event: a\n\nid: 5\n\n')).toEqual([]);
    expect(parseSse('data: done\n\ndata: cut off')).toHaveLength(1);
  });

  it('handles a CRLF split between two chunks as one line ending', () => {
    const events = parseSse(['data: a\r', '\ndata: b\r', '\n\r', '\n']);
    expect(events).toEqual([{ id: undefined, lastEventId: '', event: 'message', data: 'a\nb' }]);
  });

  it('decodes multi-byte characters split across chunks', () => {
    const text = 'id: ö-1\nevent: ünïcode\ndata: wörld 🙂 日本\r\ndata: 👩‍💻\n\n';
    expect(byteByByte(text)).toEqual(parseSse(text));
    expect(byteByByte(text)[0]).toEqual({ id: 'ö-1', lastEventId: 'ö-1', event: 'ünïcode', data: 'wörld 🙂 日本\n👩‍💻' });
  });

  it('gives the same events for any split of a mixed stream', () => {
    const text = 'retry: 10\r\n: hi\r\nid: s-1\r\nevent: start\r\ndata: {}\r\n\r\nid: s-2\rdata: a\rdata: b\r\rdata: x\n\n';
    const whole = parseSse(text);
    expect(whole.map((e) => e.data)).toEqual(['{}', 'a\nb', 'x']);
    const encoded = bytes(text);
    for (let cut = 0; cut <= encoded.length; cut++) {
      expect(parseSse([encoded.slice(0, cut), encoded.slice(cut)])).toEqual(whole);
    }
  });
});

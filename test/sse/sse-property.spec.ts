import fc from 'fast-check';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { encodeSseEvent } from '../../lib/sse/sse-encoder.js';
import { parseSse } from '@bupple/nestjs-ai-engine/client';
import { parseSseBytes } from '@bupple/nestjs-ai-engine/testing';

/** The awkward pieces text is made of: line breaks of every kind, NUL, BOM, spaces, colons, multi-byte characters. */
const PIECES = ['a', 'Z', '0', ' ', '  ', ':', '\r', '\n', '\r\n', '\n\r', '\0', '\uFEFF', 'é', '日本', '🙂', '👩‍💻', 'data: ', 'id:', '\t', '{"k":1}'];
const text = fc.array(fc.constantFrom(...PIECES), { maxLength: 12 }).map((parts) => parts.join(''));

interface Generated {
  id?: string;
  event?: string;
  data: string;
  retry?: number;
}

const eventArb: fc.Arbitrary<Generated> = fc.record({ id: text, event: text, data: text, retry: fc.nat({ max: 100_000 }) }, { requiredKeys: ['data'] });

/** A list of events and the byte offsets to cut their encoding at. */
const streamArb = fc.record({ events: fc.array(eventArb, { minLength: 1, maxLength: 8 }), cuts: fc.array(fc.nat({ max: 1_000_000 }), { maxLength: 12 }) });

/** What a spec-compliant reader must get back. */
function expected(events: Generated[]) {
  let lastId = '';
  return events.map((e) => {
    if (e.id !== undefined) lastId = e.id.replace(/[\r\n\0]/g, '');
    return {
      id: e.id === undefined ? undefined : e.id.replace(/[\r\n\0]/g, ''),
      lastEventId: lastId,
      event: (e.event ?? '').replace(/[\r\n\0]/g, '') || 'message',
      data: e.data.replace(/\r\n|\r/g, '\n'),
    };
  });
}

function encode(events: Generated[]): Uint8Array {
  return new TextEncoder().encode(events.map((e) => encodeSseEvent(e)).join(''));
}

/** Splits bytes at the given offsets (anywhere: inside CRLF pairs, inside UTF-8 sequences). */
function split(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const offsets = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let from = 0;
  for (const at of offsets) {
    chunks.push(bytes.subarray(from, at));
    from = at;
  }
  chunks.push(bytes.subarray(from));
  return chunks;
}

/** Reads chunks as a fetch client would: a streaming TextDecoder, then eventsource-parser. */
function throughEventsourceParser(chunks: Uint8Array[]): { events: EventSourceMessage[]; retries: number[] } {
  const events: EventSourceMessage[] = [];
  const retries: number[] = [];
  const parser = createParser({ onEvent: (e) => events.push(e), onRetry: (ms) => retries.push(ms) });
  const decoder = new TextDecoder();
  for (const chunk of chunks) parser.feed(decoder.decode(chunk, { stream: true }));
  parser.feed(decoder.decode());
  return { events, retries };
}

const RUNS = { numRuns: 400 };

describe('SSE encoding round trip (property-based)', () => {
  it('eventsource-parser reads back what encodeSseEvent wrote, for any split of the bytes', () => {
    fc.assert(
      fc.property(streamArb, ({ events, cuts }) => {
        const { events: parsed, retries } = throughEventsourceParser(split(encode(events), cuts));
        const want = expected(events);
        expect(parsed.map((e) => ({ id: e.id, event: e.event ?? 'message', data: e.data }))).toEqual(want.map(({ id, event, data }) => ({ id, event, data })));
        expect(retries).toEqual(events.filter((e) => e.retry !== undefined).map((e) => e.retry));
      }),
      RUNS,
    );
  });

  it('the client parser agrees with eventsource-parser, for any split of the bytes', () => {
    fc.assert(
      fc.property(streamArb, ({ events, cuts }) => {
        const chunks = split(encode(events), cuts);
        const ours = parseSse(chunks);
        expect(ours).toEqual(expected(events));
        const theirs = throughEventsourceParser(chunks).events;
        expect(ours.map((e) => ({ id: e.id, event: e.event, data: e.data }))).toEqual(
          theirs.map((e) => ({ id: e.id, event: e.event ?? 'message', data: e.data })),
        );
      }),
      RUNS,
    );
  });

  it('parseSseBytes (testing helper) gives the same events and parses JSON data', () => {
    fc.assert(
      fc.property(streamArb, fc.jsonValue(), ({ events, cuts }, value) => {
        const all = [...events, { id: 'json-1', event: 'json', data: JSON.stringify(value) }];
        const parsed = parseSseBytes(split(encode(all), cuts));
        expect(parsed.map(({ id, event, data }) => ({ id, event, data }))).toEqual(expected(all).map(({ id, event, data }) => ({ id, event, data })));
        expect(parsed[parsed.length - 1].json).toEqual(JSON.parse(JSON.stringify(value)));
      }),
      RUNS,
    );
  });

  it('a raw stream written with any mix of line endings reads the same through both parsers', () => {
    const line = fc.oneof(
      text.map((t) => `data:${t.replace(/[\r\n]/g, '')}`),
      text.map((t) => `id: ${t.replace(/[\r\n]/g, '')}`),
      text.map((t) => `event: ${t.replace(/[\r\n]/g, '')}`),
      text.map((t) => `: ${t.replace(/[\r\n]/g, '')}`),
      fc.constant(''),
      fc.constant('data'),
    );
    const eol = fc.constantFrom('\n', '\r', '\r\n');
    fc.assert(
      fc.property(fc.array(fc.tuple(line, eol), { maxLength: 30 }), fc.array(fc.nat({ max: 10_000 }), { maxLength: 10 }), (lines, cuts) => {
        // eventsource-parser waits for the byte after a CR that ends its input (it might be
        // CRLF); our parser takes a final CR as the line end it is. A closing comment line
        // settles that one ambiguity; everything else must agree.
        const body = lines.map(([l, e]) => l + e).join('');
        const chunks = split(new TextEncoder().encode(`retry: 5\n${body}:end\n`), cuts);
        const ours = parseSse(chunks).map((e) => ({ id: e.id, event: e.event, data: e.data }));
        const theirs = throughEventsourceParser(chunks).events.map((e) => ({ id: e.id, event: e.event ?? 'message', data: e.data }));
        expect(ours).toEqual(theirs);
      }),
      RUNS,
    );
  });
});

import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { nodeUtf8Decoder } from '../../lib/drivers/transport/node-utf8-decoder.js';
import { SseParser, type SseParserCallbacks, type SseParserOptions, type SseStreamParser } from '../../lib/protocol/sse-parser.js';

/**
 * Every WHATWG / eventsource-parser case of ../shared/real-streams/wpt/cases.json through the
 * one SSE parser (`SseParser`: provider bodies, the browser client, lib/testing): fed whole, in
 * the case's own pieces, cut at every offset, character by character, and as UTF-8 bytes cut
 * at every offset. Skipped (saying so) when the folder is absent.
 */
const CASES_FILE = join(import.meta.dirname, '..', '..', '..', 'shared', 'real-streams', 'wpt', 'cases.json');

interface Expected {
  events?: { event: string; data: string; lastEventId: string }[];
  retries?: number[];
  comments?: string[];
  lastEventIdAtEnd?: string;
  generated?: boolean;
}
interface Case {
  name: string;
  connections?: string[];
  chunks?: string[];
  generate?: { kind: string; approxBytes: number };
  generatorData?: { lines: string[]; emojis: string[] };
  expect: Expected;
}

const available = existsSync(CASES_FILE);
if (!available) console.warn(`${CASES_FILE} is absent: the WHATWG parser cases are skipped.`);
const cases: Case[] = available ? (JSON.parse(readFileSync(CASES_FILE, 'utf8')) as { cases: Case[] }).cases : [];

type Make = (callbacks: SseParserCallbacks, options?: SseParserOptions) => SseStreamParser;
const parsers: [string, Make][] = [
  ['SseParser', (callbacks, options) => new SseParser(callbacks, options)],
  // the decoder the provider bodies are read with on the server
  ['SseParser with nodeUtf8Decoder', (callbacks, options) => new SseParser(callbacks, { ...options, decoder: nodeUtf8Decoder })],
];

interface Outcome {
  events: { event: string; data: string; lastEventId: string }[];
  retries: number[];
  comments: string[];
  lastEventIdAtEnd: string;
}

/** Feeds each connection (its pieces in order) to one parser, ending it between connections. */
function run(make: Make, connections: (string | Uint8Array)[][]): Outcome {
  const outcome: Outcome = { events: [], retries: [], comments: [], lastEventIdAtEnd: '' };
  const parser = make({
    onEvent: ({ event, data, lastEventId }) => outcome.events.push({ event, data, lastEventId }),
    onRetry: (ms) => outcome.retries.push(ms),
    onComment: (text) => outcome.comments.push(text),
  });
  for (const pieces of connections) {
    for (const piece of pieces) parser.feed(piece);
    parser.end();
  }
  outcome.lastEventIdAtEnd = parser.lastEventId;
  return outcome;
}

function cutAt(text: string, offset: number): string[] {
  return [text.slice(0, offset), text.slice(offset)];
}

/** Every way of feeding one body: whole, cut at each offset (text and bytes), one character / byte at a time. */
function splits(body: string, own?: string[]): [string, (string | Uint8Array)[]][] {
  const bytes = new TextEncoder().encode(body);
  const out: [string, (string | Uint8Array)[]][] = [
    ['whole text', [body]],
    ['whole bytes', [bytes]],
  ];
  if (own) out.push(['its own pieces', own], ['its own pieces as bytes', own.map((piece) => new TextEncoder().encode(piece))]);
  if (body.length <= 2000) {
    for (let i = 1; i < body.length; i++) out.push([`text cut at ${i}`, cutAt(body, i)]);
    for (let i = 1; i < bytes.length; i++) out.push([`bytes cut at ${i}`, [bytes.subarray(0, i), bytes.subarray(i)]]);
    out.push(['character by character', [...body.split('')]]);
    out.push(['byte by byte', Array.from(bytes, (_, i) => bytes.subarray(i, i + 1))]);
  } else {
    out.push(['in 7-byte pieces', Array.from({ length: Math.ceil(bytes.length / 7) }, (_, i) => bytes.subarray(i * 7, i * 7 + 7))]);
  }
  return out;
}

function check(outcome: Outcome, expected: Expected): void {
  expect(outcome.events).toEqual(expected.events ?? []);
  if (expected.retries) expect(outcome.retries).toEqual(expected.retries);
  if (expected.comments) expect(outcome.comments).toEqual(expected.comments);
  if (expected.lastEventIdAtEnd !== undefined) expect(outcome.lastEventIdAtEnd).toBe(expected.lastEventIdAtEnd);
}

/** The `huge` case: one event of multi-byte lines (~approxBytes of UTF-8), then its SHA-256 in a `done` event. */
function hugeBody(testCase: Case): { body: Uint8Array; data: string; hash: string } {
  const { lines, emojis } = testCase.generatorData!;
  const parts: string[] = [];
  let bytes = 0;
  for (let i = 0; bytes < testCase.generate!.approxBytes; i++) {
    const line = `${lines[i % lines.length]} ${emojis[i % emojis.length]}`;
    parts.push(line);
    bytes += Buffer.byteLength(line) + 6;
  }
  const data = parts.join('\n');
  const hash = createHash('sha256').update(data).digest('hex');
  const text = `${parts.map((line) => `data: ${line}\n`).join('')}\nevent: done\ndata: ${hash}\n\n`;
  return { body: new TextEncoder().encode(text), data, hash };
}

(available ? describe : describe.skip)('the WHATWG event-stream cases', () => {
  it('are all there', () => {
    expect(cases.length).toBeGreaterThanOrEqual(60);
  });

  for (const [parserName, make] of parsers) {
    describe(parserName, () => {
      for (const testCase of cases) {
        if (testCase.generate) {
          it(`${testCase.name}: one ~${Math.round(testCase.generate.approxBytes / 2 ** 20)} MiB event of multi-byte lines, in 64 KiB and odd-sized pieces`, () => {
            const { body, data, hash } = hugeBody(testCase);
            for (const size of [65_536, 4_099]) {
              const pieces = Array.from({ length: Math.ceil(body.length / size) }, (_, i) => body.subarray(i * size, i * size + size));
              const outcome = run(make, [pieces]);
              expect(outcome.events.length).toBe(2);
              expect(outcome.events[0].data === data).toBe(true);
              expect(outcome.events[1]).toEqual({ event: 'done', data: hash, lastEventId: '' });
            }
          });
          continue;
        }
        it(`${testCase.name}: same events however it is split`, () => {
          if (testCase.connections) {
            // each connection whole, then each cut every way while the others stay whole
            check(
              run(
                make,
                testCase.connections.map((body) => [body]),
              ),
              testCase.expect,
            );
            testCase.connections.forEach((body, index) => {
              for (const [, pieces] of splits(body)) {
                check(
                  run(
                    make,
                    testCase.connections!.map((other, i) => (i === index ? pieces : [other])),
                  ),
                  testCase.expect,
                );
              }
            });
          } else {
            const own = testCase.chunks!;
            for (const [, pieces] of splits(own.join(''), own)) check(run(make, [pieces]), testCase.expect);
          }
        });
      }
    });
  }
});

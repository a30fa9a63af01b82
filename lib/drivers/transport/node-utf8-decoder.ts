import { StringDecoder } from 'node:string_decoder';
import type { Utf8StreamDecoder } from '../../protocol/sse-parser.js';

/**
 * The SSE parser's UTF-8 decoder on Node: `node:string_decoder`, which keeps a character
 * split between chunks for the next one as `TextDecoder`'s `stream: true` does, at a quarter
 * of the cost per chunk (about 0.4 µs against 1.8 µs for a 450-byte chunk, measured on Node 20).
 * Invalid bytes become U+FFFD, as with the WHATWG decoder.
 */
export function nodeUtf8Decoder(): Utf8StreamDecoder {
  const decoder = new StringDecoder('utf8');
  return { decode: (bytes) => decoder.write(bytes), end: () => decoder.end() };
}

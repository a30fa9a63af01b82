// The parser is defined once, in lib/protocol/ (shared with the server and lib/testing).
export { SseParser, parseSse, SseLimitError, DEFAULT_SSE_MAX_LENGTH } from '../protocol/sse-parser.js';
export type { SseMessage, SseParserCallbacks, SseParserOptions, SseStreamParser } from '../protocol/sse-parser.js';

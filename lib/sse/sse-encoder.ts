// The encoder lives in lib/protocol/ (one definition for server, client and tests).
export { encodeSseEvent, encodeSseComment, encodeSseRetry, sanitizeField, type EncodableSseEvent } from '../protocol/sse-encoder.js';

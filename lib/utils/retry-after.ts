// Retry-After parsing is defined once, in lib/protocol/ (shared with the browser client).
export { parseRetryAfter } from '../protocol/retry.js';

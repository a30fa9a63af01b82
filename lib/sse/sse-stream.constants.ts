/** Metadata key of `@SseStream()` options on a route handler. */
export const SSE_STREAM_OPTIONS = 'bupple:sse-stream-options';

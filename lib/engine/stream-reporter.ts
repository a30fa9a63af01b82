/** The public names of an engine stream's lifecycle (see stream-lifecycle.ts); types only. */
export type { StreamAcceptedInfo, StreamFallbackInfo, StreamReporter, StreamRetryInfo } from './stream-lifecycle.js';

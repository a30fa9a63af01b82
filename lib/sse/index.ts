// Public SSE API (re-exported by lib/index.ts).
export { SseStream } from './sse-stream.decorator.js';
export { SseStreamInterceptor } from './sse-stream.interceptor.js';
export { SseProgressInterceptor, SseKeepaliveInterceptor, SseTransformInterceptor, SseDisconnectInterceptor } from './sse-features.js';
export { SseStreams } from './sse-streams.service.js';
export type { SseStopResult } from './sse-streams.service.js';
export type { SseResumeRequest } from './sse-resume.js';
export { sseEvent } from './sse-event.js';
export type { SseEvent } from './sse-event.js';
export { encodeSseEvent } from './sse-encoder.js';
export type { EncodableSseEvent } from './sse-encoder.js';
export type { SseStreamOptions, SseModuleOptions, SseProgressOptions, SseDisconnectPolicy, SseReplayOptions, SseRequest } from './sse-options.interface.js';
export type { SseStreamInfo, SseStreamState } from './replay/replay-record.js';

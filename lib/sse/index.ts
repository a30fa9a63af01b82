// @bupple/nestjs-ai-engine/sse: the SSE building blocks beside @SseStream() and SseStreams (which
// the root exports): the interceptors, event helpers and encoder, the option and stream-state
// types, the tool and UI-message event names, what the engine reports to the SSE layer.
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
export { SSE_TOOL_EVENTS } from './sse-tool-events.js';
export { UI_MESSAGE_STREAM_HEADER } from './ui-message-protocol.js';
export { ReplayUnavailableException } from './replay/replay-unavailable.exception.js';
export type { StreamReporter, StreamAcceptedInfo, StreamRetryInfo, StreamFallbackInfo } from '../engine/stream-reporter.js';

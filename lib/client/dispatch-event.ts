import type { SseMessage } from '../protocol/sse-parser.js';
import type { ChatStreamHandlers, StreamCloseReason, StreamOutcome } from './chat-stream-options.js';
import {
  isKnownEventName,
  type ChunkErrorData,
  type CompleteData,
  type ContentData,
  type FallbackData,
  type WarningData,
  type ProgressData,
  type ReasoningData,
  type SourceData,
  type ObjectPartialData,
  type ObjectElementData,
  type ObjectData,
  type ToolApprovalData,
  type ToolCallData,
  type ToolCallDeltaData,
  type ToolResultData,
  type RetryData,
  type StartData,
  type StreamEvent,
  type StreamErrorData,
} from './stream-events.js';

function parseData(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

/** A parsed SSE message as the client delivers it: its data parsed (JSON, else the text), flagged custom when the name is not the library's. */
export function toStreamEvent(message: SseMessage, seq: number | undefined): StreamEvent {
  return {
    custom: !isKnownEventName(message.event),
    event: message.event,
    data: parseData(message.data),
    id: message.id,
    seq,
    raw: message.data,
  } as StreamEvent;
}

/** What an event does to the stream's state, applied before its handler runs (so the handler sees it). */
export interface EventEffect {
  /** `start` told the stream id. */
  streamId?: string;
  /** Text to add to the answer (`content`). */
  append?: string;
  /** The partial answer is discarded (`retry` / `fallback` with `reset`). */
  reset?: boolean;
  /** The stream ends after this event. */
  ends?: { reason: StreamCloseReason; extra: Partial<StreamOutcome> };
}

/** `resync` as the client reports it: a retryable `stream_error` with code `resync`. */
function resyncError(event: StreamEvent): StreamErrorData {
  const given = event.data as { message?: unknown } | undefined;
  return {
    code: 'resync',
    message: typeof given?.message === 'string' ? given.message : 'The answer can no longer be resumed; ask again.',
    retryable: true,
  };
}

/** Whether `event` is the last of a stream (`complete`, `stream_error`, `resync`). */
export function isTerminalEvent(event: StreamEvent): boolean {
  return event.event === 'complete' || event.event === 'stream_error' || event.event === 'resync';
}

/** The effect of one event on the stream (see {@link EventEffect}); custom events have none. */
export function effectOf(event: StreamEvent): EventEffect {
  if (event.custom) return {};
  switch (event.event) {
    case 'start': {
      const data = event.data as StartData;
      return typeof data?.streamId === 'string' ? { streamId: data.streamId } : {};
    }
    case 'content': {
      const data = event.data as ContentData;
      return typeof data?.content === 'string' ? { append: data.content } : {};
    }
    case 'retry':
    case 'fallback':
      return (event.data as RetryData | FallbackData)?.reset ? { reset: true } : {};
    case 'complete':
      return { ends: { reason: 'complete', extra: { complete: event.data as CompleteData } } };
    case 'stream_error':
      return { ends: { reason: 'stream_error', extra: { streamError: event.data as StreamErrorData } } };
    case 'resync':
      return { ends: { reason: 'stream_error', extra: { streamError: resyncError(event) } } };
    default:
      return {};
  }
}

/** Calls the event's typed handler, then `onEvent`. `effect` is the event's {@link effectOf} (for `resync`'s error data). */
export function callHandlers(handlers: ChatStreamHandlers, event: StreamEvent, effect: EventEffect): void {
  const o = handlers;
  switch (event.event) {
    case 'start':
      o.onStart?.(event.data as StartData, event);
      break;
    case 'content':
      o.onContent?.(event.data as ContentData, event);
      break;
    case 'progress':
      o.onProgress?.(event.data as ProgressData, event);
      break;
    case 'keepalive':
      o.onKeepalive?.({ via: 'event' });
      break;
    case 'chunk_error':
      o.onChunkError?.(event.data as ChunkErrorData, event);
      break;
    case 'retry':
      o.onRetry?.(event.data as RetryData, event);
      break;
    case 'fallback':
      o.onFallback?.(event.data as FallbackData, event);
      break;
    case 'warning':
      o.onWarning?.(event.data as WarningData, event);
      break;
    case 'tool_call_delta':
      o.onToolCallDelta?.(event.data as ToolCallDeltaData, event);
      break;
    case 'tool_call':
      o.onToolCall?.(event.data as ToolCallData, event);
      break;
    case 'tool_result':
      o.onToolResult?.(event.data as ToolResultData, event);
      break;
    case 'tool_approval':
      o.onToolApproval?.(event.data as ToolApprovalData, event);
      break;
    case 'reasoning':
      o.onReasoning?.(event.data as ReasoningData, event);
      break;
    case 'source':
      o.onSource?.(event.data as SourceData, event);
      break;
    case 'object_partial':
      o.onObjectPartial?.(event.data as ObjectPartialData, event);
      break;
    case 'object_element':
      o.onObjectElement?.(event.data as ObjectElementData, event);
      break;
    case 'object':
      o.onObject?.(event.data as ObjectData, event);
      break;
    case 'complete':
      o.onComplete?.(event.data as CompleteData, event);
      break;
    case 'stream_error':
      o.onStreamError?.(event.data as StreamErrorData, event);
      break;
    case 'resync':
      o.onStreamError?.(effect.ends?.extra.streamError ?? resyncError(event), event);
      break;
    default:
      break;
  }
  o.onEvent?.(event);
}

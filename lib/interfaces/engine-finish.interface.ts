import type { EngineUsage } from './engine-usage.interface.js';
import type { FinishReason } from './finish-reason.type.js';

/** One finished answer, as `onFinish` hooks receive it (once per answer: done, failed or aborted). */
export interface EngineFinishInfo {
  /** The engine that answered (after a fallback, the last one tried). */
  engine: string;
  model: string;
  /** Usage as the provider reported it; null when it reported none (or the answer failed early). */
  usage: EngineUsage | null;
  /** Null when the answer failed or was aborted before it finished. */
  finishReason: FinishReason | null;
  durationMs: number;
  /** From the call until the first answer data (text, reasoning or a tool call); null when none came. */
  timeToFirstTokenMs: number | null;
  /** The conversation's id (`parentId`), when the call stored into one. */
  conversationId?: string;
  /** The SSE stream's id, when the answer went out through `@SseStream()`. */
  streamId?: string;
  /** The caller went away (unsubscribed, client gone, signal) before the answer was whole. */
  aborted: boolean;
  /** The failure, when it failed: its code and the library's message (no provider text). */
  error?: { code: string; message: string };
}

/** Called once per answer; a hook that throws or rejects is logged and does not affect the stream. */
export type EngineFinishHook = (info: EngineFinishInfo) => void | Promise<void>;

import type { EngineUsage } from '../interfaces/engine-usage.interface.js';
import type { FinishReason } from '../interfaces/finish-reason.type.js';

/**
 * OpenTelemetry, through `@opentelemetry/api` (an optional peer: `npm install @opentelemetry/api`
 * and register an SDK). On by default when the package is installed; `telemetry: false` (or
 * `{ enabled: false }`) turns it off. Without the package, or off, nothing is loaded or paid.
 */
export interface TelemetryOptions {
  enabled?: boolean;
  /**
   * Records prompts and answers on the call span (`gen_ai.input.messages`,
   * `gen_ai.output.messages`). Off by default: they may hold personal data.
   */
  recordContent?: boolean;
}

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

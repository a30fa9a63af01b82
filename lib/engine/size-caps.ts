import type { BuppleEngineModuleOptions } from '../bupple-engine.module-options.js';
import { DEFAULT_MAX_STREAM_CHARS } from '../sse/replay/memory-replay-buffer.js';
import { DEFAULT_MAX_PENDING } from '../sse/sse-connection.js';

/** Longest delta accepted from a provider when nothing lowers it (`engine.maxDeltaChars`). */
export const DEFAULT_MAX_DELTA_CHARS = 256 * 1024;

function caps(options: Partial<BuppleEngineModuleOptions>): { pending: number; replay: number } {
  const pending = options.sse?.maxPendingLength;
  const replay = options.sse?.replay?.maxStreamChars;
  return {
    pending: typeof pending === 'number' && Number.isFinite(pending) ? pending : DEFAULT_MAX_PENDING,
    replay: typeof replay === 'number' && Number.isFinite(replay) ? replay : DEFAULT_MAX_STREAM_CHARS,
  };
}

/**
 * The delta cap in force: `engine.maxDeltaChars`, or by default 256 KiB lowered to half of the
 * SSE writer's pending cap and of the replay buffer's per-stream cap, whichever is smallest, so
 * that whatever is accepted (and stored in memory) can be sent and replayed.
 */
export function resolveMaxDeltaChars(options: Partial<BuppleEngineModuleOptions>): number {
  const given = options.engine?.maxDeltaChars;
  if (given !== undefined) return given;
  const { pending, replay } = caps(options);
  return Math.max(1, Math.min(DEFAULT_MAX_DELTA_CHARS, Math.floor(pending / 2), Math.floor(replay / 2)));
}

/** Problems when an explicit `engine.maxDeltaChars` does not fit the SSE caps. */
export function sizeCapProblems(options: Partial<BuppleEngineModuleOptions>): string[] {
  const delta = options.engine?.maxDeltaChars;
  if (typeof delta !== 'number' || !Number.isFinite(delta)) return [];
  const { pending, replay } = caps(options);
  const problems: string[] = [];
  if (delta * 2 > pending) problems.push(`engine.maxDeltaChars: must be at most half of sse.maxPendingLength (${pending}); got ${delta}`);
  if (delta * 2 > replay) problems.push(`engine.maxDeltaChars: must be at most half of sse.replay.maxStreamChars (${replay}); got ${delta}`);
  return problems;
}

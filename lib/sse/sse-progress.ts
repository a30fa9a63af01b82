import type { SseProgressOptions, SseRequest } from './sse-options.interface.js';

/** Progress settings of one stream, with its total known. */
export interface ResolvedProgress {
  total: number;
  intervalMs: number;
  percentStep: number;
}

function positive(value: unknown): number | undefined {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : undefined;
}

/** The request's `maxTokens`: `body.options.maxTokens`, `body.maxTokens`, or `?maxTokens=`. */
export function maxTokensOf(request: SseRequest): number | undefined {
  const body = request.body as { maxTokens?: unknown; options?: { maxTokens?: unknown } } | undefined;
  return positive(body?.options?.maxTokens) ?? positive(body?.maxTokens) ?? positive(request.query?.maxTokens);
}

/** Whitespace as `\s` reads it, beyond ASCII (ASCII's is tested inline). */
function isUnicodeSpace(c: number): boolean {
  return (
    c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff
  );
}

/**
 * Output tokens in a piece of answer text, estimated without a tokenizer (progress only; the
 * provider's usage replaces the estimate at the end): a run of Latin letters or digits
 * (`[A-Za-z0-9\u00C0-\u024F]+`) is one token per 6 characters begun, any other visible
 * character (punctuation, a CJK character, an emoji: one code point) one token. A chunk with
 * text is at least one token. One pass over the char codes: it runs for every content chunk of
 * a stream with progress on (a regular expression's matches cost 10× as much).
 */
export function estimateTokens(text: string): number {
  const length = text.length;
  let count = 0;
  let run = 0;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || (c >= 0xc0 && c <= 0x24f)) {
      run++;
      continue;
    }
    if (run > 0) {
      count += Math.ceil(run / 6);
      run = 0;
    }
    if (c <= 0x7f ? c === 32 || (c >= 9 && c <= 13) : isUnicodeSpace(c)) continue;
    count++;
    // a surrogate pair is one character
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
  }
  if (run > 0) count += Math.ceil(run / 6);
  return length > 0 ? Math.max(1, count) : 0;
}

/** The progress settings for one request, or undefined when progress is off or no total is known. */
export function resolveProgress(option: boolean | SseProgressOptions | undefined, request: SseRequest): ResolvedProgress | undefined {
  if (!option) return undefined;
  const settings: SseProgressOptions = option === true ? {} : option;
  const given = settings.total;
  const total = positive(typeof given === 'function' ? given(request) : given === undefined ? maxTokensOf(request) : given);
  if (total === undefined) return undefined;
  return { total, intervalMs: Math.max(0, settings.intervalMs ?? 100), percentStep: Math.max(0, settings.percentStep ?? 1) };
}

/** One `progress` event's data. */
export interface ProgressData {
  processed: number;
  total: number;
  percent: number;
}

/**
 * Counts one stream's progress in output tokens, without a timer: on each piece of answer it
 * compares the percentage and the clock, and says when a `progress` event is due.
 */
export class ProgressCounter {
  private processed = 0;
  private lastPercent = 0;
  private lastAt = 0;

  constructor(private readonly settings: ResolvedProgress) {}

  /** Counts `tokens` more; the event to send, when one is due (at most 99 % before the end). */
  count(tokens: number): ProgressData | undefined {
    const { total, percentStep, intervalMs } = this.settings;
    this.processed += tokens;
    const percent = Math.min(99, Math.floor((this.processed * 100) / total));
    if (percent - this.lastPercent < percentStep || percent <= this.lastPercent) return undefined;
    if (intervalMs > 0) {
      const now = Date.now();
      if (now - this.lastAt < intervalMs) return undefined;
      this.lastAt = now;
    }
    this.lastPercent = percent;
    return { processed: Math.min(this.processed, total), total, percent };
  }

  /**
   * The last event: the answer's real size, the provider's output tokens when it reported
   * usage, else the estimate; processed and total both say it, so it reads N of N at 100 %.
   */
  end(completionTokens: number | undefined): ProgressData {
    const tokens = completionTokens !== undefined && completionTokens > 0 ? completionTokens : this.processed;
    return { processed: tokens, total: tokens, percent: 100 };
  }
}

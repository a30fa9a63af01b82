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

/**
 * Output tokens in a piece of answer text, estimated without a tokenizer (progress only; the
 * provider's usage replaces the estimate at the end): a run of Latin letters or digits is one
 * token per 6 characters begun, any other visible character (punctuation, a CJK character…)
 * one token. A chunk with text is at least one token.
 */
export function estimateTokens(text: string): number {
  let count = 0;
  for (const match of text.matchAll(/[A-Za-z0-9\u00C0-\u024F]+|\S/gu)) count += match[0].length > 1 ? Math.ceil(match[0].length / 6) : 1;
  return text.length > 0 ? Math.max(1, count) : 0;
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

import type { FinishReason } from '../../interfaces/finish-reason.type.js';

/** Finish reasons that mean Gemini stopped because of its content policy. */
const CONTENT_FILTER = new Set([
  'SAFETY',
  'RECITATION',
  'BLOCKLIST',
  'PROHIBITED_CONTENT',
  'SPII',
  'IMAGE_SAFETY',
  'IMAGE_PROHIBITED_CONTENT',
  'IMAGE_RECITATION',
]);

/**
 * Gemini's `finishReason` → the engine's finish reason: `STOP` → `stop`, `MAX_TOKENS` → `length`,
 * `SAFETY`, `RECITATION`, `BLOCKLIST`, `PROHIBITED_CONTENT`, `SPII` (and their image
 * variants) → `content_filter`, anything else (`OTHER`, `LANGUAGE`, `MALFORMED_FUNCTION_CALL`, …) → `other`.
 */
export function mapGeminiFinishReason(finishReason: string | null | undefined): FinishReason {
  if (finishReason === 'STOP') return 'stop';
  if (finishReason === 'MAX_TOKENS') return 'length';
  if (finishReason && CONTENT_FILTER.has(finishReason)) return 'content_filter';
  return 'other';
}

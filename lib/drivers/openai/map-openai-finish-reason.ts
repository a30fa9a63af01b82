import type { FinishReason } from '../../interfaces/finish-reason.type.js';

/**
 * Normalises a Chat Completions `finish_reason`. OpenAI sends `stop`, `length`,
 * `content_filter`, `tool_calls` and (older models) `function_call`; the other values are
 * what some OpenAI-compatible servers send instead (`eos` from TGI, `abort` from vLLM…).
 * The raw value is kept by the caller next to the normalised one.
 */
export function mapOpenAIFinishReason(raw: string | null | undefined): FinishReason {
  switch (raw) {
    case 'stop':
    case 'eos':
    case 'eos_token':
    case 'end_turn':
    case 'stop_sequence':
      return 'stop';
    case 'length':
    case 'max_tokens':
    case 'model_length':
      return 'length';
    case 'content_filter':
      return 'content_filter';
    case 'tool_calls':
    case 'function_call':
      return 'tool_calls';
    case 'error':
    case 'abort':
      return 'error';
    default:
      return 'other';
  }
}

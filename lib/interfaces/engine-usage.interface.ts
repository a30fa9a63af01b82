/**
 * Token usage, normalised across providers. `promptTokens` counts every input token
 * (cached ones included); the optional fields break it down where the provider reports it.
 */
export interface EngineUsage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  /** Input tokens read from the provider's prompt cache (part of `promptTokens`). */
  cachedInputTokens?: number;
  /** Input tokens written to the prompt cache (Claude `cache_creation_input_tokens`). */
  cacheWriteTokens?: number;
  /** Output tokens spent on reasoning (part of `completionTokens`). */
  reasoningTokens?: number;
}

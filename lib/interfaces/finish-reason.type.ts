/**
 * Why generation stopped, normalised across providers. The provider's own value is kept
 * next to it as `rawFinishReason`.
 */
export type FinishReason = 'stop' | 'length' | 'content_filter' | 'tool_calls' | 'error' | 'other';

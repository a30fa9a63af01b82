/** Token usage, normalised across providers. */
export interface EngineUsage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
}

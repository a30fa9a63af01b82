/**
 * The parts of the Gemini Developer API (`v1beta`, through `@google/genai` 2.x) that this
 * driver writes and reads. Declared here rather than imported from the SDK, so that the
 * package's public declarations never name the optional SDK.
 */

export interface GeminiPart {
  text?: string;
  /** True for a thought summary (thinking models with `includeThoughts`): not part of the answer. */
  thought?: boolean;
  inlineData?: { mimeType: string; data: string };
  fileData?: { fileUri: string; mimeType: string };
}

export interface GeminiContent {
  role: 'user' | 'model';
  parts: GeminiPart[];
}

/** `GenerateContentConfig` as far as the driver sets it; `providerOptions` add any other field of it. */
export interface GeminiGenerateConfig {
  systemInstruction?: { parts: { text: string }[] };
  temperature?: number;
  topP?: number;
  maxOutputTokens?: number;
  stopSequences?: string[];
  presencePenalty?: number;
  frequencyPenalty?: number;
  [field: string]: unknown;
}

/** What `models.generateContentStream()` is given (the SDK adds the abort signal and HTTP options). */
export interface GeminiRequest {
  model: string;
  contents: GeminiContent[];
  config: GeminiGenerateConfig;
}

export interface GeminiUsageMetadata {
  promptTokenCount?: number;
  candidatesTokenCount?: number;
  thoughtsTokenCount?: number;
  totalTokenCount?: number;
  cachedContentTokenCount?: number;
}

/** One `data:` event of `streamGenerateContent?alt=sse`. */
export interface GeminiChunk {
  candidates?: {
    content?: { parts?: GeminiPart[]; role?: string };
    finishReason?: string;
    finishMessage?: string;
    index?: number;
  }[];
  promptFeedback?: { blockReason?: string; blockReasonMessage?: string };
  usageMetadata?: GeminiUsageMetadata;
  modelVersion?: string;
  responseId?: string;
}

/**
 * What the opener saw of the HTTP exchange, for error mapping: whether a request went out at
 * all (the SDK rejects some configurations before sending), and the response status and
 * headers (the SDK's `ApiError` keeps neither `Retry-After` nor any other header).
 */
export interface GeminiExchange {
  requestSent: boolean;
  status?: number;
  headers?: Headers;
}

/**
 * Sends one streaming request and resolves once the response headers are in (status 2xx),
 * with the chunks still to be read. Rejects with the SDK's error otherwise.
 */
export type GeminiStreamOpener = (request: GeminiRequest, signal: AbortSignal, exchange: GeminiExchange) => Promise<AsyncIterable<GeminiChunk>>;

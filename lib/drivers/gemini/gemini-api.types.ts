/**
 * The parts of the Gemini Developer API (`v1beta` REST, `models/{model}:streamGenerateContent?alt=sse`)
 * that this driver writes and reads. Declared here: the driver speaks the REST wire format
 * itself and needs no SDK.
 */

/** Gemini's OpenAPI-style `Schema` (function parameters, `responseSchema`). */
export interface GeminiSchema {
  type?: string;
  format?: string;
  title?: string;
  description?: string;
  nullable?: boolean;
  enum?: string[];
  items?: GeminiSchema;
  properties?: Record<string, GeminiSchema>;
  required?: string[];
  anyOf?: GeminiSchema[];
  minItems?: number;
  maxItems?: number;
  minProperties?: number;
  maxProperties?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  default?: unknown;
  example?: unknown;
  propertyOrdering?: string[];
}

export interface GeminiFunctionCall {
  /** Sent by some Gemini APIs (Vertex, Live); the Developer API usually leaves it out. */
  id?: string;
  name: string;
  args?: Record<string, unknown>;
}

export interface GeminiPart {
  text?: string;
  /** True for a thought summary (thinking models with `includeThoughts`): not part of the answer. */
  thought?: boolean;
  /** Opaque signature of the model's reasoning: must go back unchanged with its part. */
  thoughtSignature?: string;
  inlineData?: { mimeType: string; data: string };
  fileData?: { fileUri: string; mimeType: string };
  functionCall?: GeminiFunctionCall;
  functionResponse?: { id?: string; name: string; response: Record<string, unknown> };
}

export interface GeminiContent {
  role: 'user' | 'model';
  parts: GeminiPart[];
}

export interface GeminiFunctionDeclaration {
  name: string;
  description?: string;
  parameters?: GeminiSchema;
}

/** The JSON body of `streamGenerateContent`. `providerOptions` may add any other field of it. */
export interface GeminiRequestBody {
  contents: GeminiContent[];
  systemInstruction?: { parts: { text: string }[] };
  tools?: Record<string, unknown>[];
  toolConfig?: { functionCallingConfig?: { mode: 'AUTO' | 'ANY' | 'NONE' | 'VALIDATED'; allowedFunctionNames?: string[] } } & Record<string, unknown>;
  safetySettings?: unknown[];
  generationConfig?: Record<string, unknown>;
  [field: string]: unknown;
}

export interface GeminiUsageMetadata {
  promptTokenCount?: number;
  candidatesTokenCount?: number;
  thoughtsTokenCount?: number;
  totalTokenCount?: number;
  cachedContentTokenCount?: number;
  toolUsePromptTokenCount?: number;
}

export interface GeminiGroundingMetadata {
  groundingChunks?: { web?: { uri?: string; title?: string }; retrievedContext?: { uri?: string; title?: string } }[];
  [field: string]: unknown;
}

export interface GeminiCitationSource {
  uri?: string;
  title?: string;
  startIndex?: number;
  endIndex?: number;
  license?: string;
}

export interface GeminiCandidate {
  content?: { parts?: GeminiPart[]; role?: string };
  finishReason?: string;
  finishMessage?: string;
  /** The candidate's number; absent in some streams (then its position in the array). */
  index?: number;
  safetyRatings?: unknown[];
  /** Gemini Developer API: `citationSources`; Vertex AI: `citations`. */
  citationMetadata?: { citationSources?: GeminiCitationSource[]; citations?: GeminiCitationSource[] };
  groundingMetadata?: GeminiGroundingMetadata;
}

/** One `data:` event of `streamGenerateContent?alt=sse`, or an error object sent instead. */
export interface GeminiChunk {
  candidates?: GeminiCandidate[];
  promptFeedback?: { blockReason?: string; blockReasonMessage?: string; safetyRatings?: unknown[] };
  usageMetadata?: GeminiUsageMetadata;
  modelVersion?: string;
  responseId?: string;
  error?: unknown;
}

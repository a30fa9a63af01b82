/**
 * Who wrote a message. Providers name these differently; drivers map them. `tool` messages
 * carry the results of the tool calls of the assistant message before them.
 */
export type EngineRole = 'system' | 'user' | 'assistant' | 'tool';

/** Plain text. */
export interface TextPart {
  type: 'text';
  text: string;
}

/** An image, either by URL or inline as base64 `data` with its `mimeType`. */
export interface ImagePart {
  type: 'image';
  url?: string;
  data?: string;
  mimeType?: string;
}

/** Audio, inline as base64 `data` with its `mimeType` (e.g. `audio/wav`, `audio/mp3`). */
export interface AudioPart {
  type: 'audio';
  data: string;
  mimeType: string;
}

/** A document (e.g. a PDF), inline as base64 `data` or by `url`, with its `mimeType`. */
export interface FilePart {
  type: 'file';
  url?: string;
  data?: string;
  mimeType: string;
  filename?: string;
}

/**
 * Reasoning the model did before answering (assistant messages). Claude needs `signature`
 * (or `redactedData` for a redacted block) back unchanged to accept the block in a tool loop.
 */
export interface ReasoningPart {
  type: 'reasoning';
  text: string;
  signature?: string;
  redactedData?: string;
}

/** A tool call the assistant made (assistant messages). */
export interface ToolCallPart {
  type: 'tool-call';
  id: string;
  name: string;
  args: unknown;
  /** Provider data to send back with the call (e.g. Gemini `thoughtSignature`). */
  providerMetadata?: Record<string, unknown>;
}

/** The result of one tool call (`tool` messages): `result`, or `error` when the tool failed. */
export interface ToolResultPart {
  type: 'tool-result';
  id: string;
  name: string;
  result?: unknown;
  error?: { message: string };
}

export type ContentPart = TextPart | ImagePart | AudioPart | FilePart | ReasoningPart | ToolCallPart | ToolResultPart;

/** One turn of a conversation, as callers give it to the engine. */
export interface EngineMessage {
  role: EngineRole;
  content: string | ContentPart[];
  /**
   * Claude prompt caching: a cache breakpoint after this message (`cache_control: { type:
   * 'ephemeral' }` on its last block), so that the conversation up to here is cached.
   * Other providers ignore it (they cache on their own).
   */
  cacheControl?: boolean;
}

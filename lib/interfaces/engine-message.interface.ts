/** Who wrote a message. Providers name these differently; drivers map them. */
export type EngineRole = 'system' | 'user' | 'assistant';

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

export type ContentPart = TextPart | ImagePart | AudioPart;

/** One turn of a conversation, as callers give it to the engine. */
export interface EngineMessage {
  role: EngineRole;
  content: string | ContentPart[];
}

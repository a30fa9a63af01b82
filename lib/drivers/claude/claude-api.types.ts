/**
 * The parts of Anthropic's Messages API (version 2026-10-21, sent by `@anthropic-ai/sdk` 1.x)
 * that this driver writes and reads. Declared here rather than imported from the SDK, so that
 * the package's public declarations never name the optional SDK.
 */

export interface ClaudeTextBlock {
  type: 'text';
  text: string;
}

export interface ClaudeImageBlock {
  type: 'image';
  source: { type: 'base64'; media_type: string; data: string } | { type: 'url'; url: string };
}

export type ClaudeContentBlock = ClaudeTextBlock | ClaudeImageBlock;

/** One turn. A lone text is sent as a string, anything else as blocks. */
export interface ClaudeMessageParam {
  role: 'user' | 'assistant';
  content: string | ClaudeContentBlock[];
}

/** The body of `POST /v1/messages` (before `stream: true` is added). `providerOptions` add any other field. */
export interface ClaudeRequestBody {
  model: string;
  max_tokens: number;
  messages: ClaudeMessageParam[];
  system?: string;
  stop_sequences?: string[];
  metadata?: { user_id?: string };
  [field: string]: unknown;
}

/** Token counts as Anthropic reports them (`message_start` has input, `message_delta` the running output). */
export interface ClaudeUsage {
  input_tokens?: number | null;
  output_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
  cache_read_input_tokens?: number | null;
}

/**
 * The stream events the driver reads. `ping` is dropped by the SDK, and `error` events are
 * thrown by it as `APIError`; events of other types (new ones included) are ignored.
 */
export type ClaudeStreamEvent =
  | { type: 'message_start'; message: { id?: string; model?: string; usage?: ClaudeUsage } }
  | { type: 'content_block_start'; index: number; content_block: { type: string; text?: string } }
  | { type: 'content_block_delta'; index: number; delta: { type: string; text?: string } }
  | { type: 'content_block_stop'; index: number }
  | { type: 'message_delta'; delta: { stop_reason: string | null; stop_sequence?: string | null }; usage?: ClaudeUsage }
  | { type: 'message_stop' };

/**
 * Sends one streaming request and resolves once the response headers are in (status 2xx),
 * with the events still to be read. Rejects with the SDK's error otherwise.
 */
export type ClaudeStreamOpener = (body: ClaudeRequestBody, signal: AbortSignal) => Promise<AsyncIterable<ClaudeStreamEvent>>;

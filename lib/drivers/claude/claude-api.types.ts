/**
 * The parts of Anthropic's Messages API (version 2026-10-21, sent by `@anthropic-ai/sdk` 1.x)
 * that this driver writes and reads. Declared here rather than imported from the SDK, so that
 * the package's public declarations never name the optional SDK.
 */

/** A prompt-cache breakpoint: everything up to and including this block is cached. */
export interface ClaudeCacheControl {
  type: 'ephemeral';
}

export interface ClaudeTextBlock {
  type: 'text';
  text: string;
  cache_control?: ClaudeCacheControl;
}

export interface ClaudeImageBlock {
  type: 'image';
  source: { type: 'base64'; media_type: string; data: string } | { type: 'url'; url: string };
  cache_control?: ClaudeCacheControl;
}

/** A PDF (base64 or URL) or a plain-text document. */
export interface ClaudeDocumentBlock {
  type: 'document';
  source:
    { type: 'base64'; media_type: 'application/pdf'; data: string } | { type: 'url'; url: string } | { type: 'text'; media_type: 'text/plain'; data: string };
  title?: string;
  cache_control?: ClaudeCacheControl;
}

/** Thinking sent back in a later turn: the text and its signature, unchanged. */
export interface ClaudeThinkingBlock {
  type: 'thinking';
  thinking: string;
  signature: string;
}

export interface ClaudeRedactedThinkingBlock {
  type: 'redacted_thinking';
  data: string;
}

export interface ClaudeToolUseBlock {
  type: 'tool_use';
  id: string;
  name: string;
  input: unknown;
  cache_control?: ClaudeCacheControl;
}

export interface ClaudeToolResultBlock {
  type: 'tool_result';
  tool_use_id: string;
  content: string;
  is_error?: boolean;
  cache_control?: ClaudeCacheControl;
}

export type ClaudeContentBlock =
  ClaudeTextBlock | ClaudeImageBlock | ClaudeDocumentBlock | ClaudeThinkingBlock | ClaudeRedactedThinkingBlock | ClaudeToolUseBlock | ClaudeToolResultBlock;

/** One turn. A lone text is sent as a string, anything else as blocks. */
export interface ClaudeMessageParam {
  role: 'user' | 'assistant';
  content: string | ClaudeContentBlock[];
}

/** A client tool: the model calls it, the application runs it. */
export interface ClaudeTool {
  name: string;
  description?: string;
  input_schema: Record<string, unknown>;
  cache_control?: ClaudeCacheControl;
}

export type ClaudeToolChoice =
  { type: 'auto' | 'any'; disable_parallel_tool_use?: boolean } | { type: 'tool'; name: string; disable_parallel_tool_use?: boolean } | { type: 'none' };

/** The body of `POST /v1/messages` (before `stream: true` is added). `providerOptions` add any other field. */
export interface ClaudeRequestBody {
  model: string;
  max_tokens: number;
  messages: ClaudeMessageParam[];
  system?: string | ClaudeTextBlock[];
  stop_sequences?: string[];
  metadata?: { user_id?: string };
  tools?: ClaudeTool[];
  tool_choice?: ClaudeToolChoice;
  thinking?: { type: 'enabled'; budget_tokens: number };
  /** Native structured output: the answer text is JSON matching `format.schema`. */
  output_config?: { format?: { type: 'json_schema'; schema: Record<string, unknown> } };
  [field: string]: unknown;
}

/** Token counts as Anthropic reports them (`message_start` has input, `message_delta` the running output). */
export interface ClaudeUsage {
  input_tokens?: number | null;
  output_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
  cache_read_input_tokens?: number | null;
  output_tokens_details?: { thinking_tokens?: number | null } | null;
}

/** A citation inside a text block; web-search ones carry the page's URL and title. */
export interface ClaudeCitation {
  type: string;
  url?: string;
  title?: string | null;
}

/** The content blocks the stream opens with `content_block_start`. */
export interface ClaudeStreamBlock {
  type: string;
  text?: string;
  thinking?: string;
  signature?: string;
  /** `redacted_thinking`: the encrypted thinking. */
  data?: string;
  /** `tool_use` / `server_tool_use`. */
  id?: string;
  name?: string;
  input?: unknown;
  citations?: ClaudeCitation[] | null;
  /** `web_search_tool_result`: the results (or an error object). */
  content?: unknown;
}

export interface ClaudeStreamDelta {
  type: string;
  text?: string;
  thinking?: string;
  signature?: string;
  partial_json?: string;
  citation?: ClaudeCitation;
}

/**
 * The stream events the driver reads (the `data:` JSON of each event; its `type` is the
 * `event:` name). Events of other types (new ones included) are taken as activity.
 */
export type ClaudeStreamEvent =
  | { type: 'message_start'; message: { id?: string; model?: string; usage?: ClaudeUsage } }
  | { type: 'content_block_start'; index: number; content_block: ClaudeStreamBlock }
  | { type: 'content_block_delta'; index: number; delta: ClaudeStreamDelta }
  | { type: 'content_block_stop'; index: number }
  | { type: 'message_delta'; delta: { stop_reason: string | null; stop_sequence?: string | null }; usage?: ClaudeUsage }
  | { type: 'message_stop' }
  | { type: 'ping' }
  | { type: 'error'; error: { type: string; message?: string } };

/**
 * Sends one streaming request and resolves once the response headers are in (status 2xx),
 * with the raw response (its body still to be read). Rejects otherwise (an error answer as the
 * transport's `ProviderResponseError`, in the SDK's error's cause chain).
 */
export type ClaudeStreamOpener = (body: ClaudeRequestBody, signal: AbortSignal) => Promise<Response>;

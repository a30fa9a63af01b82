/**
 * The parts of the Chat Completions wire format this driver reads and writes. Written out
 * here rather than imported from `openai`, so that the emitted declarations never import the
 * optional SDK, and so that the looser shapes of OpenAI-compatible servers (missing `index`,
 * `usage: null`, an `error` string) stay within the types.
 */

/** A content part of a user message. */
export type OpenAIContentPart =
  | { type: 'text'; text: string }
  | { type: 'image_url'; image_url: { url: string } }
  | { type: 'input_audio'; input_audio: { data: string; format: 'wav' | 'mp3' } }
  | { type: 'file'; file: { file_data: string; filename?: string } };

/** A tool call in an assistant message of the request. */
export interface OpenAIToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

/** One message of `messages` in the request body. */
export type OpenAIMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string | OpenAIContentPart[] }
  | { role: 'assistant'; content: string | null; tool_calls?: OpenAIToolCall[] }
  | { role: 'tool'; tool_call_id: string; content: string };

/** A tool as the request's `tools` lists it. */
export interface OpenAITool {
  type: 'function';
  function: { name: string; description?: string; parameters: Record<string, unknown>; strict?: boolean };
}

/** `tool_choice`. */
export type OpenAIToolChoice = 'auto' | 'none' | 'required' | { type: 'function'; function: { name: string } };

/** `response_format`. */
export type OpenAIResponseFormat =
  { type: 'json_object' } | { type: 'json_schema'; json_schema: { name: string; description?: string; schema: Record<string, unknown>; strict: boolean } };

/** The request body sent to `POST {baseURL}/chat/completions`. */
export interface OpenAIChatRequestBody {
  model: string;
  messages: OpenAIMessage[];
  stream: true;
  stream_options?: { include_usage: true; [key: string]: unknown };
  temperature?: number;
  max_tokens?: number;
  top_p?: number;
  stop?: string[];
  presence_penalty?: number;
  frequency_penalty?: number;
  user?: string;
  tools?: OpenAITool[];
  tool_choice?: OpenAIToolChoice;
  parallel_tool_calls?: boolean;
  reasoning_effort?: 'low' | 'medium' | 'high';
  response_format?: OpenAIResponseFormat;
  /** Whatever `providerOptions` adds (seed, response_format, logit_bias, reasoning_effort…). */
  [key: string]: unknown;
}

/** `usage` of the last chunk when `stream_options.include_usage` is set. */
export interface OpenAIUsage {
  prompt_tokens?: number | null;
  completion_tokens?: number | null;
  total_tokens?: number | null;
  prompt_tokens_details?: { cached_tokens?: number | null } | null;
  completion_tokens_details?: { reasoning_tokens?: number | null } | null;
}

/** One `data:` event of the stream. */
export interface OpenAIChatChunk {
  id?: string;
  object?: string;
  created?: number;
  model?: string;
  choices?: Array<{
    index?: number;
    delta?: {
      role?: string;
      /** A string; Mistral sends an array of `{ type: 'text' | 'thinking', … }` parts. */
      content?: string | unknown[] | null;
      refusal?: string | null;
      /** DeepSeek. */
      reasoning_content?: string | null;
      /** Groq, OpenRouter. */
      reasoning?: string | null;
      tool_calls?: Array<{ index?: number; id?: string; type?: string; function?: { name?: string; arguments?: string } }> | null;
    } | null;
    finish_reason?: string | null;
  }>;
  usage?: OpenAIUsage | null;
  /** Perplexity: the URLs the answer cites. */
  citations?: unknown[];
  /** Perplexity: `{ url, title }` of each search result. */
  search_results?: unknown[];
  /** Groq: usage (also under `usage`). */
  x_groq?: { usage?: OpenAIUsage } & Record<string, unknown>;
}

/**
 * The slice of the `openai` client the driver uses. The SDK's `OpenAI` (and `AzureOpenAI`)
 * client fits it; a test or an app may pass any object that does.
 */
export interface OpenAIChatClient {
  chat: {
    completions: {
      create(body: OpenAIChatRequestBody, options: { signal: AbortSignal }): { asResponse(): Promise<Response> };
    };
  };
}

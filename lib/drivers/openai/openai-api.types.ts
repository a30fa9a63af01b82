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
  | { type: 'input_audio'; input_audio: { data: string; format: 'wav' | 'mp3' } };

/** One message of `messages` in the request body. */
export type OpenAIMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string | OpenAIContentPart[] }
  | { role: 'assistant'; content: string };

/** The request body sent to `POST {baseURL}/chat/completions`. */
export interface OpenAIChatRequestBody {
  model: string;
  messages: OpenAIMessage[];
  stream: true;
  stream_options: { include_usage: true; [key: string]: unknown };
  temperature?: number;
  max_tokens?: number;
  top_p?: number;
  stop?: string[];
  presence_penalty?: number;
  frequency_penalty?: number;
  user?: string;
  /** Whatever `providerOptions` adds (seed, response_format, logit_bias, reasoning_effort…). */
  [key: string]: unknown;
}

/** `usage` of the last chunk when `stream_options.include_usage` is set. */
export interface OpenAIUsage {
  prompt_tokens?: number | null;
  completion_tokens?: number | null;
  total_tokens?: number | null;
}

/** One `data:` event of the stream. */
export interface OpenAIChatChunk {
  id?: string;
  object?: string;
  created?: number;
  model?: string;
  choices?: Array<{
    index?: number;
    delta?: { role?: string; content?: string | null; refusal?: string | null } | null;
    finish_reason?: string | null;
  }>;
  usage?: OpenAIUsage | null;
}

/**
 * The slice of the `openai` client the driver uses. The SDK's `OpenAI` (and `AzureOpenAI`)
 * client fits it; a test or an app may pass any object that does.
 */
export interface OpenAIChatClient {
  chat: {
    completions: {
      create(
        body: OpenAIChatRequestBody,
        options: { signal: AbortSignal },
      ): { asResponse(): Promise<Response> };
    };
  };
}

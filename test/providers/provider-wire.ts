import type { ServerResponse } from 'node:http';
import { sendJsonError, startEventStream, type RecordedRequest } from '../utils/fake-provider-server.js';

/**
 * How each provider speaks on the wire, for the end-to-end suite: a 200 event stream of text
 * deltas (with usage and a finish reason), the provider's own HTTP error answers (status,
 * headers, JSON body), an error sent in the middle of a stream, and how to read back the
 * request the driver sent. Shapes follow the recorded fixtures in lib/drivers/<x>/__fixtures__.
 */

export type EngineName = 'openai' | 'claude' | 'gemini';

/** Usage as the engine normalises it. */
export interface Usage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
}

/** The HTTP failures every provider can answer with. */
export type HttpErrorKind = 'auth' | 'rate_limit' | 'server' | 'overloaded';

/** A request body, read back in provider-neutral terms (roles are kept as the provider names them). */
export interface SentRequest {
  model: string | undefined;
  system: string | undefined;
  turns: { role: string; text: string }[];
  temperature: number | undefined;
  maxTokens: number | undefined;
  stop: string[] | undefined;
  stream: boolean;
}

export interface ProviderWire {
  readonly engine: EngineName;
  /** Prefix of the sample's environment variables, e.g. `BUPPLE_ENGINE_CLAUDE`. */
  readonly envPrefix: string;
  readonly model: string;
  /** A recognisable fake key, shaped like the provider's real ones. */
  readonly apiKey: string;
  /** What the provider calls the assistant role. */
  readonly assistantRole: string;
  /** Options the driver reports as unsupported warnings instead of sending. */
  readonly unsupportedOptions: readonly string[];
  /** The delay the rate-limit answer asks for, in ms, and how the provider says it. */
  readonly rateLimitDelayMs: number;
  /** The sample's provider-specific variables, and the request headers they must produce. */
  readonly extraEnv: Record<string, string>;
  readonly extraHeaders: Record<string, string>;
  /** The path (and query) the driver posts a streaming request to. */
  readonly streamPath: string;
  /** The typed code the engine gives to this provider's mid-stream server error. */
  readonly midStreamErrorCode: string;
  /** `BUPPLE_ENGINE_<X>_BASE_URL` for a fake server listening at `origin` (`http://127.0.0.1:port`). */
  baseURL(origin: string): string;
  /** The API key as the request carried it. */
  keyOf(request: RecordedRequest): string | undefined;
  /** Status 200 and the headers of an event stream. */
  startStream(res: ServerResponse): void;
  /**
   * One answer as the provider streams it: `thoughts` are reasoning the model streams before
   * its text (not part of the answer), then one frame per text delta, then the finish reason
   * `stop` (in the provider's words), the usage and the end marker.
   */
  frames(deltas: string[], usage: Usage, thoughts?: string[]): AnswerFrames;
  /** A server error sent inside the 200 stream (then the provider ends the response). */
  errorFrame(): string;
  /** Answers with the provider's real HTTP error: status, headers and body. `key` is echoed by `auth`. */
  httpError(res: ServerResponse, kind: HttpErrorKind, key?: string): void;
  /** The request body in neutral terms. */
  read(body: any): SentRequest;
}

/** An answer's frames, in the order they are sent. */
export interface AnswerFrames {
  opening: string;
  thoughts: string[];
  deltas: string[];
  closing: string;
}

const textOf = (content: unknown): string =>
  typeof content === 'string' ? content : Array.isArray(content) ? content.map((part: { text?: string }) => part.text ?? '').join('') : '';

// ---------------------------------------------------------------------------------- OpenAI

const OPENAI_ID = 'chatcmpl-E2eBuppleTest0000000000001';
/** One OpenAI Chat Completions stream frame (`data: {…chat.completion.chunk…}`), as the recorded streams carry it. */
export const openaiChunk = (model: string, choices: unknown[], usage: unknown = null) =>
  `data: ${JSON.stringify({
    id: OPENAI_ID,
    object: 'chat.completion.chunk',
    created: 1748275200,
    model: `${model}-2024-07-18`,
    service_tier: 'default',
    system_fingerprint: 'fp_34a54ae93c',
    choices,
    usage,
  })}\n\n`;

export const openaiWire: ProviderWire = {
  engine: 'openai',
  envPrefix: 'BUPPLE_ENGINE_OPENAI',
  model: 'gpt-4o-mini',
  apiKey: 'sk-proj-E2EFAKEopenaiKEY0123456789abcdefghijklmnop',
  assistantRole: 'assistant',
  unsupportedOptions: [],
  rateLimitDelayMs: 300,
  extraEnv: { BUPPLE_ENGINE_OPENAI_ORGANIZATION_ID: 'org-bupple-e2e' },
  extraHeaders: { 'openai-organization': 'org-bupple-e2e' },
  streamPath: '/v1/chat/completions',
  midStreamErrorCode: 'provider_error',
  // the SDK appends /chat/completions to a …/v1 base
  baseURL: (origin) => `${origin}/v1`,
  keyOf: (request) => /^Bearer (.+)$/.exec(String(request.headers.authorization ?? ''))?.[1],
  startStream: (res) => startEventStream(res, { 'x-request-id': 'req_e2e_openai', 'openai-processing-ms': '42' }),
  frames(deltas, usage, thoughts = []) {
    const chunk = (delta: unknown, finish: string | null = null) => openaiChunk(this.model, [{ index: 0, delta, logprobs: null, finish_reason: finish }]);
    return {
      opening: chunk({ role: 'assistant', content: '', refusal: null }),
      // OpenAI-compatible reasoning servers (DeepSeek, vLLM) stream the reasoning as `reasoning_content`
      thoughts: thoughts.map((text) => chunk({ content: null, reasoning_content: text })),
      deltas: deltas.map((text) => chunk({ content: text })),
      closing:
        chunk({}, 'stop') +
        openaiChunk(this.model, [], {
          prompt_tokens: usage.promptTokens,
          completion_tokens: usage.completionTokens,
          total_tokens: usage.totalTokens,
          prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
          completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
        }) +
        'data: [DONE]\n\n',
    };
  },
  errorFrame: () =>
    `data: ${JSON.stringify({
      error: { message: 'The server had an error while processing your request. Sorry about that!', type: 'server_error', param: null, code: null },
    })}\n\n`,
  httpError(res, kind, key = '') {
    const headers = { 'x-request-id': 'req_e2e_openai' };
    switch (kind) {
      case 'auth':
        // OpenAI quotes (part of) the key it rejected: the whole key here, to prove it is never relayed
        return sendJsonError(
          res,
          401,
          {
            error: {
              message: `Incorrect API key provided: ${key}. You can find your API key at https://platform.openai.com/account/api-keys.`,
              type: 'invalid_request_error',
              param: null,
              code: 'invalid_api_key',
            },
          },
          headers,
        );
      case 'rate_limit':
        return sendJsonError(
          res,
          429,
          {
            error: {
              message: 'Rate limit reached for gpt-4o-mini in organization org-e2e on requests per min (RPM): Limit 3, Used 3, Requested 1.',
              type: 'requests',
              param: null,
              code: 'rate_limit_exceeded',
            },
          },
          {
            ...headers,
            'retry-after-ms': String(this.rateLimitDelayMs),
            'retry-after': String(Math.ceil(this.rateLimitDelayMs / 1000)),
            'x-ratelimit-remaining-requests': '0',
          },
        );
      case 'server':
        return sendJsonError(
          res,
          500,
          { error: { message: 'The server had an error while processing your request. Sorry about that!', type: 'server_error', param: null, code: null } },
          headers,
        );
      case 'overloaded':
        return sendJsonError(
          res,
          503,
          { error: { message: 'The engine is currently overloaded, please try again later', type: 'server_error', param: null, code: null } },
          headers,
        );
    }
  },
  read(body) {
    const messages = (body?.messages ?? []) as { role: string; content: unknown }[];
    const system = messages.filter((m) => m.role === 'system').map((m) => textOf(m.content));
    return {
      model: body?.model,
      system: system.length ? system.join('\n\n') : undefined,
      turns: messages.filter((m) => m.role !== 'system').map((m) => ({ role: m.role, text: textOf(m.content) })),
      temperature: body?.temperature,
      maxTokens: body?.max_tokens,
      stop: body?.stop,
      stream: body?.stream === true,
    };
  },
};

// ---------------------------------------------------------------------------------- Claude

const claudeFrame = (event: string, data: unknown) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
const claudeError = (type: string, message: string) => ({ type: 'error', error: { type, message }, request_id: 'req_011E2eBuppleTest' });

export const claudeWire: ProviderWire = {
  engine: 'claude',
  envPrefix: 'BUPPLE_ENGINE_CLAUDE',
  model: 'claude-sonnet-5-5',
  apiKey: 'sk-ant-api03-E2EFAKEclaudeKEY0123456789abcdefghijklmnop-AA',
  assistantRole: 'assistant',
  // Anthropic API version 2026-10-21 removed temperature: the driver warns instead of sending it
  unsupportedOptions: ['temperature'],
  rateLimitDelayMs: 1000,
  extraEnv: {},
  extraHeaders: { 'anthropic-version': '2026-10-21' },
  streamPath: '/v1/messages',
  midStreamErrorCode: 'provider_error',
  // the SDK appends /v1/messages to the origin
  baseURL: (origin) => origin,
  // @anthropic-ai/sdk 1.x sends the key as a bearer token
  keyOf: (request) => /^Bearer (.+)$/.exec(String(request.headers.authorization ?? ''))?.[1] ?? (request.headers['x-api-key'] as string | undefined),
  startStream: (res) => startEventStream(res, { 'request-id': 'req_011E2eBuppleTest', 'anthropic-organization-id': 'org-e2e' }),
  frames(deltas, usage, thoughts = []) {
    // a thinking block (index 0) comes before the text block, whose index follows it
    const text = thoughts.length > 0 ? 1 : 0;
    const thinking = thoughts.map(
      (thinking, i) =>
        (i === 0
          ? claudeFrame('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } })
          : '') +
        claudeFrame('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking } }) +
        (i === thoughts.length - 1
          ? claudeFrame('content_block_delta', {
              type: 'content_block_delta',
              index: 0,
              delta: { type: 'signature_delta', signature: 'EqQBCgIYAhIME2eBuppleTestSig' },
            }) + claudeFrame('content_block_stop', { type: 'content_block_stop', index: 0 })
          : ''),
    );
    return {
      opening: claudeFrame('message_start', {
        type: 'message_start',
        message: {
          id: 'msg_01E2eBuppleTest000000000',
          type: 'message',
          role: 'assistant',
          model: this.model,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          stop_details: null,
          usage: { input_tokens: usage.promptTokens, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 1, service_tier: 'standard' },
        },
      }),
      thoughts: thinking,
      deltas: deltas.map(
        (delta, i) =>
          (i === 0
            ? claudeFrame('content_block_start', { type: 'content_block_start', index: text, content_block: { type: 'text', text: '', citations: null } }) +
              claudeFrame('ping', { type: 'ping' })
            : '') + claudeFrame('content_block_delta', { type: 'content_block_delta', index: text, delta: { type: 'text_delta', text: delta } }),
      ),
      closing:
        claudeFrame('content_block_stop', { type: 'content_block_stop', index: text }) +
        claudeFrame('message_delta', {
          type: 'message_delta',
          delta: { stop_reason: 'end_turn', stop_sequence: null, stop_details: null, container: null },
          usage: { input_tokens: null, cache_creation_input_tokens: null, cache_read_input_tokens: null, output_tokens: usage.completionTokens },
        }) +
        claudeFrame('message_stop', { type: 'message_stop' }),
    };
  },
  errorFrame: () => claudeFrame('error', claudeError('api_error', 'Internal server error')),
  httpError(res, kind, key = '') {
    const headers = { 'request-id': 'req_011E2eBuppleTest' };
    switch (kind) {
      case 'auth':
        return sendJsonError(res, 401, claudeError('authentication_error', `invalid x-api-key: ${key}`), headers);
      case 'rate_limit':
        return sendJsonError(res, 429, claudeError('rate_limit_error', 'Number of request tokens has exceeded your per-minute rate limit'), {
          ...headers,
          'retry-after': String(Math.ceil(this.rateLimitDelayMs / 1000)),
          'anthropic-ratelimit-requests-remaining': '0',
        });
      case 'server':
        return sendJsonError(res, 500, claudeError('api_error', 'Internal server error'), headers);
      case 'overloaded':
        return sendJsonError(res, 529, claudeError('overloaded_error', 'Overloaded'), headers);
    }
  },
  read(body) {
    const messages = (body?.messages ?? []) as { role: string; content: unknown }[];
    return {
      model: body?.model,
      system: typeof body?.system === 'string' ? body.system : Array.isArray(body?.system) ? textOf(body.system) : undefined,
      turns: messages.map((m) => ({ role: m.role, text: textOf(m.content) })),
      temperature: body?.temperature,
      maxTokens: body?.max_tokens,
      stop: body?.stop_sequences,
      stream: body?.stream === true,
    };
  },
};

// ---------------------------------------------------------------------------------- Gemini

const GEMINI_RESPONSE_ID = 'E2eBuppleTestGeminiResp01';
/** Google separates events with CRLF CRLF. */
const geminiFrame = (data: unknown) => `data: ${JSON.stringify(data)}\r\n\r\n`;
const googleError = (code: number, status: string, message: string, details?: unknown[]) => ({ error: { code, message, status, ...(details && { details }) } });

export const geminiWire: ProviderWire = {
  engine: 'gemini',
  envPrefix: 'BUPPLE_ENGINE_GEMINI',
  model: 'gemini-flash-latest',
  apiKey: 'AIzaSyE2EFAKEgeminiKEY0123456789abcdefXYZ',
  assistantRole: 'model',
  unsupportedOptions: [],
  rateLimitDelayMs: 300,
  extraEnv: { BUPPLE_ENGINE_GEMINI_PROJECT_ID: 'bupple-e2e-project' },
  extraHeaders: { 'x-goog-user-project': 'bupple-e2e-project' },
  streamPath: '/v1beta/models/gemini-flash-latest:streamGenerateContent?alt=sse',
  midStreamErrorCode: 'provider_error',
  // the SDK appends /v1beta/models/{model}:streamGenerateContent to the origin
  baseURL: (origin) => origin,
  keyOf: (request) => request.headers['x-goog-api-key'] as string | undefined,
  startStream: (res) => startEventStream(res, { 'x-goog-request-id': 'e2e', server: 'scaffolding on HTTPServer2' }),
  frames(deltas, usage, thoughts = []) {
    const chunk = (
      parts: unknown[],
      finishReason?: string,
      usageMetadata: unknown = { promptTokenCount: usage.promptTokens, totalTokenCount: usage.promptTokens },
    ) =>
      geminiFrame({
        candidates: [{ content: { parts, role: 'model' }, ...(finishReason && { finishReason }), index: 0 }],
        usageMetadata,
        modelVersion: this.model,
        responseId: GEMINI_RESPONSE_ID,
      });
    return {
      opening: '',
      // thought summaries (thinkingConfig.includeThoughts)
      thoughts: thoughts.map((text) => chunk([{ text, thought: true }])),
      deltas: deltas.map((text) => chunk([{ text }])),
      closing: chunk([{ text: '' }], 'STOP', {
        promptTokenCount: usage.promptTokens,
        candidatesTokenCount: usage.completionTokens,
        totalTokenCount: usage.totalTokens,
        promptTokensDetails: [{ modality: 'TEXT', tokenCount: usage.promptTokens }],
      }),
    };
  },
  errorFrame: () =>
    geminiFrame(
      googleError(500, 'INTERNAL', 'An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting'),
    ),
  httpError(res, kind, key = '') {
    switch (kind) {
      case 'auth':
        return sendJsonError(res, 401, googleError(401, 'UNAUTHENTICATED', `Request had invalid authentication credentials (key ${key}).`));
      case 'rate_limit':
        // Gemini says how long to wait in the body's RetryInfo, not in a header
        return sendJsonError(
          res,
          429,
          googleError(429, 'RESOURCE_EXHAUSTED', 'You exceeded your current quota, please check your plan and billing details.', [
            {
              '@type': 'type.googleapis.com/google.rpc.QuotaFailure',
              violations: [{ quotaMetric: 'generativelanguage.googleapis.com/generate_content_free_tier_requests' }],
            },
            { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${this.rateLimitDelayMs / 1000}s` },
          ]),
        );
      case 'server':
        return sendJsonError(res, 500, googleError(500, 'INTERNAL', 'An internal error has occurred.'));
      case 'overloaded':
        return sendJsonError(res, 503, googleError(503, 'UNAVAILABLE', 'The model is overloaded. Please try again later.'));
    }
  },
  read(body) {
    const contents = (body?.contents ?? []) as { role: string; parts: unknown }[];
    const config = body?.generationConfig ?? {};
    return {
      // the model is in the URL
      model: undefined,
      system: body?.systemInstruction ? textOf(body.systemInstruction.parts) : undefined,
      turns: contents.map((c) => ({ role: c.role, text: textOf(c.parts) })),
      temperature: config.temperature,
      maxTokens: config.maxOutputTokens,
      stop: config.stopSequences,
      stream: true,
    };
  },
};

/** Gemini's answer to a key it does not know: 400 INVALID_ARGUMENT with reason API_KEY_INVALID. */
export function sendGeminiInvalidKey(res: ServerResponse): void {
  sendJsonError(
    res,
    400,
    googleError(400, 'INVALID_ARGUMENT', 'API key not valid. Please pass a valid API key.', [
      {
        '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
        reason: 'API_KEY_INVALID',
        domain: 'googleapis.com',
        metadata: { service: 'generativelanguage.googleapis.com' },
      },
    ]),
  );
}

export const WIRES: Record<EngineName, ProviderWire> = { openai: openaiWire, claude: claudeWire, gemini: geminiWire };

/** A whole answer in one string. */
export function answerPayload(wire: ProviderWire, deltas: string[], usage: Usage, thoughts: string[] = []): string {
  const frames = wire.frames(deltas, usage, thoughts);
  return frames.opening + frames.thoughts.join('') + frames.deltas.join('') + frames.closing;
}

/** The opening and the first `k` deltas: what a stream sent before it failed or stalled. */
export function partialPayload(wire: ProviderWire, deltas: string[], k: number, usage: Usage): string {
  const frames = wire.frames(deltas, usage);
  return frames.opening + frames.deltas.slice(0, k).join('');
}

import type { ProviderTransport } from '../transport/provider-transport.js';
import type { OpenAIChatClient, OpenAIChatRequestBody } from './openai-api.types.js';

/** OpenAI's own endpoint, when the config names no `baseURL`. */
export const OPENAI_BASE_URL = 'https://api.openai.com/v1';

/** What the direct client needs from the engine's config. */
export interface OpenAIDirectClientOptions {
  baseURL?: string;
  /** Sent as `Authorization: Bearer …`; undefined: no Authorization header (a keyless server). */
  apiKey?: string;
  /** Sent as `OpenAI-Organization`. */
  organization?: string;
}

/** `baseURL` + `/chat/completions`, joined as the SDK joins them (one slash between). */
export function chatCompletionsUrl(baseURL: string | undefined): URL {
  const base = baseURL || OPENAI_BASE_URL;
  return new URL(base.endsWith('/') ? `${base}chat/completions` : `${base}/chat/completions`);
}

/**
 * The streamed Chat Completions request, built without the SDK: one POST over the provider
 * transport with the headers computed once (the engine's `headers` are added by the
 * transport). The SDK's per-request work (its header merging, logging, request options, a
 * WHATWG body per answer) cost a tenth of the relay's CPU per stream in the benchmark; what
 * goes over the wire is the same request: the URL, `Authorization`, `OpenAI-Organization`,
 * the JSON body. Azure keeps the SDK's client (its deployment URLs and `api-key` auth).
 */
export function openAIDirectClient(transport: Pick<ProviderTransport, 'request'>, options: OpenAIDirectClientOptions): OpenAIChatClient {
  const url = chatCompletionsUrl(options.baseURL);
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'text/event-stream' };
  if (options.apiKey !== undefined) headers.authorization = `Bearer ${options.apiKey}`;
  if (options.organization) headers['openai-organization'] = options.organization;
  return {
    chat: {
      completions: {
        create: (body: OpenAIChatRequestBody, { signal }: { signal: AbortSignal }) => ({
          asResponse: () => transport.request(url, { method: 'POST', headers, body: JSON.stringify(body), signal }),
        }),
      },
    },
  };
}

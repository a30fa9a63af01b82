import type { Agent } from 'node:http';

// The settings of each provider engine (the `engine.openai`, `engine.claude`, `engine.gemini`
// sections of the module options): plain data, imported by the drivers and by the module options.

/** Settings shared by every provider engine. */
export interface ProviderEngineConfig {
  /** The provider API key. Required. Never logged or sent to clients. */
  apiKey: string;
  /** Another endpoint: a proxy, a local test server, or any compatible server. */
  baseURL?: string;
  /** Model used when a call names none. */
  model?: string;
  /** Default sampling temperature (0–2). */
  temperature?: number;
  /** Default cap on generated tokens. */
  maxTokens?: number;
  /**
   * Longest event-stream line, and longest event, the provider may send, in characters.
   * Default 8 Mi (8,388,608). Above it the answer fails with `ProviderStreamLimitException`
   * (`stream_limit`), never the process.
   */
  maxEventLength?: number;
  /** Extra headers sent with every request to the provider (e.g. a gateway's own key). */
  headers?: Record<string, string>;
  /**
   * Send the requests through an HTTP proxy: `'http://[user:password@]host:port'` (a `CONNECT`
   * tunnel for https endpoints, absolute-form requests for http ones), or `'env'`: the proxy
   * named by `HTTPS_PROXY` (https endpoints) / `HTTP_PROXY` (http endpoints), lower-case names
   * first, with `NO_PROXY`, read once when the engine starts. Default: direct (the environment
   * is not read). The proxy's credentials never appear in a log or an error.
   */
  proxy?: string | false;
  /**
   * Hosts reached without the proxy, in `NO_PROXY` syntax: `api.internal,.corp.example,10.0.0.5:8080,*`
   * (a name matches its subdomains too; no IP ranges). With `proxy: 'env'`, default `NO_PROXY`.
   */
  noProxy?: string;
  /**
   * Your own `http.Agent` (for an `http://` endpoint) or `https.Agent` (`https://`) for every
   * request: its pooling, sockets and TLS settings. Not with `proxy`. Closing it is yours.
   */
  agent?: Agent;
  /** Per-attempt transport timeouts of this engine (see `ProviderTimeoutOptions`). */
  timeout?: ProviderTimeoutOptions;
  /**
   * The models a call may ask for (`options.model`), besides `model`: a call naming another is
   * a `ValidationException` (400) before any provider call. `[]`: only `model`. Default: any.
   */
  models?: string[];
}

/**
 * Transport timeouts of one engine, per HTTP attempt, in ms. They fail the attempt with a
 * retryable `ConnectionException`, which the engine retries and falls back from as usual. The
 * engine-wide `engine.timeout` (`firstByteMs` until the response headers, `idleMs` between
 * chunks, `totalMs` for the whole answer) still applies on top: these only bound an attempt
 * sooner and name the cause. Default: none.
 */
export interface ProviderTimeoutOptions {
  /** Until the connection is up (TCP, TLS, the proxy's tunnel); a kept-alive connection is already up. */
  connectMs?: number;
  /** From sending the request until the response headers, connecting included. */
  responseMs?: number;
}

/** OpenAI, or any OpenAI-compatible server (Ollama, vLLM, LM Studio, OpenRouter, Groq…) through `baseURL`. */
export interface OpenAIEngineConfig extends Omit<ProviderEngineConfig, 'apiKey'> {
  /** The API key. Required, except with the `ollama` and `vllm` presets (then no `Authorization` header is sent without one). */
  apiKey?: string;
  /**
   * A known OpenAI-compatible service: its default `baseURL`, model, headers, `structuredOutput`
   * mode and request quirks (see docs/providers.md). Anything set here beside it wins.
   * `mistral` (https://api.mistral.ai/v1), `deepseek` (https://api.deepseek.com/v1), `groq`
   * (https://api.groq.com/openai/v1), `openrouter` (https://openrouter.ai/api/v1), `ollama`
   * (http://127.0.0.1:11434/v1, no key), `vllm` (http://127.0.0.1:8000/v1, no key).
   */
  preset?: 'mistral' | 'deepseek' | 'groq' | 'openrouter' | 'ollama' | 'vllm';
  /** `OpenAI-Organization` header. */
  organization?: string;
  /**
   * How a call's `responseFormat` with a schema is sent. `json_schema` (default): OpenAI's
   * structured output in strict mode, the schema made strict-compatible. For compatible
   * servers without it: `json_object` (JSON mode, the schema in a system message) or `prompt`
   * (the schema in a system message only). A weaker mode adds a warning to the answer.
   */
  structuredOutput?: 'json_schema' | 'json_object' | 'prompt';
  /**
   * Azure OpenAI: `baseURL` is the resource endpoint (`https://<resource>.openai.azure.com`),
   * requests go to `/openai/deployments/{deployment}/chat/completions?api-version=…` with the
   * key in the `api-key` header. Without `deployment`, the call's model names the deployment.
   */
  azure?: { apiVersion: string; deployment?: string };
}

/** Anthropic Claude. */
export type ClaudeEngineConfig = ProviderEngineConfig;

/** Google Gemini. */
export interface GeminiEngineConfig extends ProviderEngineConfig {
  /** Google Cloud project (Vertex AI); sent as `x-goog-user-project`. */
  projectId?: string;
}

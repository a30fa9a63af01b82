import type { OpenAIEngineConfig } from '../../interfaces/provider-engine-config.interface.js';

/** One of the OpenAI-compatible services the `openai` engine knows by name (`preset`). */
export type OpenAIPresetName = NonNullable<OpenAIEngineConfig['preset']>;

/** What a preset sets by default; every field but the quirks can be overridden in the engine's config. */
export interface OpenAIPreset {
  /** How messages name the service. */
  readonly label: string;
  readonly baseURL: string;
  /** The model when the config names none; undefined: the config must name one. */
  readonly model?: string;
  /** Headers sent with every request (the config's `headers` win). */
  readonly headers?: Readonly<Record<string, string>>;
  /** The service needs no key: `apiKey` may be left out, and then no `Authorization` header is sent. */
  readonly keyless?: boolean;
  /** The default `structuredOutput` mode (what the service's models support). */
  readonly structuredOutput?: NonNullable<OpenAIEngineConfig['structuredOutput']>;
  /** Whether `stream_options: { include_usage: true }` is sent (default true). */
  readonly streamOptions?: boolean;
}

/**
 * The presets. Each service's answer quirks (Mistral's `delta.content` arrays, DeepSeek's
 * `reasoning_content`, Groq's `reasoning` and `x_groq.usage`, OpenRouter's `: OPENROUTER
 * PROCESSING` comments) are read by the one OpenAI stream reader whatever the preset; a
 * preset sets what is sent.
 */
export const OPENAI_PRESETS: Readonly<Record<OpenAIPresetName, OpenAIPreset>> = {
  // Mistral's API has no stream_options (usage comes on the last chunk without it)
  mistral: { label: 'Mistral', baseURL: 'https://api.mistral.ai/v1', model: 'mistral-small-latest', streamOptions: false },
  // DeepSeek has JSON mode, not json_schema
  deepseek: { label: 'DeepSeek', baseURL: 'https://api.deepseek.com/v1', model: 'deepseek-chat', structuredOutput: 'json_object' },
  // json_schema only on a few Groq models: JSON mode by default
  groq: { label: 'Groq', baseURL: 'https://api.groq.com/openai/v1', model: 'llama-3.3-70b-versatile', structuredOutput: 'json_object' },
  // set HTTP-Referer / X-Title in `headers` for OpenRouter's app attribution
  openrouter: { label: 'OpenRouter', baseURL: 'https://openrouter.ai/api/v1', model: 'openai/gpt-4o-mini' },
  ollama: { label: 'Ollama', baseURL: 'http://127.0.0.1:11434/v1', keyless: true },
  vllm: { label: 'vLLM', baseURL: 'http://127.0.0.1:8000/v1', keyless: true },
};

/** The preset names. */
export const OPENAI_PRESET_NAMES = Object.keys(OPENAI_PRESETS) as readonly OpenAIPresetName[];

/** The config with its preset's defaults filled in, and the preset's quirks. */
export interface ResolvedOpenAIConfig {
  config: OpenAIEngineConfig;
  preset?: OpenAIPreset;
}

/** Fills in what the config's `preset` sets by default; what the config sets itself wins. */
export function resolveOpenAIPreset(config: OpenAIEngineConfig): ResolvedOpenAIConfig {
  if (!config.preset) return { config };
  const preset = OPENAI_PRESETS[config.preset];
  return {
    preset,
    config: {
      ...config,
      baseURL: config.baseURL || preset.baseURL,
      model: config.model || preset.model,
      structuredOutput: config.structuredOutput ?? preset.structuredOutput,
      headers: preset.headers || config.headers ? { ...preset.headers, ...config.headers } : undefined,
    },
  };
}

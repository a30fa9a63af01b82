import { ValidationException } from '../../errors/engine.exception.js';
import { ErrorMessages } from '../../errors/error-messages.js';
import type { DriverCallOptions, ReasoningOptions } from '../../interfaces/engine-call-options.interface.js';
import type { GeminiEngineConfig } from '../../interfaces/provider-engine-config.interface.js';
import type { EngineWarning } from '../../interfaces/engine-warning.interface.js';
import type { DriverToolDefinition, JsonSchema, ToolChoice } from '../../interfaces/tool.interface.js';
import type { DriverRequest } from '../engine-driver.interface.js';
import { convertToGeminiContents } from './convert-to-gemini-contents.js';
import { convertToGeminiSchema, GeminiSchemaError, hasNoProperties } from './convert-to-gemini-schema.js';
import type { GeminiFunctionDeclaration, GeminiRequestBody, GeminiSchema } from './gemini-api.types.js';

const PROVIDER = 'gemini';

/** The Gemini Developer API, used when the configuration has no `baseURL`. */
export const GEMINI_DEFAULT_BASE_URL = 'https://generativelanguage.googleapis.com/';

/** `reasoning.effort` → `thinkingConfig.thinkingBudget` (tokens), when no `budgetTokens` is given. */
export const GEMINI_THINKING_BUDGETS: Readonly<Record<NonNullable<ReasoningOptions['effort']>, number>> = {
  low: 1024,
  medium: 8192,
  high: 24576,
};

/**
 * Fields of `GenerateContentRequest` that live beside `contents` (the rest of what
 * `providerOptions` holds, in `@google/genai`'s flat `GenerateContentConfig` style, goes
 * into `generationConfig`).
 */
const TOP_LEVEL = new Set(['systemInstruction', 'safetySettings', 'tools', 'toolConfig', 'labels', 'cachedContent', 'serviceTier', 'store']);
/** Fields only Vertex AI takes: the Developer API would answer 400 after a round trip. */
const VERTEX_ONLY = new Set(['routingConfig', 'modelSelectionConfig', 'audioTimestamp', 'modelArmorConfig', 'generationOutputConfig']);
/** `@google/genai` options that are not part of the request body. */
const SDK_ONLY = new Set(['httpOptions', 'abortSignal', 'automaticFunctionCalling']);

/** One `streamGenerateContent` call, ready to send. */
export interface GeminiHttpRequest {
  model: string;
  url: string;
  /** Headers besides the key, project and content type (from `providerOptions.httpOptions.headers`). */
  headers: Record<string, string>;
  body: GeminiRequestBody;
  warnings: EngineWarning[];
  /** How `responseFormat` was honoured: `native` (`responseSchema`), `json_object` (JSON mode, no schema). */
  structuredOutputMode?: 'native' | 'json_object';
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function invalid(message: string): ValidationException {
  return new ValidationException(message, { provider: PROVIDER });
}

/** The JSON Schema converted to Gemini's subset, or a ValidationException naming what and where. */
function geminiSchema(schema: JsonSchema, what: string): GeminiSchema {
  try {
    return convertToGeminiSchema(schema);
  } catch (error) {
    if (error instanceof GeminiSchemaError) throw invalid(ErrorMessages.schemaNotConvertible(PROVIDER, what, error.path, error.reason));
    throw error;
  }
}

function functionDeclarations(tools: DriverToolDefinition[]): GeminiFunctionDeclaration[] {
  return tools.map((tool) => {
    const declaration: GeminiFunctionDeclaration = { name: tool.name };
    if (tool.description) declaration.description = tool.description;
    const parameters = geminiSchema(tool.parameters ?? { type: 'object' }, `tool "${tool.name}"`);
    // Gemini refuses an object without properties: a tool without arguments has no parameters
    if (!hasNoProperties(parameters)) declaration.parameters = parameters;
    return declaration;
  });
}

function functionCallingConfig(choice: ToolChoice, tools: DriverToolDefinition[]): NonNullable<GeminiRequestBody['toolConfig']> {
  if (choice === 'auto') return { functionCallingConfig: { mode: 'AUTO' } };
  if (choice === 'none') return { functionCallingConfig: { mode: 'NONE' } };
  if (choice === 'required') return { functionCallingConfig: { mode: 'ANY' } };
  if (!tools.some((tool) => tool.name === choice.name)) throw invalid(ErrorMessages.toolChoiceUnknown(PROVIDER, choice.name));
  return { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: [choice.name] } };
}

function thinkingConfig(reasoning: ReasoningOptions): Record<string, unknown> {
  const budget = reasoning.budgetTokens ?? (reasoning.effort ? GEMINI_THINKING_BUDGETS[reasoning.effort] : undefined);
  return { ...(budget !== undefined && { thinkingBudget: budget }), includeThoughts: true };
}

/** `https://host/` + `v1beta/models/{model}:streamGenerateContent?alt=sse` (a `models/…` or `tunedModels/…` name kept as it is). */
export function geminiStreamUrl(baseURL: string | undefined, model: string): string {
  const base = (baseURL || GEMINI_DEFAULT_BASE_URL).replace(/\/+$/, '');
  const name = /^(models|tunedModels)\//.test(model) ? model : `models/${model}`;
  return `${base}/v1beta/${name}:streamGenerateContent?alt=sse`;
}

/**
 * The `streamGenerateContent` request for one call: messages converted, call options mapped
 * into `generationConfig`, tools into `functionDeclarations` (their JSON Schemas converted
 * to the subset Gemini takes), `toolChoice` into `toolConfig`, `reasoning` into
 * `thinkingConfig`, `responseFormat` into `responseMimeType` + `responseSchema`. Then
 * `providerOptions`, in `@google/genai`'s `GenerateContentConfig` style (`safetySettings`,
 * `topK`, `thinkingConfig`, `tools`…, or a REST `generationConfig`), win over what was mapped;
 * their `tools` are added after the declared functions. Throws a `ValidationException` for
 * what Gemini would refuse (a schema it cannot take, a Vertex-only field) before any request.
 */
export function buildGeminiRequest(request: DriverRequest, config: Pick<GeminiEngineConfig, 'baseURL' | 'temperature' | 'maxTokens'> = {}): GeminiHttpRequest {
  const options: DriverCallOptions = request.options;
  const { systemInstruction, contents } = convertToGeminiContents(request.messages);
  const warnings: EngineWarning[] = [];
  if (options.user !== undefined) {
    warnings.push({ type: 'unsupported-option', option: 'user', message: ErrorMessages.optionNotSupported(PROVIDER, 'user') });
  }

  const temperature = options.temperature ?? config.temperature;
  const maxOutputTokens = options.maxTokens ?? config.maxTokens;
  const generationConfig: Record<string, unknown> = {
    ...(temperature !== undefined && { temperature }),
    ...(options.topP !== undefined && { topP: options.topP }),
    ...(maxOutputTokens !== undefined && { maxOutputTokens }),
    ...(options.stop?.length && { stopSequences: options.stop }),
    ...(options.presencePenalty !== undefined && { presencePenalty: options.presencePenalty }),
    ...(options.frequencyPenalty !== undefined && { frequencyPenalty: options.frequencyPenalty }),
  };
  const body: GeminiRequestBody = { contents, ...(systemInstruction && { systemInstruction }) };

  const tools = options.tools ?? [];
  if (tools.length > 0) {
    body.tools = [{ functionDeclarations: functionDeclarations(tools) }];
    if (options.toolChoice !== undefined) body.toolConfig = functionCallingConfig(options.toolChoice, tools);
    if (options.parallelToolCalls === false) {
      warnings.push({
        type: 'unsupported-option',
        option: 'parallelToolCalls',
        message: ErrorMessages.optionNotSupported(PROVIDER, 'parallelToolCalls', 'the model may call several functions at once'),
      });
    }
  }
  if (options.reasoning) generationConfig.thinkingConfig = thinkingConfig(options.reasoning);

  let structuredOutputMode: GeminiHttpRequest['structuredOutputMode'];
  if (options.responseFormat?.type === 'json') {
    generationConfig.responseMimeType = 'application/json';
    const schema = options.responseFormat.schema;
    if (schema) {
      const converted = geminiSchema(schema, 'responseFormat');
      const description = options.responseFormat.description;
      generationConfig.responseSchema = description && converted.description === undefined ? { ...converted, description } : converted;
      structuredOutputMode = 'native';
    } else {
      structuredOutputMode = 'json_object';
    }
  }

  const headers: Record<string, string> = {};
  for (const [field, value] of Object.entries(options.providerOptions ?? {})) {
    if (value === undefined) continue;
    if (VERTEX_ONLY.has(field)) throw invalid(ErrorMessages.badRequest(PROVIDER, ErrorMessages.vertexOnlyOption(field)));
    if (SDK_ONLY.has(field)) {
      const extra = field === 'httpOptions' && isRecord(value) && isRecord(value.headers) ? value.headers : {};
      for (const [name, header] of Object.entries(extra)) if (typeof header === 'string') headers[name.toLowerCase()] = header;
      continue;
    }
    if (field === 'generationConfig' && isRecord(value)) Object.assign(generationConfig, value);
    else if (field === 'tools' && Array.isArray(value)) body.tools = [...(body.tools ?? []), ...(value as Record<string, unknown>[])];
    else if (field === 'systemInstruction' && typeof value === 'string') body.systemInstruction = { parts: [{ text: value }] };
    else if (TOP_LEVEL.has(field)) body[field] = value;
    else
      generationConfig[field] =
        field === 'thinkingConfig' && isRecord(value) && isRecord(generationConfig.thinkingConfig) ? { ...generationConfig.thinkingConfig, ...value } : value;
  }
  if (Object.keys(generationConfig).length > 0) body.generationConfig = generationConfig;

  return {
    model: options.model,
    url: geminiStreamUrl(config.baseURL, options.model),
    headers,
    body,
    warnings,
    ...(structuredOutputMode && { structuredOutputMode }),
  };
}

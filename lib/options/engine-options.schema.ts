import { Type } from 'class-transformer';
import {
  Allow,
  IsArray,
  IsBoolean,
  IsDefined,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  IsUrl,
  Max,
  Min,
  ValidateBy,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { proxyUrlProblem } from '../drivers/transport/proxy.js';
import { OPENAI_PRESETS, OPENAI_PRESET_NAMES } from '../drivers/openai/openai-presets.js';

/*
 * class-validator schemas of the module options, used once at startup. Messages say what is
 * expected; the option path is added in front of each (see validate-engine-options.ts).
 * No message includes the value, so a key is never printed.
 */

const optional = IsOptional();

class ProviderTimeoutSchema {
  @optional @IsInt({ message: 'must be an integer ≥ 1 (ms)' }) @Min(1, { message: 'must be an integer ≥ 1 (ms)' }) connectMs?: number;
  @optional @IsInt({ message: 'must be an integer ≥ 1 (ms)' }) @Min(1, { message: 'must be an integer ≥ 1 (ms)' }) responseMs?: number;
}

/** `false`, `'env'` or an `http://[user:password@]host[:port]` URL; the message never quotes the value (it may hold a password). */
function IsProxySetting(): PropertyDecorator {
  return ValidateBy({
    name: 'isProxySetting',
    validator: {
      validate: (value: unknown) => value === false || value === 'env' || (typeof value === 'string' && proxyUrlProblem(value) === undefined),
      defaultMessage: (args) => {
        const problem = typeof args?.value === 'string' ? proxyUrlProblem(args.value) : undefined;
        return `must be 'env', false or 'http://[user:password@]host:port'${problem ? ` (the value given ${problem})` : ''}`;
      },
    },
  });
}

/** Presets whose service needs no key. */
const KEYLESS_PRESETS = new Set(Object.entries(OPENAI_PRESETS).flatMap(([name, preset]) => (preset.keyless ? [name] : [])));

class ProviderEngineConfigSchema {
  @ValidateIf((o: { preset?: unknown; apiKey?: unknown }) => !(KEYLESS_PRESETS.has(String(o.preset)) && o.apiKey === undefined))
  @IsString({ message: 'is required (a non-empty string)' })
  @IsNotEmpty({ message: 'is required (a non-empty string)' })
  apiKey!: string;

  @optional
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] }, { message: 'must be an http(s) URL' })
  baseURL?: string;

  @optional
  @IsString({ message: 'must be a string' })
  @IsNotEmpty({ message: 'must not be empty' })
  model?: string;

  @optional
  @IsNumber({}, { message: 'must be a number from 0 to 2' })
  @Min(0, { message: 'must be a number from 0 to 2' })
  @Max(2, { message: 'must be a number from 0 to 2' })
  temperature?: number;

  @optional
  @IsInt({ message: 'must be a positive integer' })
  @Min(1, { message: 'must be a positive integer' })
  maxTokens?: number;

  @optional
  @IsInt({ message: 'must be an integer from 1024 to 536870888 (characters)' })
  @Min(1024, { message: 'must be an integer from 1024 to 536870888 (characters)' })
  @Max(536_870_888, { message: 'must be an integer from 1024 to 536870888 (characters)' })
  maxEventLength?: number;

  @optional
  @ValidateBy({
    name: 'isHeaderRecord',
    validator: {
      validate: (value: unknown) =>
        typeof value === 'object' &&
        value !== null &&
        !Array.isArray(value) &&
        Object.entries(value).every(([name, item]) => /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name) && typeof item === 'string' && !/[\r\n\0]/.test(item)),
      defaultMessage: () => 'must be an object of header names to string values (no CR, LF or NUL)',
    },
  })
  headers?: Record<string, string>;

  @optional @IsProxySetting() proxy?: string | false;

  @optional
  @IsString({ message: "must be a NO_PROXY list, e.g. 'localhost,.internal.example,10.0.0.5:8080'" })
  noProxy?: string;

  /** An http.Agent instance: checked in validate-engine-options.ts (instances are not copied for class-transformer). */
  @Allow() agent?: unknown;

  @optional
  @IsObject({ message: 'must be an object { connectMs?, responseMs? }' })
  @ValidateNested()
  @Type(() => ProviderTimeoutSchema)
  timeout?: ProviderTimeoutSchema;

  @optional
  @IsArray({ message: 'must be an array of model names' })
  @IsString({ each: true, message: 'must be an array of model names' })
  @IsNotEmpty({ each: true, message: 'must be an array of model names' })
  models?: string[];
}

class AzureOpenAIConfigSchema {
  @IsString({ message: "is required (e.g. '2024-10-21')" })
  @IsNotEmpty({ message: "is required (e.g. '2024-10-21')" })
  apiVersion!: string;

  @optional
  @IsString({ message: 'must be a string' })
  @IsNotEmpty({ message: 'must not be empty' })
  deployment?: string;
}

class OpenAIEngineConfigSchema extends ProviderEngineConfigSchema {
  @optional
  @IsIn(OPENAI_PRESET_NAMES, { message: `must be one of ${OPENAI_PRESET_NAMES.map((name) => `'${name}'`).join(', ')}` })
  preset?: string;

  @optional
  @ValidateNested()
  @Type(() => AzureOpenAIConfigSchema)
  @ValidateBy({
    name: 'azureNeedsBaseURL',
    validator: {
      validate: (_value: unknown, args) => typeof (args?.object as { baseURL?: unknown } | undefined)?.baseURL === 'string',
      defaultMessage: () => 'needs baseURL: the resource endpoint, e.g. https://my-resource.openai.azure.com',
    },
  })
  azure?: AzureOpenAIConfigSchema;

  @optional
  @IsString({ message: 'must be a string' })
  organization?: string;

  @optional
  @IsIn(['json_schema', 'json_object', 'prompt'], { message: "must be 'json_schema', 'json_object' or 'prompt'" })
  structuredOutput?: string;
}

class GeminiEngineConfigSchema extends ProviderEngineConfigSchema {
  @optional
  @IsString({ message: 'must be a string' })
  projectId?: string;
}

class OfflineEngineConfigSchema {
  @optional @IsString({ message: 'must be a string' }) model?: string;
  @optional @IsArray({ message: 'must be an array of model names' }) @IsString({ each: true, message: 'must be an array of model names' }) models?: string[];
  @optional @IsInt({ message: 'must be an integer ≥ 0 (ms)' }) @Min(0, { message: 'must be an integer ≥ 0 (ms)' }) tokenDelayMs?: number;
  @optional @IsInt({ message: 'must be an integer ≥ 0 (ms)' }) @Min(0, { message: 'must be an integer ≥ 0 (ms)' }) acceptDelayMs?: number;
  @optional @IsArray({ message: 'must be an array of strings' }) @IsString({ each: true, message: 'must be an array of strings' }) chunks?: string[];
  @Allow() reply?: unknown;
  @Allow() object?: unknown;
  @optional @IsObject({ message: 'must be an object { afterChunks, kind?, beforeStart? }' }) failAt?: unknown;
}

class RetryOptionsSchema {
  @optional
  @IsInt({ message: 'must be an integer from 0 to 10' })
  @Min(0, { message: 'must be an integer from 0 to 10' })
  @Max(10, { message: 'must be an integer from 0 to 10' })
  maxRetries?: number;
  @optional @IsInt({ message: 'must be an integer ≥ 0 (ms)' }) @Min(0, { message: 'must be an integer ≥ 0 (ms)' }) initialDelayMs?: number;
  @optional @IsInt({ message: 'must be an integer ≥ 0 (ms)' }) @Min(0, { message: 'must be an integer ≥ 0 (ms)' }) maxDelayMs?: number;
  @optional @IsIn(['error', 'restart'], { message: "must be 'error' or 'restart'" }) afterContent?: string;
}

class TimeoutOptionsSchema {
  @optional @IsInt({ message: 'must be an integer ≥ 1 (ms)' }) @Min(1, { message: 'must be an integer ≥ 1 (ms)' }) firstByteMs?: number;
  @optional @IsInt({ message: 'must be an integer ≥ 1 (ms)' }) @Min(1, { message: 'must be an integer ≥ 1 (ms)' }) idleMs?: number;
  @optional @IsInt({ message: 'must be an integer ≥ 1 (ms)' }) @Min(1, { message: 'must be an integer ≥ 1 (ms)' }) totalMs?: number;
}

class EngineOptionsSchema {
  @optional @IsString({ message: 'must be the name of a configured engine' }) default?: string;
  @optional @ValidateNested() @Type(() => OpenAIEngineConfigSchema) openai?: OpenAIEngineConfigSchema;
  @optional @ValidateNested() @Type(() => ProviderEngineConfigSchema) claude?: ProviderEngineConfigSchema;
  @optional @ValidateNested() @Type(() => GeminiEngineConfigSchema) gemini?: GeminiEngineConfigSchema;
  @Allow() offline?: unknown;
  @optional @IsObject({ message: 'must be an object of EngineDriver instances by name' }) drivers?: unknown;
  @optional
  @IsArray({ message: 'must be an array of engine names' })
  @IsString({ each: true, message: 'must be an array of engine names' })
  fallback?: string[];
  @optional @ValidateNested() @Type(() => RetryOptionsSchema) retry?: RetryOptionsSchema;
  @optional @ValidateNested() @Type(() => TimeoutOptionsSchema) timeout?: TimeoutOptionsSchema;
  @optional
  @IsInt({ message: 'must be an integer ≥ 1024 (characters)' })
  @Min(1024, { message: 'must be an integer ≥ 1024 (characters)' })
  maxDeltaChars?: number;
}

function IsFunctionOption(message: string): PropertyDecorator {
  return ValidateBy({ name: 'isFunctionOption', validator: { validate: (value: unknown) => typeof value === 'function', defaultMessage: () => message } });
}

/** `'abort'`, `'continue'` or `{ graceMs }` with an integer ≥ 0. */
function IsDisconnectPolicy(): PropertyDecorator {
  return ValidateBy({
    name: 'isDisconnectPolicy',
    validator: {
      validate: (value: unknown) =>
        value === 'abort' ||
        value === 'continue' ||
        (typeof value === 'object' &&
          value !== null &&
          Object.keys(value).every((key) => key === 'graceMs') &&
          Number.isInteger((value as { graceMs?: unknown }).graceMs) &&
          (value as { graceMs: number }).graceMs >= 0),
      defaultMessage: () => "must be 'abort', 'continue' or { graceMs } (an integer ≥ 0)",
    },
  });
}

class SseProgressSchema {
  @optional
  @ValidateIf((o: { total?: unknown }) => typeof o.total !== 'function')
  @IsNumber({}, { message: 'must be a number > 0 or a function (request) => number' })
  @Min(1, { message: 'must be a number > 0 or a function (request) => number' })
  total?: unknown;
  @optional @IsInt({ message: 'must be an integer ≥ 0 (ms)' }) @Min(0, { message: 'must be an integer ≥ 0 (ms)' }) intervalMs?: number;
  @optional
  @IsNumber({}, { message: 'must be a number from 0 to 100' })
  @Min(0, { message: 'must be a number from 0 to 100' })
  @Max(100, { message: 'must be a number from 0 to 100' })
  percentStep?: number;
}

class SseReplayRedisSchema {
  @optional
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['redis', 'rediss'] }, { message: 'must be a redis:// or rediss:// URL' })
  url?: string;
  @optional @IsString({ message: 'must be a string' }) keyPrefix?: string;
  @optional @IsInt({ message: 'must be an integer ≥ 1 (ms)' }) @Min(1, { message: 'must be an integer ≥ 1 (ms)' }) connectTimeoutMs?: number;
  @optional @IsInt({ message: 'must be an integer ≥ 1 (ms)' }) @Min(1, { message: 'must be an integer ≥ 1 (ms)' }) commandTimeoutMs?: number;
  @optional @IsInt({ message: 'must be an integer ≥ 1 (ms)' }) @Min(1, { message: 'must be an integer ≥ 1 (ms)' }) maxReconnectDelayMs?: number;
  /** Checked by redisTargetProblems (an ioredis Cluster instance is accepted as is). */
  @optional @IsObject({ message: 'must be { nodes } or an ioredis Cluster' }) cluster?: unknown;
  @optional @IsObject({ message: 'must be { sentinels, name }' }) sentinel?: unknown;
}

class SseReplaySchema {
  @optional @IsIn(['memory', 'redis'], { message: "must be 'memory' or 'redis'" }) driver?: string;
  @optional @IsInt({ message: 'must be an integer ≥ 1000 (ms)' }) @Min(1000, { message: 'must be an integer ≥ 1000 (ms)' }) ttlMs?: number;
  @optional @IsInt({ message: 'must be an integer ≥ 1024' }) @Min(1024, { message: 'must be an integer ≥ 1024' }) maxStreamChars?: number;
  @optional @IsInt({ message: 'must be an integer ≥ 1024' }) @Min(1024, { message: 'must be an integer ≥ 1024' }) maxTotalChars?: number;
  @optional
  @IsObject({ message: 'must be an object { url? | cluster? | sentinel?, keyPrefix?, connectTimeoutMs?, commandTimeoutMs?, maxReconnectDelayMs? }' })
  @ValidateNested()
  @Type(() => SseReplayRedisSchema)
  redis?: SseReplayRedisSchema;
}

export class SseOptionsSchema {
  @optional @IsInt({ message: 'must be an integer ≥ 0 (ms)' }) @Min(0, { message: 'must be an integer ≥ 0 (ms)' }) retryMs?: number;
  @optional @IsBoolean({ message: 'must be true or false' }) startImmediately?: boolean;
  @optional @IsInt({ message: 'must be an integer ≥ 1024' }) @Min(1024, { message: 'must be an integer ≥ 1024' }) maxPendingLength?: number;
  @optional
  @IsInt({ message: 'must be an integer ≥ 0 (ms; 0 turns keepalives off)' })
  @Min(0, { message: 'must be an integer ≥ 0 (ms; 0 turns keepalives off)' })
  keepaliveMs?: number;
  @optional @IsIn(['event', 'comment'], { message: "must be 'event' or 'comment'" }) keepaliveMode?: string;
  @optional
  @ValidateIf((o: { progress?: unknown }) => typeof o.progress !== 'boolean')
  @IsObject({ message: 'must be true, false or { total?, intervalMs?, percentStep? }' })
  @ValidateNested()
  @Type(() => SseProgressSchema)
  progress?: unknown;
  @optional @IsFunctionOption('must be a function (chunk) => value') transform?: unknown;
  @optional @IsFunctionOption('must be a function (request) => string | undefined') scope?: unknown;
  @optional @IsDisconnectPolicy() onDisconnect?: unknown;
  @optional @IsObject({ message: 'must be an object { driver?, ttlMs?, redis? }' }) @ValidateNested() @Type(() => SseReplaySchema) replay?: SseReplaySchema;
}

class TelemetrySchema {
  @optional @IsBoolean({ message: 'must be true or false' }) enabled?: boolean;
  @optional @IsBoolean({ message: 'must be true or false' }) recordContent?: boolean;
}

function IsFunction(): PropertyDecorator {
  return ValidateBy({
    name: 'isFunction',
    validator: { validate: (value) => typeof value === 'function', defaultMessage: () => 'must be a function (info) => void' },
  });
}

class TokensPerWindowSchema {
  @IsInt({ message: 'must be an integer ≥ 1' }) @Min(1, { message: 'must be an integer ≥ 1' }) tokens!: number;
  @IsInt({ message: 'must be an integer ≥ 1000 (ms)' }) @Min(1000, { message: 'must be an integer ≥ 1000 (ms)' }) windowMs!: number;
}

class EngineLimitsSchema {
  @optional @IsObject({ message: 'must be an object { tokens, windowMs }' }) @ValidateNested() @Type(() => TokensPerWindowSchema) tokensPerWindow?: unknown;
  @optional @IsInt({ message: 'must be an integer ≥ 1' }) @Min(1, { message: 'must be an integer ≥ 1' }) maxConcurrentStreams?: number;
  @optional @IsInt({ message: 'must be an integer ≥ 1 (seconds)' }) @Min(1, { message: 'must be an integer ≥ 1 (seconds)' }) retryAfterSeconds?: number;
}

class JsonLimitsSchema {
  @optional @IsInt({ message: 'must be an integer ≥ 1' }) @Min(1, { message: 'must be an integer ≥ 1' }) maxDepth?: number;
  @optional @IsInt({ message: 'must be an integer ≥ 1' }) @Min(1, { message: 'must be an integer ≥ 1' }) maxNodes?: number;
  @optional @IsInt({ message: 'must be an integer ≥ 1 (bytes)' }) @Min(1, { message: 'must be an integer ≥ 1 (bytes)' }) maxBytes?: number;
}

export class ModuleOptionsSchema {
  @IsDefined({ message: 'is required: { default?, openai?, claude?, gemini?, offline?, … }' })
  @IsObject({ message: 'must be an object' })
  @ValidateNested()
  @Type(() => EngineOptionsSchema)
  engine!: EngineOptionsSchema;

  @optional @IsObject({ message: 'must be an object' }) memory?: unknown;

  @optional @IsObject({ message: 'must be an object' }) @ValidateNested() @Type(() => SseOptionsSchema) sse?: SseOptionsSchema;

  @optional
  @ValidateIf((o: { telemetry?: unknown }) => typeof o.telemetry !== 'boolean')
  @IsObject({ message: 'must be true, false or { enabled?, recordContent? }' })
  @ValidateNested()
  @Type(() => TelemetrySchema)
  telemetry?: unknown;

  @optional @IsFunction() onFinish?: unknown;

  @optional @IsFunctionOption('must be a function (request) => string | undefined') scope?: unknown;

  @optional
  @ValidateIf((o: { jsonLimits?: unknown }) => o.jsonLimits !== false)
  @IsObject({ message: 'must be false or { maxDepth?, maxNodes?, maxBytes? }' })
  @ValidateNested()
  @Type(() => JsonLimitsSchema)
  jsonLimits?: unknown;

  @optional
  @IsObject({ message: 'must be an object { maxConcurrentStreams?, retryAfterSeconds?, tokensPerWindow? }' })
  @ValidateNested()
  @Type(() => EngineLimitsSchema)
  limits?: unknown;

  /** Also exists on forRoot() options (`isGlobal`): allowed, not validated here. */
  @Allow() isGlobal?: unknown;
}

export { OfflineEngineConfigSchema };

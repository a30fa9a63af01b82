import type { EngineDriver } from './drivers/engine-driver.interface.js';
import type { OfflineEngineConfig } from './drivers/offline/offline-engine-config.interface.js';
import type { RetryOptions, TimeoutOptions } from './interfaces/engine-call-options.interface.js';
import type { EngineFinishHook } from './interfaces/engine-finish.interface.js';
import type { ClaudeEngineConfig, GeminiEngineConfig, OpenAIEngineConfig } from './interfaces/provider-engine-config.interface.js';
import type { MemoryModuleOptions } from './memory/memory-options.interface.js';
import type { EngineScopeHook } from './scope/engine-scope.js';
import type { JsonLimits } from './security/json-limits.js';
import type { EngineLimitsOptions } from './security/limits.js';
import type { SseModuleOptions } from './sse/sse-options.interface.js';
import type { TelemetryOptions } from './telemetry/telemetry-options.interface.js';

// The options of BuppleEngineModule, beside the module: they compose each feature's own
// option types (drivers, memory, SSE, telemetry, scope, limits), so they live above them all
// and lib/interfaces/ never imports upwards.

export type { ProviderEngineConfig, OpenAIEngineConfig, ClaudeEngineConfig, GeminiEngineConfig } from './interfaces/provider-engine-config.interface.js';

/** `engine` section: which providers are configured, and how calls behave by default. */
export interface EngineOptions {
  /** The engine used when a call names none. Default: the first configured of openai, claude, gemini, offline. */
  default?: string;
  openai?: OpenAIEngineConfig;
  claude?: ClaudeEngineConfig;
  gemini?: GeminiEngineConfig;
  /** The offline engine (no network, no key). Pass `{}` or `true` to enable it with defaults. */
  offline?: OfflineEngineConfig | boolean;
  /** Your own drivers, by engine name. */
  drivers?: Record<string, EngineDriver>;
  /** Engines to try in order when the chosen one fails for good. */
  fallback?: string[];
  retry?: RetryOptions;
  timeout?: TimeoutOptions;
  /**
   * Longest delta (text, reasoning or tool-argument piece) accepted from a provider, in
   * characters. A longer one ends the answer with a `delta_too_large` error for every client,
   * and is neither sent nor stored. Must be at most half of `sse.replay.maxStreamChars` and of
   * `sse.maxPendingLength`, so that what is sent can always be replayed. Default 262144 (256 KiB).
   */
  maxDeltaChars?: number;
}

/** Options of `BuppleEngineModule.forRoot()` / `forRootAsync()`. */
export interface BuppleEngineModuleOptions {
  engine: EngineOptions;
  memory?: MemoryModuleOptions;
  sse?: SseModuleOptions;
  /** OpenTelemetry spans and metrics (on when `@opentelemetry/api` is installed; `false` turns them off). */
  telemetry?: boolean | TelemetryOptions;
  /** Called once per answer, done, failed or aborted (billing, audit); before a call's own `onFinish`. */
  onFinish?: EngineFinishHook;
  /**
   * Who a request acts for, e.g. `(req) => req.user?.id`: the owner of the conversations it
   * opens with `MemoryService.conversationFor` and of the streams it starts (only the same
   * scope can resume or stop them; an `@SseStream({ scope })` of a route overrides it there).
   * Undefined for a request: the anonymous scope. See docs/security.md.
   */
  scope?: EngineScopeHook;
  /**
   * Bounds on the JSON body and query of `@SseStream()` routes, checked before any pipe (a
   * 400 instead of a stack overflow in class-transformer). Default `DEFAULT_JSON_LIMITS`;
   * `false` turns the check off. Other routes: `JsonLimitsGuard`.
   */
  jsonLimits?: JsonLimits | false;
  /** Limits per scope: concurrent streams. See docs/security.md. */
  limits?: EngineLimitsOptions;
}

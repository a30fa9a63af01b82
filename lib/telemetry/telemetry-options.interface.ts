/**
 * OpenTelemetry, through `@opentelemetry/api` (an optional peer: `npm install @opentelemetry/api`
 * and register an SDK). On by default when the package is installed; `telemetry: false` (or
 * `{ enabled: false }`) turns it off. Without the package, or off, nothing is loaded or paid.
 */
export interface TelemetryOptions {
  enabled?: boolean;
  /**
   * Records prompts and answers on the call span (`gen_ai.input.messages`,
   * `gen_ai.output.messages`). Off by default: they may hold personal data.
   */
  recordContent?: boolean;
}

// Defined with the call options (lib/interfaces/), which take an `onFinish` of their own.
export type { EngineFinishInfo, EngineFinishHook } from '../interfaces/engine-finish.interface.js';

import type { Observable } from 'rxjs';
import type { DriverCallOptions } from '../interfaces/engine-call-options.interface.js';
import type { EngineMessage } from '../interfaces/engine-message.interface.js';
import type { EngineUsage } from '../interfaces/engine-usage.interface.js';
import type { EngineWarning } from '../interfaces/engine-warning.interface.js';
import type { FinishReason } from '../interfaces/finish-reason.type.js';

/** What a driver is asked to do: one provider call, options already resolved. */
export interface DriverRequest {
  messages: EngineMessage[];
  options: DriverCallOptions;
}

/**
 * The parts a driver's stream emits, in this order:
 * one `response-start` as soon as the provider has accepted the request (HTTP 2xx headers),
 * any number of `text-delta` (and `activity` for data that carries no answer text, so that a
 * long reasoning phase is not taken for a stall), then one `finish`, then completion.
 * Failures are `EngineException` errors on the Observable (a provider's mid-stream error
 * events included).
 */
export type DriverStreamPart =
  | { type: 'response-start'; model: string; warnings: EngineWarning[] }
  | { type: 'text-delta'; text: string }
  /** Data arrived that is not part of the answer (reasoning, metadata): the stream is alive. */
  | { type: 'activity' }
  | { type: 'finish'; finishReason: FinishReason; rawFinishReason: string | null; usage?: EngineUsage };

/**
 * The contract every provider meets. `stream()` must be cold: the HTTP request starts on
 * subscription and unsubscribing aborts it, e.g.
 * `new Observable(subscriber => { const controller = new AbortController(); …; return () => controller.abort(); })`.
 */
export interface EngineDriver {
  /** The configured engine name (`openai`, `claude`, or any custom name). */
  readonly name: string;
  /** The provider family, for errors and logs (`openai`, `claude`, `gemini`, `offline`, …). */
  readonly provider: string;
  /** The model used when a call names none. */
  readonly defaultModel: string;
  /** Engine-level defaults applied under per-call options (temperature, maxTokens…). */
  readonly defaults?: Partial<Omit<DriverCallOptions, 'model'>>;
  stream(request: DriverRequest): Observable<DriverStreamPart>;
  /** Releases connections (called on application shutdown). */
  close?(): Promise<void> | void;
}

import type { Observable } from 'rxjs';
import type { DriverCallOptions, StructuredOutputMode } from '../interfaces/engine-call-options.interface.js';
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
 * then any number of content parts (`text-delta`, `reasoning-delta` / `reasoning-end`,
 * `tool-call-start` / `tool-call-delta` / `tool-call-end`, `source`, `provider-metadata`;
 * `activity` for data that carries none of these, so that a long silent phase is not taken
 * for a stall), then one `finish`, then completion. Failures are `EngineException` errors on
 * the Observable (a provider's mid-stream error events included).
 *
 * Tool calls: a call whose arguments stream (OpenAI, Claude) is `tool-call-start` once (its
 * `id` and `name` known), its argument text in `tool-call-delta` pieces, then `tool-call-end`
 * with the whole argument text. A call that arrives whole (Gemini: one `functionCall` part, its
 * args already an object) does not stream: it is one `tool-call-end` alone, `args` parsed,
 * with no start or delta before it (the engine then sends one `tool_call` event, no
 * `tool_call_delta`). Calls may interleave (parallel calls); `id` ties the parts together.
 */
export type DriverStreamPart =
  | {
      type: 'response-start';
      model: string;
      warnings: EngineWarning[];
      responseId?: string;
      /** How `responseFormat` is honoured, when one was asked for. */
      structuredOutputMode?: StructuredOutputMode;
    }
  | { type: 'text-delta'; text: string }
  /** Reasoning ("thinking") text, apart from the answer. */
  | { type: 'reasoning-delta'; text: string }
  /**
   * A reasoning block ended. Claude: `signature` (or `redactedData` for a redacted block) must
   * be sent back unchanged with the block in a later turn.
   */
  | { type: 'reasoning-end'; signature?: string; redactedData?: string }
  | { type: 'tool-call-start'; id: string; name: string }
  | { type: 'tool-call-delta'; id: string; argsTextDelta: string }
  | {
      type: 'tool-call-end';
      id: string;
      name: string;
      argsText: string;
      /**
       * The arguments already parsed, when the provider sent them as JSON (Gemini): `argsText`
       * (their JSON) is then not parsed again. Given only on a call that arrived whole, whose
       * `argsText` is the one delta `engine.maxDeltaChars` caps.
       */
      args?: unknown;
      providerMetadata?: Record<string, unknown>;
    }
  | { type: 'source'; url: string; title?: string }
  /** Provider-specific data about the answer (e.g. Gemini safety ratings), for logs and callers. */
  | { type: 'provider-metadata'; metadata: Record<string, unknown> }
  /**
   * Data arrived that is none of the above (pings, metadata): the stream is alive. Not for an
   * empty delta (no text, reasoning or tool data): that is no sign of work (see `timeout.idleMs`).
   */
  | { type: 'activity' }
  /** The answer ended. `responseId`: the provider's id of the response (OpenAI's chunk `id`, Claude's `message.id`, Gemini's `responseId`), when it sent one. */
  | { type: 'finish'; finishReason: FinishReason; rawFinishReason: string | null; usage?: EngineUsage; responseId?: string };

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

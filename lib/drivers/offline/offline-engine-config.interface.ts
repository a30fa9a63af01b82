import type { EngineMessage } from '../../interfaces/engine-message.interface.js';

/** Which typed error the offline engine raises when scripted to fail. */
export type OfflineFailureKind =
  | 'authentication'
  | 'rate_limit'
  | 'invalid_request'
  | 'connection'
  | 'overloaded'
  | 'provider_error'
  | 'content_filter';

/** A scripted failure. */
export interface OfflineFailure {
  /** Fail after this many content chunks; 0 with `beforeStart` fails before the request is accepted. */
  afterChunks: number;
  /** Fail before `response-start`, as a provider answering with an HTTP error status would. */
  beforeStart?: boolean;
  kind?: OfflineFailureKind;
  message?: string;
  /** For `rate_limit`: the delay the "provider" asks for, in ms. */
  retryAfterMs?: number;
}

/**
 * The offline engine: no network, no key. It streams a deterministic reply token by token.
 * Every field can also be given per call in `providerOptions` (e.g. `{ chunks: ['a', 'b'] }`).
 */
export interface OfflineEngineConfig {
  /** Reported model name. Default `offline-1`. */
  model?: string;
  /** Delay between two chunks in ms. Default 20; 0 streams as fast as possible. */
  tokenDelayMs?: number;
  /** Delay before the request is "accepted", in ms. Default 0. */
  acceptDelayMs?: number;
  /** The reply text (split into word tokens), or a function of the messages. */
  reply?: string | ((messages: EngineMessage[]) => string);
  /** Exact chunks to stream, instead of `reply`. */
  chunks?: string[];
  /** Fail at a given point. */
  failAt?: OfflineFailure;
}

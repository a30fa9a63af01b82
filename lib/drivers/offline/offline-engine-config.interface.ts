import type { JsonSchema } from '../../interfaces/tool.interface.js';
import type { EngineMessage } from '../../interfaces/engine-message.interface.js';

/** Which typed error the offline engine raises when scripted to fail. */
export type OfflineFailureKind = 'authentication' | 'rate_limit' | 'invalid_request' | 'connection' | 'overloaded' | 'provider_error' | 'content_filter';

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

/** A tool call the offline engine makes. */
export interface OfflineToolCall {
  /** Default `call_<step>_<n>`. */
  id?: string;
  name: string;
  /** The arguments (sent as JSON text in pieces). */
  args?: unknown;
  /** The raw argument text instead of `args` (e.g. to test arguments that are not JSON). */
  argsText?: string;
}

/** One scripted model step: what one request of an answer streams. */
export interface OfflineStep {
  /** Reasoning text, streamed before the answer (a string is split into word tokens). */
  reasoning?: string | string[];
  /** Signature sent with the end of the reasoning block (as Claude does). */
  reasoningSignature?: string;
  /** Answer text (split into word tokens), or exact `chunks`. */
  text?: string;
  chunks?: string[];
  toolCalls?: OfflineToolCall[];
  sources?: { url: string; title?: string }[];
  /** Default `tool_calls` when the step calls tools, else `stop`. */
  finishReason?: 'stop' | 'length' | 'tool_calls' | 'content_filter';
}

/**
 * The offline engine: no network, no key. It streams a deterministic reply token by token.
 * Every field can also be given per call in `providerOptions` (e.g. `{ chunks: ['a', 'b'] }`).
 */
export interface OfflineEngineConfig {
  /** Reported model name. Default `offline-1`. */
  model?: string;
  /** Other models a call may name (see `ProviderEngineConfig.models`). Default: any. */
  models?: string[];
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
  /**
   * Scripted steps of a tool loop: a request plays `steps[n]`, n being the number of assistant
   * messages since the last user message (0 for the first request of an answer, 1 after one
   * round of tool results…); the last step repeats.
   */
  steps?: OfflineStep[];
  /**
   * Without `steps` and with tools in the call: a prompt that names a tool ("add 2 and 3")
   * calls it, numbers of the prompt filling its number arguments in order; after the results,
   * the reply reports them. Default true.
   */
  callTools?: boolean;
  /**
   * Structured answers (`responseFormat`): the object to answer with, or a function of the
   * messages and the JSON Schema. Default: an object of the schema filled in from the last
   * user message (emails, phone numbers, capitalised names, …), streamed a few characters at a time.
   */
  object?: unknown | ((messages: EngineMessage[], schema: JsonSchema | undefined) => unknown);
}

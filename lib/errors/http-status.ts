/**
 * The HTTP status of each engine error code: what a client gets when the failure happens
 * before the first byte of the answer (after it, the failure is a `stream_error` event).
 * `EngineException#httpStatus` reads it; an unknown code (an app's own subclass) is a 502: the
 * fault is upstream, not the client's.
 */
export const ENGINE_HTTP_STATUS: Readonly<Record<string, number>> = Object.freeze({
  // the caller's request
  invalid_request: 400,
  unknown_engine: 400,
  invalid_tool: 400,
  memory_invalid: 400,
  content_filter: 422,
  rate_limit: 429,
  too_many_streams: 429,
  token_limit: 429,
  // this server: its configuration, its code, its stores
  invalid_configuration: 500,
  invalid_schema: 500,
  missing_package: 500,
  memory_error: 500,
  memory_storage: 500,
  memory_connection: 503,
  replay_unavailable: 503,
  // the provider
  engine_error: 502,
  authentication: 502,
  provider_error: 502,
  stream_limit: 502,
  delta_too_large: 502,
  object_validation: 502,
  overloaded: 503,
  connection: 504,
});

/** The HTTP status of an engine error code (502 for a code not in {@link ENGINE_HTTP_STATUS}). */
export function httpStatusOfCode(code: string): number {
  return Object.hasOwn(ENGINE_HTTP_STATUS, code) ? ENGINE_HTTP_STATUS[code] : 502;
}

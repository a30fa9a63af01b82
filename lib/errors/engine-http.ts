import { HttpException, HttpStatus } from '@nestjs/common';
import { EngineException } from './engine.exception.js';
import { ErrorMessages } from './error-messages.js';
import { redactSecrets } from './redact.js';

/** The HTTP status a client gets for an engine failure that happened before any byte was sent. */
export function engineErrorStatus(error: EngineException): number {
  switch (error.code) {
    case 'invalid_request':
    case 'unknown_engine':
      return HttpStatus.BAD_REQUEST;
    case 'rate_limit':
      return HttpStatus.TOO_MANY_REQUESTS;
    case 'overloaded':
      return HttpStatus.SERVICE_UNAVAILABLE;
    case 'connection':
      return HttpStatus.GATEWAY_TIMEOUT;
    case 'content_filter':
      return HttpStatus.UNPROCESSABLE_ENTITY;
    case 'memory_invalid':
      return HttpStatus.BAD_REQUEST;
    case 'memory_connection':
    case 'replay_unavailable':
      return HttpStatus.SERVICE_UNAVAILABLE;
    case 'memory_error':
    case 'memory_storage':
    case 'missing_package':
    case 'invalid_configuration':
    case 'invalid_schema':
      return HttpStatus.INTERNAL_SERVER_ERROR;
    default:
      // the provider rejected our key or failed: the fault is upstream, not the client's
      return HttpStatus.BAD_GATEWAY;
  }
}

/** `Retry-After` in seconds for errors that carry a delay. */
export function retryAfterSeconds(error: EngineException): number | undefined {
  const ms = (error as { retryAfter?: number }).retryAfter;
  return ms === undefined ? undefined : Math.max(1, Math.ceil(ms / 1000));
}

/** What clients see of an engine error: no stack, no secret, no provider body. */
export function publicEngineError(error: EngineException): { code: string; message: string; retryable: boolean } {
  // server-side faults name hosts, paths or packages: clients get a generic message, logs the detail
  const message = INTERNAL_CODES.has(error.code) ? ErrorMessages.internalFailure(error.code) : redactSecrets(error.message);
  return { code: error.code, message, retryable: error.retryable };
}

const INTERNAL_CODES = new Set(['memory_error', 'memory_connection', 'memory_storage', 'missing_package', 'invalid_configuration', 'invalid_schema', 'replay_unavailable']);

/** Turns an EngineException into an HttpException with the right status and a safe body. */
export function toHttpException(error: EngineException): HttpException {
  const status = engineErrorStatus(error);
  return new HttpException({ statusCode: status, ...publicEngineError(error) }, status, { cause: error });
}

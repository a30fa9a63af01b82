import { HttpException } from '@nestjs/common';
import { EngineException } from './engine.exception.js';
import { ErrorMessages } from './error-messages.js';
import { httpStatusOfCode } from './http-status.js';
import { redactSecrets } from './redact.js';

/**
 * The HTTP status a client gets for an engine failure that happened before any byte was sent:
 * the error's `httpStatus` (its code's, lib/errors/http-status.ts), read from the code for an
 * error of an older copy of the package that has none.
 */
export function engineErrorStatus(error: EngineException): number {
  const status = (error as { httpStatus?: unknown }).httpStatus;
  return typeof status === 'number' ? status : httpStatusOfCode(error.code);
}

/** `Retry-After` in seconds for errors that carry a delay. */
export function retryAfterSeconds(error: EngineException): number | undefined {
  const ms = (error as { retryAfter?: number }).retryAfter;
  return ms === undefined ? undefined : Math.max(1, Math.ceil(ms / 1000));
}

/**
 * What clients see of an engine error: the library's own message for its code, never the
 * provider's text (which stays on `error.message` / `error.body` and goes to the server log,
 * redacted), no stack, no secret. Errors the library raised itself before any provider call
 * (a bad message, an unknown engine, a model not allowed, a bad conversation id) keep their
 * message: it names what was wrong.
 */
export function publicEngineError(error: EngineException): { code: string; message: string; retryable: boolean } {
  return { code: error.code, message: clientMessage(error), retryable: error.retryable };
}

/** True when the error stands for a provider's answer (it carries the provider's status or body). */
function fromProvider(error: EngineException): boolean {
  return error.status !== undefined || error.body !== undefined;
}

function clientMessage(error: EngineException): string {
  // server-side faults name hosts, paths or packages: clients get a generic message, logs the detail
  if (INTERNAL_CODES.has(error.code)) return ErrorMessages.internalFailure(error.code);
  const who = error.engine ?? error.provider ?? 'the AI provider';
  switch (error.code) {
    case 'authentication':
      return ErrorMessages.clientAuthentication(who);
    case 'rate_limit':
      return error.retryable ? ErrorMessages.rateLimited(who, (error as { retryAfter?: number }).retryAfter) : ErrorMessages.clientQuota(who);
    case 'overloaded':
      return ErrorMessages.overloaded(who);
    case 'connection':
      return ErrorMessages.clientConnection(who);
    case 'content_filter':
      return ErrorMessages.contentFilter(who);
    case 'provider_error':
      return ErrorMessages.serverError(who, error.status);
    case 'invalid_request':
      return fromProvider(error) ? ErrorMessages.badRequest(who) : redactSecrets(error.message);
    default:
      // codes of the library's own checks keep their message; anything a provider answered does not
      return fromProvider(error) ? ErrorMessages.serverError(who, error.status) : redactSecrets(error.message);
  }
}

/**
 * The server-log line of an engine error: code, engine, status, the full message and the
 * provider's body (redacted, clipped), so an operator sees what the client was not told.
 */
export function describeEngineError(error: EngineException): string {
  const parts = [`${error.code}`, error.engine ?? error.provider, error.status === undefined ? undefined : `HTTP ${error.status}`].filter(Boolean);
  let body = '';
  if (error.body !== undefined) {
    const text = typeof error.body === 'string' ? error.body : safeJson(error.body);
    body = ` body: ${clip(redactSecrets(text))}`;
  }
  return `${parts.join(' ')}: ${redactSecrets(error.message)}${body}`;
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? '';
  } catch {
    return String(value);
  }
}

function clip(text: string, max = 2000): string {
  return text.length > max ? `${text.slice(0, max)}… (${text.length} characters)` : text;
}

const INTERNAL_CODES = new Set([
  'memory_error',
  'memory_connection',
  'memory_storage',
  'missing_package',
  'invalid_configuration',
  'invalid_schema',
  'replay_unavailable',
]);

/** Turns an EngineException into an HttpException with the right status and a safe body. */
export function toHttpException(error: EngineException): HttpException {
  const status = engineErrorStatus(error);
  return new HttpException({ statusCode: status, ...publicEngineError(error) }, status, { cause: error });
}

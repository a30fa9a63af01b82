import { Catch, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { EngineException } from './engine.exception.js';
import { describeEngineError, engineErrorStatus, publicEngineError, retryAfterSeconds } from './engine-http.js';

/**
 * Answers EngineExceptions thrown by HTTP handlers (e.g. a `send()` route) with a fitting
 * status (400, 429 with Retry-After, 502, 503, 504) and `{ statusCode, code, message, retryable }`:
 * the library's own message for the code, never the provider's text, which is logged (redacted)
 * with the provider's status and body.
 * Register it with `app.useGlobalFilters(new EngineExceptionFilter())` or `@UseFilters()`.
 * `@SseStream()` routes do this by themselves.
 */
const OUTAGE_CODES = new Set(['replay_unavailable', 'memory_connection']);

@Catch(EngineException)
export class EngineExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('BuppleEngine');

  catch(error: EngineException, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse();
    const status = engineErrorStatus(error);
    // a store outage is logged once by the store (with a count), not once per refused request
    if (OUTAGE_CODES.has(error.code)) this.logger.debug(`Request refused (${status}): ${describeEngineError(error)}`);
    else if (status >= 500 || error.status !== undefined) this.logger.warn(`Request failed (${status}): ${describeEngineError(error)}`);
    else this.logger.debug(`Request refused (${status}): ${describeEngineError(error)}`);
    const body = JSON.stringify({ statusCode: status, ...publicEngineError(error) });
    const retryAfter = retryAfterSeconds(error);
    if (typeof res.code === 'function' && typeof res.header === 'function') {
      // Fastify reply
      if (retryAfter !== undefined) res.header('retry-after', String(retryAfter));
      res.code(status).header('content-type', 'application/json; charset=utf-8').send(body);
      return;
    }
    if (retryAfter !== undefined) res.setHeader('Retry-After', String(retryAfter));
    res.status(status).type('application/json').send(body);
  }
}

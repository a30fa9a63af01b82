import { Catch, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { EngineException } from './engine.exception.js';
import { engineErrorStatus, publicEngineError, retryAfterSeconds } from './engine-http.js';

/**
 * Answers EngineExceptions thrown by HTTP handlers (e.g. a `send()` route) with a fitting
 * status (400, 429 with Retry-After, 502, 503, 504) and `{ statusCode, code, message, retryable }`.
 * Register it with `app.useGlobalFilters(new EngineExceptionFilter())` or `@UseFilters()`.
 * `@SseStream()` routes do this by themselves.
 */
@Catch(EngineException)
export class EngineExceptionFilter implements ExceptionFilter {
  catch(error: EngineException, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse();
    const status = engineErrorStatus(error);
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

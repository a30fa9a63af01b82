import { Observable, Subscription } from 'rxjs';
import type { DriverRequest, DriverStreamPart, EngineDriver } from '../drivers/engine-driver.interface.js';
import { ConnectionException, DeltaTooLargeException, EngineException, ProviderServerException } from '../errors/engine.exception.js';
import { ErrorMessages } from '../errors/error-messages.js';

/** The limits of one provider call. */
export interface AttemptLimits {
  /** Longest wait for the first sign of an answer (ms). */
  firstByteMs: number;
  /** Longest silence once the answer started (ms). */
  idleMs: number;
  /** Longest delta (characters of text, reasoning or tool arguments). */
  maxDeltaChars: number;
}

/** The text of a delta, for the size cap: a call that arrived whole (`tool-call-end` with `args`, Gemini) is one delta of its whole argument text. */
export function deltaText(part: DriverStreamPart): string {
  if (part.type === 'text-delta' || part.type === 'reasoning-delta') return part.text;
  if (part.type === 'tool-call-delta') return part.argsTextDelta;
  if (part.type === 'tool-call-end' && part.args !== undefined) return part.argsText;
  return '';
}

/** Whether a part shows the provider is working: an empty delta (no text, reasoning or tool data) does not. */
export function isActivity(part: DriverStreamPart): boolean {
  switch (part.type) {
    case 'text-delta':
    case 'reasoning-delta':
      return part.text !== '';
    case 'tool-call-delta':
      return part.argsTextDelta !== '';
    default:
      return true;
  }
}

/** Whether a part starts the answer (the provider accepted, or something a client sees came): from then on the idle limit applies. */
export function startsAnswer(part: DriverStreamPart): boolean {
  switch (part.type) {
    case 'response-start':
    case 'finish':
    case 'tool-call-end':
    case 'source':
      return true;
    case 'text-delta':
    case 'reasoning-delta':
    case 'tool-call-delta':
      return isActivity(part);
    default:
      return false;
  }
}

/** Any failure of a driver as an EngineException naming the engine. */
export function asEngineException(error: unknown, driver: EngineDriver): EngineException {
  const engineError = EngineException.isInstance(error)
    ? error
    : new ProviderServerException(ErrorMessages.serverError(driver.provider), { provider: driver.provider, cause: error });
  engineError.engine ??= driver.name;
  return engineError;
}

/**
 * One provider call: the driver's parts as they come, under the first-byte and idle limits
 * (a `ConnectionException` when one passes) and the delta cap (`DeltaTooLargeException`).
 * Every error is an EngineException naming the engine. Cold; unsubscribing (or any error)
 * aborts the driver's request and clears the timer.
 */
export function attempt(driver: EngineDriver, request: DriverRequest, limits: AttemptLimits): Observable<DriverStreamPart> {
  return new Observable<DriverStreamPart>((subscriber) => {
    let started = false;
    let lastActivity = Date.now();
    let timer: NodeJS.Timeout | undefined;
    /** The driver's request; closed before it is added when the driver fails at once (then `add` aborts it). */
    const inner = new Subscription();
    let done = false;
    const clear = () => {
      if (timer) clearTimeout(timer);
      timer = undefined;
    };
    /** Stops the driver first, then reports: whoever hears the error may start the next call at once. */
    const failWith = (error: EngineException) => {
      done = true;
      clear();
      inner.unsubscribe();
      subscriber.error(error);
    };
    const check = () => {
      const limit = started ? limits.idleMs : limits.firstByteMs;
      const idle = Date.now() - lastActivity;
      if (idle < limit) {
        timer = setTimeout(check, limit - idle);
        return;
      }
      timer = undefined;
      const provider = driver.provider;
      const message = started ? ErrorMessages.stalled(provider, limit) : ErrorMessages.firstByteTimeout(provider, limit);
      failWith(asEngineException(new ConnectionException(message, { provider, engine: driver.name }), driver));
    };
    const arm = (limitMs: number) => {
      clear();
      timer = setTimeout(check, limitMs);
    };
    arm(limits.firstByteMs);
    inner.add(
      driver.stream(request).subscribe({
        next: (part) => {
          if (done) return;
          if (isActivity(part)) lastActivity = Date.now();
          const size = deltaText(part).length;
          if (size > limits.maxDeltaChars) {
            const provider = driver.provider;
            failWith(new DeltaTooLargeException(ErrorMessages.deltaTooLarge(provider, size, limits.maxDeltaChars), { provider, engine: driver.name }));
            return;
          }
          if (!started && startsAnswer(part)) {
            started = true;
            arm(limits.idleMs);
          }
          subscriber.next(part);
        },
        error: (error: unknown) => {
          if (done) return;
          done = true;
          clear();
          subscriber.error(asEngineException(error, driver));
        },
        complete: () => {
          if (done) return;
          done = true;
          clear();
          subscriber.complete();
        },
      }),
    );
    return () => {
      done = true;
      clear();
      inner.unsubscribe();
    };
  });
}

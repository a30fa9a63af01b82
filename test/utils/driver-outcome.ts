import type { Observable } from 'rxjs';
import type { DriverStreamPart } from '../../lib/drivers/engine-driver.interface.js';

/** What a driver's stream emitted, and how it ended. */
export interface DriverOutcome {
  parts: DriverStreamPart[];
  error?: unknown;
  completed: boolean;
}

/** Subscribes and waits for the end, failing clearly (rather than hanging) after `ms`. */
export function collect(source: Observable<DriverStreamPart>, ms = 5000): Promise<DriverOutcome> {
  return new Promise((resolve, reject) => {
    const outcome: DriverOutcome = { parts: [], completed: false };
    const timer = setTimeout(() => {
      subscription.unsubscribe();
      reject(new Error(`the driver stream did not end within ${ms} ms; parts so far: ${JSON.stringify(outcome.parts)}`));
    }, ms);
    const subscription = source.subscribe({
      next: (part) => outcome.parts.push(part),
      error: (error: unknown) => {
        clearTimeout(timer);
        resolve({ ...outcome, error });
      },
      complete: () => {
        clearTimeout(timer);
        resolve({ ...outcome, completed: true });
      },
    });
  });
}

/** The text deltas of a stream, in order. */
export const texts = (parts: DriverStreamPart[]): string[] => parts.flatMap((p) => (p.type === 'text-delta' ? [p.text] : []));

/** `promise`, or a rejection naming `what` after `ms`. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

import type { EngineDriver } from '../drivers/engine-driver.interface.js';

/**
 * The engines of one answer, the first one first, and the retries spent on the current one:
 * `retried()` counts a retry, `fallBack()` moves to the next engine (its retries start at
 * 0), `newStep()` starts a tool step's retries at 0 on the engine that answered.
 */
export class FallbackChain {
  private index = 0;
  private retryCount = 0;

  constructor(private readonly drivers: readonly EngineDriver[]) {
    if (drivers.length === 0) throw new Error('An engine chain needs at least one engine.');
  }

  get driver(): EngineDriver {
    return this.drivers[this.index];
  }

  /** Still on the first engine (the call's `model` only applies to it). */
  get isFirst(): boolean {
    return this.index === 0;
  }

  get hasNext(): boolean {
    return this.index + 1 < this.drivers.length;
  }

  /** Retries of the current engine so far. */
  get retries(): number {
    return this.retryCount;
  }

  /** Counts one more retry of the current engine; returns its number (1 for the first). */
  retried(): number {
    return ++this.retryCount;
  }

  /** Moves to the next engine and returns it. */
  fallBack(): EngineDriver {
    if (!this.hasNext) throw new Error('No engine left in the chain.');
    this.index++;
    this.retryCount = 0;
    return this.driver;
  }

  newStep(): void {
    this.retryCount = 0;
  }
}

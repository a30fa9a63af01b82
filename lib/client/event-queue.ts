/**
 * The async-iterator side of a stream: values pushed before anyone asked wait in a queue; a
 * pending `next()` gets the next one at once. `end()` finishes it, with an error for a failed
 * stream (thrown once by `next()`, after the queued values).
 */
export class EventQueue<T> {
  private readonly queue: T[] = [];
  private waiter: { resolve: (result: IteratorResult<T>) => void; reject: (error: unknown) => void } | undefined;
  private ended = false;
  private error: unknown;

  push(value: T): void {
    const waiter = this.waiter;
    if (waiter) {
      this.waiter = undefined;
      waiter.resolve({ value, done: false });
    } else {
      this.queue.push(value);
    }
  }

  /** No more values; `error` is what the iterator throws once the queue is drained. */
  end(error?: unknown): void {
    if (this.ended) return;
    this.ended = true;
    this.error = error;
    const waiter = this.waiter;
    if (!waiter) return;
    this.waiter = undefined;
    this.error = undefined;
    if (error !== undefined) waiter.reject(error);
    else waiter.resolve({ value: undefined, done: true });
  }

  /** An iterator over the values; `onReturn` runs when the loop is left early (`break`, `return`, a throw). */
  iterator(onReturn: () => void): AsyncIterator<T> {
    return {
      next: () => {
        const value = this.queue.shift();
        if (value !== undefined) return Promise.resolve({ value, done: false });
        if (this.ended) {
          const error = this.error;
          this.error = undefined;
          return error !== undefined ? Promise.reject(error) : Promise.resolve({ value: undefined, done: true });
        }
        return new Promise<IteratorResult<T>>((resolve, reject) => {
          this.waiter = { resolve, reject };
        });
      },
      return: () => {
        onReturn();
        this.queue.length = 0;
        this.error = undefined;
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}

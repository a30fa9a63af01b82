/** The text is not JSON (or not complete JSON); `offset` is where reading stopped. */
export class JsonReadError extends Error {
  constructor(
    readonly reason: string,
    readonly offset: number,
  ) {
    super(`${reason} (at character ${offset})`);
    this.name = 'JsonReadError';
  }
}

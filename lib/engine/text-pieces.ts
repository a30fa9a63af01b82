/** Pieces joined into one flat string at a time. */
const PIECES_PER_BLOCK = 64;

/**
 * Text that arrives in many small pieces (an answer's tokens), kept as a few flat strings.
 * `text += piece` would build a rope with one node per piece (and keep every piece), which the
 * garbage collector copies node by node while the stream lasts; here the pieces are joined
 * every PIECES_PER_BLOCK, so a stream holds one string per block, not two objects per token.
 */
export class TextPieces {
  private joined = '';
  private readonly pending: string[] = [];
  private chars = 0;

  /** Characters held, pieces not yet joined included. */
  get length(): number {
    return this.chars;
  }

  append(piece: string): void {
    if (piece === '') return;
    this.pending.push(piece);
    this.chars += piece.length;
    if (this.pending.length === PIECES_PER_BLOCK) this.flush();
  }

  toString(): string {
    if (this.pending.length > 0) this.flush();
    return this.joined;
  }

  private flush(): void {
    this.joined += this.pending.join('');
    this.pending.length = 0;
  }
}

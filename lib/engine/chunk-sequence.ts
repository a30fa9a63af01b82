import type { EngineChunk } from '../interfaces/engine-chunk.interface.js';

/**
 * Numbers the chunks of one answer and attaches what rides on the next one (the provider's
 * warnings, the structured output mode). A restart of a step takes the count back to the
 * step's first chunk (`rewind()`), so that the new try's chunks replace the old ones.
 */
export class ChunkSequence {
  private index = 0;
  private stepStart = 0;
  /** Answer text or tool calls of this step went out: a restart then needs `retry.afterContent: 'restart'`. */
  private answered = false;
  /** Anything of this step's model call went out, reasoning and sources too: a restart must say `reset`. */
  private shown = false;
  private warnings?: EngineChunk['warnings'];
  private mode?: EngineChunk['structuredOutputMode'];

  /** Answer text or tool calls of this step went out (what the retry policy weighs). */
  get contentSent(): boolean {
    return this.answered;
  }

  /**
   * The next chunk. `answer`: it is answer text or a tool call; `shown`: a client shows it, so
   * a restart must take it back (`reset`): the answer, and also reasoning and sources, which do
   * not stop a retry but would show twice after one.
   */
  next(fields: Partial<EngineChunk>, at: { engine: string; model: string }, answer: boolean, shown: boolean = answer): EngineChunk {
    if (answer) this.answered = true;
    if (shown) this.shown = true;
    const chunk: EngineChunk = { content: '', role: 'assistant', engine: at.engine, model: at.model, index: this.index++, finishReason: null, ...fields };
    if (this.warnings) {
      chunk.warnings = this.warnings;
      this.warnings = undefined;
    }
    if (this.mode) {
      chunk.structuredOutputMode = this.mode;
      this.mode = undefined;
    }
    return chunk;
  }

  /** The last chunk of the answer: what is still held rides on it. */
  last(fields: Partial<EngineChunk>, at: { engine: string; model: string }): EngineChunk {
    const chunk: EngineChunk = { content: '', role: 'assistant', engine: at.engine, model: at.model, index: this.index++, finishReason: null, ...fields };
    if (this.warnings) chunk.warnings = this.warnings;
    if (this.mode) chunk.structuredOutputMode = this.mode;
    return chunk;
  }

  holdWarnings(warnings: NonNullable<EngineChunk['warnings']>): void {
    this.warnings = warnings;
  }

  holdMode(mode: EngineChunk['structuredOutputMode']): void {
    this.mode = mode;
  }

  /** A model call starts: a mode announced by an earlier try no longer holds. */
  beginAttempt(): void {
    this.mode = undefined;
  }

  /** A new step starts here (after tool results): its restarts come back to this point. */
  beginStep(): void {
    this.stepStart = this.index;
    this.answered = false;
    this.shown = false;
  }

  /** Before a restart of the step: back to its first chunk; true when the client had seen some of it (reasoning and sources included). */
  rewind(): boolean {
    const reset = this.shown;
    this.answered = false;
    this.shown = false;
    this.index = this.stepStart;
    return reset;
  }
}

import type { EngineChunk } from '../interfaces/engine-chunk.interface.js';
import type { EngineUsage } from '../interfaces/engine-usage.interface.js';

/**
 * What one stream tells about its answer, gathered from the engine's report and the chunks:
 * the engine and model (`start`), the finish reason, usage and steps (`complete`), and the
 * text size (the tokens charged to the scope when the provider sent no usage).
 */
export class SseAnswer {
  private engine: string | null = null;
  private model: string | null = null;
  private finishReason: string | null = null;
  private usage: EngineUsage | null = null;
  /** Characters of answer text received, for an estimate of the tokens when no usage came. */
  private contentChars = 0;
  private steps?: EngineChunk['steps'];

  /** The engine accepted the request (its report). */
  accepted(engine: string, model: string): void {
    this.engine = engine;
    this.model = model;
  }

  /** The first chunk, from an engine that did not report: it names the engine and model, unless they are known. */
  identify(chunk: EngineChunk): void {
    this.engine ??= chunk.engine;
    this.model ??= chunk.model;
  }

  /** One chunk of the answer (the per-token path: field reads, one addition). */
  chunk(chunk: EngineChunk): void {
    if (chunk.finishReason) {
      this.finishReason = chunk.finishReason;
      this.usage = chunk.usage ?? null;
      // the last chunk of a tool loop carries its steps, with no text
      if (chunk.content === '') this.steps = chunk.steps;
    }
    if (typeof chunk.content === 'string') this.contentChars += chunk.content.length;
  }

  /** The finish of a streamed object (`streamObject()`'s final part). */
  objectFinished(finishReason: string, usage: unknown): void {
    this.finishReason = finishReason;
    this.usage = (usage as EngineUsage | null) ?? null;
  }

  /** Tokens the answer cost: the provider's total, else an estimate from the text received (4 characters a token). */
  get tokensUsed(): number {
    return this.usage?.totalTokens ?? Math.ceil(this.contentChars / 4);
  }

  /** The provider's output tokens, when it reported usage. */
  get completionTokens(): number | undefined {
    return this.usage?.completionTokens;
  }

  /** `start`'s data. */
  startData(streamId: string): { streamId: string; engine: string | null; model: string | null } {
    return { streamId, engine: this.engine, model: this.model };
  }

  /** `complete`'s data (`finishReason` `stop` when none came; `steps` only when the answer had them). */
  completeData(): { finishReason: string; usage: EngineUsage | null; steps?: EngineChunk['steps'] } {
    return this.steps
      ? { finishReason: this.finishReason ?? 'stop', usage: this.usage, steps: this.steps }
      : { finishReason: this.finishReason ?? 'stop', usage: this.usage };
  }
}

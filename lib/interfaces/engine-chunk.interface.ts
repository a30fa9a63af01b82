import type { EngineUsage } from './engine-usage.interface.js';
import type { EngineWarning } from './engine-warning.interface.js';
import type { FinishReason } from './finish-reason.type.js';

/**
 * One piece of a streamed answer. `index` counts chunks from 0. The last chunk of a
 * successful stream carries `finishReason` (and `usage` when the provider reports it);
 * its `content` may be empty.
 */
export interface EngineChunk {
  content: string;
  role: 'assistant';
  /** The engine (configured name) that produced it: after a fallback, the one that answered. */
  engine: string;
  model: string;
  index: number;
  finishReason: FinishReason | null;
  rawFinishReason?: string | null;
  usage?: EngineUsage;
  /** Present on the first chunk when the provider could not honour some option. */
  warnings?: EngineWarning[];
}

/** A whole answer, as `EngineService.send()` returns it. */
export interface EngineResponse {
  role: 'assistant';
  content: string;
  engine: string;
  model: string;
  usage: EngineUsage | null;
  finishReason: FinishReason;
  rawFinishReason: string | null;
  warnings: EngineWarning[];
}

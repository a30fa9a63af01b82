import type { EngineMessage } from './engine-message.interface.js';

/** What `EngineService.stream(messages, { conversation })` needs of a conversation handle. */
export interface ConversationLike {
  /** History to send before the new messages, oldest first, already shaped as engine messages. */
  toEngineMessages(): Promise<EngineMessage[]>;
  /** Stores messages the caller sends (before the provider call). */
  recordInput(messages: EngineMessage[]): Promise<void>;
  /** Stores the assembled answer once, complete or (flagged) incomplete. */
  recordAnswer(answer: RecordedAnswer): Promise<void>;
}

/** An answer as it is handed to a conversation for storing. */
export interface RecordedAnswer {
  content: string;
  complete: boolean;
  engine: string;
  model: string;
  finishReason: string | null;
  usage: { promptTokens: number; completionTokens: number; totalTokens: number } | null;
  durationMs: number;
  /** Why the answer is incomplete: `aborted` (the client left) or the error code. */
  interruptedBy?: string;
  /**
   * When tools were involved: every message of the answer in order — assistant messages with
   * their reasoning and tool-call parts, `tool` messages with the results — the last one being
   * the answer (`content`). Without it, the answer is one assistant message of `content`.
   */
  messages?: EngineMessage[];
}

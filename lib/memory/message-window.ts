import type { ConversationMessage } from './conversation-message.interface.js';
import { ErrorMessages } from '../errors/error-messages.js';
import { MemoryValidationException } from './errors/memory.exception.js';

/** Characters per token assumed by `maxTokens` (a common rule of thumb for English text). */
export const CHARS_PER_TOKEN = 4;

/**
 * Which part of a conversation to take. System messages are ALWAYS kept and do not count
 * towards `limit`; the other messages are taken newest first, as a contiguous run (no gaps),
 * while they fit every bound given.
 */
export interface MessageWindowOptions {
  /** At most this many (non-system) messages: the last N. */
  limit?: number;
  /** Total characters of `content` (system messages included) the window may hold. */
  maxChars?: number;
  /**
   * Estimated tokens the window may hold, at CHARS_PER_TOKEN (4) characters of `content` per
   * token, rounded up per message. Only an estimate: media payloads in `metadata` are not counted.
   */
  maxTokens?: number;
}

/** Estimated tokens of a message (content characters / 4, rounded up). */
export function estimateTokens(message: Pick<ConversationMessage, 'content'>): number {
  return Math.ceil(message.content.length / CHARS_PER_TOKEN);
}

function assertBound(name: string, value: unknown): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || !Number.isInteger(value)) {
    throw new MemoryValidationException(ErrorMessages.memoryInvalidMessage(`${name} must be a non-negative integer`));
  }
}

/** Checks window options (non-negative integers). */
export function assertValidWindow(options: MessageWindowOptions): void {
  assertBound('limit', options.limit);
  assertBound('maxChars', options.maxChars);
  assertBound('maxTokens', options.maxTokens);
}

/**
 * Applies a window to messages given oldest first; returns the kept ones, oldest first.
 * The budget counts the system messages first (kept even when they alone exceed it), then
 * the newest other messages until the next one does not fit.
 */
export function selectWindow<T extends Pick<ConversationMessage, 'role' | 'content'>>(messages: readonly T[], options: MessageWindowOptions = {}): T[] {
  assertValidWindow(options);
  const { limit, maxChars, maxTokens } = options;
  if (limit === undefined && maxChars === undefined && maxTokens === undefined) return [...messages];
  let chars = 0;
  let tokens = 0;
  for (const message of messages) {
    if (message.role !== 'system') continue;
    chars += message.content.length;
    tokens += estimateTokens(message);
  }
  const keep = new Set<number>();
  let count = 0;
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i]!;
    if (message.role === 'system') continue;
    if (limit !== undefined && count >= limit) break;
    const nextChars = chars + message.content.length;
    const nextTokens = tokens + estimateTokens(message);
    if (maxChars !== undefined && nextChars > maxChars) break;
    if (maxTokens !== undefined && nextTokens > maxTokens) break;
    chars = nextChars;
    tokens = nextTokens;
    count++;
    keep.add(i);
  }
  // tool results whose call fell outside the window go too: a call and its results stay together
  let first = messages.findIndex((message, i) => message.role !== 'system' && keep.has(i));
  while (first >= 0 && first < messages.length && (messages[first] as { role: string }).role === 'tool') keep.delete(first++);
  return messages.filter((message, i) => message.role === 'system' || keep.has(i));
}

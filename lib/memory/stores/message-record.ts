import type { ConversationMessage } from '../conversation-message.interface.js';
import type { PreparedMessage } from '../validate-message.js';
import { MESSAGE_ROLES, MESSAGE_TYPES } from '../validate-message.js';

/**
 * A stored message as one line of JSON without its `seq`, starting with `,` — the file and Redis
 * stores put `{"seq":N` in front of it once the position is known: `{"seq":N` + body.
 */
export function recordBody(message: PreparedMessage, createdAt: string): string {
  const json = JSON.stringify({
    id: message.id,
    role: message.role,
    type: message.type,
    content: message.content,
    metadata: message.metadata,
    ...(message.engine === undefined ? {} : { engine: message.engine }),
    createdAt,
  });
  return `,${json.slice(1)}`;
}

/** One whole record: `{"seq":N,…}` (no new line). */
export function serializeRecord(seq: number, message: PreparedMessage, createdAt: string): string {
  return `{"seq":${seq}${recordBody(message, createdAt)}`;
}

/** Reads a record back; anything that is not a complete, well-formed record gives undefined. */
export function parseRecord(text: string): ConversationMessage | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const r = value as Record<string, unknown>;
  if (
    typeof r.seq !== 'number' ||
    !Number.isSafeInteger(r.seq) ||
    typeof r.id !== 'string' ||
    !MESSAGE_ROLES.includes(r.role as never) ||
    !MESSAGE_TYPES.includes(r.type as never) ||
    typeof r.content !== 'string' ||
    typeof r.metadata !== 'object' ||
    r.metadata === null ||
    Array.isArray(r.metadata) ||
    typeof r.createdAt !== 'string' ||
    (r.engine !== undefined && typeof r.engine !== 'string')
  ) {
    return undefined;
  }
  const message: ConversationMessage = {
    id: r.id,
    role: r.role as ConversationMessage['role'],
    content: r.content,
    type: r.type as ConversationMessage['type'],
    metadata: r.metadata as Record<string, unknown>,
    seq: r.seq,
    createdAt: r.createdAt,
  };
  if (typeof r.engine === 'string') message.engine = r.engine;
  return message;
}

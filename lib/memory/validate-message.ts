import { randomUUID } from 'node:crypto';
import { ErrorMessages } from '../errors/error-messages.js';
import type { ConversationKey, ConversationMessage, MessageRole, MessageType, NewConversationMessage } from './conversation-message.interface.js';
import { MemoryValidationException } from './errors/memory.exception.js';

/** Longest accepted parentType, parentId or message id, in characters. */
export const MAX_ID_LENGTH = 200;
/** Longest accepted engine name, in characters. */
export const MAX_ENGINE_LENGTH = 100;

/** Half of a UTF-16 surrogate pair on its own: not valid Unicode, and stores would disagree on it. */
const LONE_SURROGATE = /\p{Cs}/u;

/** True when a JSON value holds a string (or key) with a lone surrogate. */
function hasLoneSurrogate(value: unknown): boolean {
  if (typeof value === 'string') return LONE_SURROGATE.test(value);
  if (Array.isArray(value)) return value.some(hasLoneSurrogate);
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).some(([k, v]) => LONE_SURROGATE.test(k) || hasLoneSurrogate(v));
  }
  return false;
}

export const MESSAGE_ROLES: readonly MessageRole[] = ['system', 'user', 'assistant', 'tool'];
export const MESSAGE_TYPES: readonly MessageType[] = ['text', 'image', 'audio', 'video'];

/**
 * Checks an id used to name a conversation or message: a non-empty string of at most
 * MAX_ID_LENGTH characters, without control characters (NUL included), `/`, `\` or `..`.
 * These rules hold for every store, so an id that works with one works with all, and no id
 * can lead the file store outside its directory.
 */
export function assertValidId(field: string, value: unknown): asserts value is string {
  const fail = (why: string): never => {
    throw new MemoryValidationException(ErrorMessages.memoryInvalidId(field, why));
  };
  if (typeof value !== 'string') fail(`must be a string, got ${value === null ? 'null' : typeof value}`);
  const id = value as string;
  if (id.length === 0) fail('must not be empty');
  if (id.length > MAX_ID_LENGTH) fail(`must be at most ${MAX_ID_LENGTH} characters (got ${id.length})`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(id)) fail('must not contain control characters (NUL, new line, …)');
  if (LONE_SURROGATE.test(id)) fail('must be valid Unicode (no lone surrogate)');
  if (id.includes('..')) fail('must not contain ".."');
  if (id.includes('/') || id.includes('\\')) fail('must not contain "/" or "\\"');
}

/**
 * Checks an owner (see `ConversationKey.owner`): undefined, or a string of at most
 * MAX_ID_LENGTH characters without control characters or lone surrogates. Any other
 * character is fine (`auth0|123`, an e-mail address, a URL): stores encode it.
 */
export function assertValidOwner(value: unknown): asserts value is string | undefined {
  if (value === undefined) return;
  const fail = (why: string): never => {
    throw new MemoryValidationException(ErrorMessages.memoryInvalidId('owner', why));
  };
  if (typeof value !== 'string') fail(`must be a string, got ${value === null ? 'null' : typeof value}`);
  const owner = value as string;
  if (owner.length > MAX_ID_LENGTH) fail(`must be at most ${MAX_ID_LENGTH} characters (got ${owner.length})`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(owner)) fail('must not contain control characters (NUL, new line, …)');
  if (LONE_SURROGATE.test(owner)) fail('must be valid Unicode (no lone surrogate)');
}

/** The owner of a key as stores use it: a non-empty string, or undefined for none (`''` is none). */
export function ownerOfKey(key: ConversationKey): string | undefined {
  return key.owner === undefined || key.owner === '' ? undefined : key.owner;
}

/** Checks a conversation key (see assertValidId, assertValidOwner). */
export function assertValidKey(key: ConversationKey): void {
  if (typeof key !== 'object' || key === null) {
    throw new MemoryValidationException(ErrorMessages.memoryInvalidId('conversation key', 'must be { parentType, parentId, owner? }'));
  }
  assertValidId('parentType', key.parentType);
  assertValidId('parentId', key.parentId);
  assertValidOwner(key.owner);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** A new message checked and completed, without `seq` and `createdAt` (the store adds those). */
export type PreparedMessage = Omit<ConversationMessage, 'seq' | 'createdAt'>;

/**
 * Checks a message and fills in defaults. `metadata` goes through JSON (what every store keeps),
 * so the in-process store returns exactly what the others return. Strings must not contain NUL
 * (PostgreSQL cannot store it), so the rule is the same everywhere.
 */
export function prepareMessage(message: NewConversationMessage): PreparedMessage {
  const fail = (why: string): never => {
    throw new MemoryValidationException(ErrorMessages.memoryInvalidMessage(why));
  };
  if (typeof message !== 'object' || message === null) fail('must be an object');
  if (!MESSAGE_ROLES.includes(message.role)) fail(`role must be one of ${MESSAGE_ROLES.join(', ')}`);
  const type = message.type ?? 'text';
  if (!MESSAGE_TYPES.includes(type)) fail(`type must be one of ${MESSAGE_TYPES.join(', ')}`);
  if (typeof message.content !== 'string') fail('content must be a string');
  if (message.content.includes('\u0000')) fail('content must not contain NUL characters');
  if (LONE_SURROGATE.test(message.content)) fail('content must be valid Unicode (no lone surrogate)');
  const id = message.id ?? randomUUID();
  assertValidId('messageId', id);
  if (message.engine !== undefined) {
    if (typeof message.engine !== 'string' || message.engine.length === 0 || message.engine.length > MAX_ENGINE_LENGTH) {
      fail(`engine must be a non-empty string of at most ${MAX_ENGINE_LENGTH} characters`);
    }
    if (message.engine.includes('\u0000')) fail('engine must not contain NUL characters');
  }
  const rawMetadata = message.metadata ?? {};
  if (!isPlainObject(rawMetadata)) fail('metadata must be a plain JSON object');
  let json: string;
  try {
    json = JSON.stringify(rawMetadata);
  } catch (error) {
    return fail(`metadata is not JSON-serialisable (${(error as Error).message})`);
  }
  if (json.includes('\\u0000')) fail('metadata must not contain NUL characters');
  const metadata = JSON.parse(json) as Record<string, unknown>;
  if (hasLoneSurrogate(metadata)) fail('metadata must be valid Unicode (no lone surrogate)');
  const prepared: PreparedMessage = {
    id,
    role: message.role,
    content: message.content,
    type,
    metadata,
  };
  if (message.engine !== undefined) prepared.engine = message.engine;
  return prepared;
}

/** Checks a `limit` option: a positive integer, or undefined. */
export function assertValidLimit(limit: unknown): asserts limit is number | undefined {
  if (limit === undefined) return;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 0) {
    throw new MemoryValidationException(ErrorMessages.memoryInvalidMessage('limit must be a non-negative integer'));
  }
}

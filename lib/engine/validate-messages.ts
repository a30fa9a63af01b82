import { ValidationException } from '../errors/engine.exception.js';
import { ErrorMessages } from '../errors/error-messages.js';
import type { EngineMessage } from '../interfaces/engine-message.interface.js';

const ROLES = new Set(['system', 'user', 'assistant']);
const PART_TYPES = new Set(['text', 'image', 'audio']);

/** Checks the shape of messages before any provider call; throws ValidationException naming the first problem. */
export function validateMessages(messages: unknown): asserts messages is EngineMessage[] {
  if (!Array.isArray(messages) || messages.length === 0) throw new ValidationException(ErrorMessages.noMessages());
  messages.forEach((message: unknown, index) => {
    const fail = (why: string): never => {
      throw new ValidationException(ErrorMessages.badMessage(index, why));
    };
    if (typeof message !== 'object' || message === null) fail('must be an object { role, content }.');
    const { role, content } = message as Record<string, unknown>;
    if (typeof role !== 'string' || !ROLES.has(role)) fail('.role must be one of system, user, assistant.');
    if (typeof content === 'string') {
      if (content.length === 0) fail('.content must not be empty.');
      return;
    }
    if (!Array.isArray(content) || content.length === 0) fail('.content must be a non-empty string or array of parts.');
    (content as unknown[]).forEach((part, p) => {
      const { type, text, url, data } = (part ?? {}) as Record<string, unknown>;
      if (typeof type !== 'string' || !PART_TYPES.has(type)) fail(`.content[${p}].type must be one of text, image, audio.`);
      if (type === 'text' && typeof text !== 'string') fail(`.content[${p}].text must be a string.`);
      if (type === 'image' && typeof url !== 'string' && typeof data !== 'string') fail(`.content[${p}] needs a url or base64 data.`);
      if (type === 'audio' && typeof data !== 'string') fail(`.content[${p}].data must be base64 audio.`);
    });
  });
}

import { ValidationException } from '../errors/engine.exception.js';
import { ErrorMessages } from '../errors/error-messages.js';
import type { EngineMessage } from '../interfaces/engine-message.interface.js';

const ROLES = new Set(['system', 'user', 'assistant', 'tool']);
const PART_TYPES = new Set(['text', 'image', 'audio', 'file', 'reasoning', 'tool-call', 'tool-result']);

/** Checks the shape of messages before any provider call; throws ValidationException naming the first problem. */
export function validateMessages(messages: unknown): asserts messages is EngineMessage[] {
  if (!Array.isArray(messages) || messages.length === 0) throw new ValidationException(ErrorMessages.noMessages());
  messages.forEach((message: unknown, index) => {
    const fail = (why: string): never => {
      throw new ValidationException(ErrorMessages.badMessage(index, why));
    };
    if (typeof message !== 'object' || message === null) fail('must be an object { role, content }.');
    const { role, content } = message as Record<string, unknown>;
    if (typeof role !== 'string' || !ROLES.has(role)) fail('.role must be one of system, user, assistant, tool.');
    if (role === 'tool' && !Array.isArray(content)) fail('.content of a tool message must be an array of tool-result parts.');
    if (typeof content === 'string') {
      if (content.length === 0) fail('.content must not be empty.');
      return;
    }
    if (!Array.isArray(content) || content.length === 0) fail('.content must be a non-empty string or array of parts.');
    (content as unknown[]).forEach((part, p) => {
      const { type, text, url, data, id, name } = (part ?? {}) as Record<string, unknown>;
      if (typeof type !== 'string' || !PART_TYPES.has(type)) fail(`.content[${p}].type must be one of ${[...PART_TYPES].join(', ')}.`);
      if ((role === 'tool') !== (type === 'tool-result')) fail(`.content[${p}]: tool-result parts go in tool messages, and tool messages hold only those.`);
      if (type === 'tool-call' && role !== 'assistant') fail(`.content[${p}]: tool-call parts go in assistant messages.`);
      if ((type === 'tool-call' || type === 'tool-result') && (typeof id !== 'string' || id === '' || typeof name !== 'string' || name === '')) {
        fail(`.content[${p}] (${type}) needs an id and a name.`);
      }
      if (type === 'reasoning' && typeof text !== 'string') fail(`.content[${p}].text must be a string.`);
      if (type === 'text' && typeof text !== 'string') fail(`.content[${p}].text must be a string.`);
      if (type === 'image' && typeof url !== 'string' && typeof data !== 'string') fail(`.content[${p}] needs a url or base64 data.`);
      if (type === 'audio' && typeof data !== 'string') fail(`.content[${p}].data must be base64 audio.`);
    });
  });
}

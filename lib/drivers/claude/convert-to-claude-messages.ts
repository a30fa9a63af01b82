import { ValidationException } from '../../errors/engine.exception.js';
import { ErrorMessages } from '../../errors/error-messages.js';
import type { ContentPart, EngineMessage, ImagePart } from '../../interfaces/engine-message.interface.js';
import type { ClaudeContentBlock, ClaudeImageBlock, ClaudeMessageParam } from './claude-api.types.js';

const PROVIDER = 'claude';

/** The image types Anthropic accepts inline. */
export const CLAUDE_IMAGE_TYPES: readonly string[] = ['image/jpeg', 'image/png', 'image/gif', 'image/webp'];

/** What the Messages API takes: the system prompt apart, then alternating turns starting with the user. */
export interface ClaudePrompt {
  system?: string;
  messages: ClaudeMessageParam[];
}

function invalid(index: number, why: string): ValidationException {
  return new ValidationException(ErrorMessages.badMessage(index, why), { provider: PROVIDER });
}

/** `data:image/png;base64,AAAA` → `{ mimeType: 'image/png', data: 'AAAA' }`. */
function parseDataUrl(url: string): { mimeType?: string; data: string } | undefined {
  const match = /^data:([^;,]*)(?:;[^;,]*)*;base64,(.*)$/s.exec(url);
  return match ? { mimeType: match[1] || undefined, data: match[2] } : undefined;
}

function imageBlock(part: ImagePart, index: number, where: string): ClaudeImageBlock {
  const inline =
    part.data !== undefined
      ? (parseDataUrl(part.data) ?? { mimeType: part.mimeType, data: part.data })
      : part.url?.startsWith('data:')
        ? parseDataUrl(part.url)
        : undefined;
  if (inline) {
    const mimeType = part.mimeType ?? inline.mimeType;
    if (!mimeType) throw invalid(index, `${where}: ${ErrorMessages.imageDataWithoutMimeType()}`);
    if (!CLAUDE_IMAGE_TYPES.includes(mimeType)) {
      throw invalid(index, `${where}: ${ErrorMessages.unsupportedImageType(PROVIDER, mimeType, CLAUDE_IMAGE_TYPES)}`);
    }
    return { type: 'image', source: { type: 'base64', media_type: mimeType, data: inline.data } };
  }
  if (part.url) return { type: 'image', source: { type: 'url', url: part.url } };
  throw invalid(index, `${where}: ${ErrorMessages.imagePartWithoutSource()}`);
}

function toBlocks(message: EngineMessage, index: number): ClaudeContentBlock[] {
  if (typeof message.content === 'string') return message.content ? [{ type: 'text', text: message.content }] : [];
  return message.content.flatMap((part: ContentPart, p): ClaudeContentBlock[] => {
    const where = `.content[${p}]`;
    switch (part.type) {
      case 'text':
        // Anthropic rejects empty text blocks; an empty part carries nothing anyway.
        return part.text ? [{ type: 'text', text: part.text }] : [];
      case 'image':
        return [imageBlock(part, index, where)];
      default:
        // Audio (and anything else): Claude has no such input. Never dropped silently.
        throw invalid(index, `${where}: ${ErrorMessages.unsupportedPart(PROVIDER, (part as { type: string }).type)}`);
    }
  });
}

function systemText(message: EngineMessage, index: number): string {
  if (typeof message.content === 'string') return message.content;
  return message.content
    .map((part, p) => {
      if (part.type !== 'text') {
        throw invalid(index, `.content[${p}]: ${ErrorMessages.partNotAllowedForRole(PROVIDER, 'system', part.type)}`);
      }
      return part.text;
    })
    .join('\n\n');
}

/**
 * Maps engine messages to Claude's shape:
 * - every system message goes to the `system` parameter, in order, joined by blank lines;
 * - consecutive turns of the same role are merged into one (Claude wants alternation);
 * - images become base64 or URL image blocks; audio, which Claude cannot take, is a
 *   `ValidationException` naming the part;
 * - the first turn must be the user's (`ValidationException` otherwise, before any request).
 */
export function convertToClaudeMessages(messages: EngineMessage[]): ClaudePrompt {
  const system: string[] = [];
  const turns: { role: 'user' | 'assistant'; blocks: ClaudeContentBlock[] }[] = [];
  messages.forEach((message, index) => {
    if (message.role === 'system') {
      const text = systemText(message, index);
      if (text) system.push(text);
      return;
    }
    const blocks = toBlocks(message, index);
    if (blocks.length === 0) return;
    // tool results travel in user turns
    const role = message.role === 'tool' ? 'user' : message.role;
    const last = turns[turns.length - 1];
    if (last && last.role === role) last.blocks.push(...blocks);
    else turns.push({ role, blocks });
  });
  if (turns.length === 0) throw new ValidationException(ErrorMessages.noConversationTurns(PROVIDER), { provider: PROVIDER });
  if (turns[0].role !== 'user') throw new ValidationException(ErrorMessages.firstTurnNotUser(PROVIDER), { provider: PROVIDER });
  return {
    ...(system.length > 0 && { system: system.join('\n\n') }),
    messages: turns.map(({ role, blocks }) => ({
      role,
      content: blocks.length === 1 && blocks[0].type === 'text' ? blocks[0].text : blocks,
    })),
  };
}

import { ValidationException } from '../../errors/engine.exception.js';
import { ErrorMessages } from '../../errors/error-messages.js';
import type { ContentPart, EngineMessage, FilePart, ImagePart, ToolResultPart } from '../../interfaces/engine-message.interface.js';
import type {
  ClaudeContentBlock,
  ClaudeDocumentBlock,
  ClaudeImageBlock,
  ClaudeMessageParam,
  ClaudeTextBlock,
  ClaudeToolResultBlock,
} from './claude-api.types.js';

const PROVIDER = 'claude';
const EPHEMERAL = { type: 'ephemeral' } as const;

/** The image types Anthropic accepts inline. */
export const CLAUDE_IMAGE_TYPES: readonly string[] = ['image/jpeg', 'image/png', 'image/gif', 'image/webp'];
/** The document types Anthropic accepts (`file` parts). */
export const CLAUDE_DOCUMENT_TYPES: readonly string[] = ['application/pdf', 'text/plain'];

/** What the Messages API takes: the system prompt apart, then alternating turns starting with the user. */
export interface ClaudePrompt {
  system?: string | ClaudeTextBlock[];
  messages: ClaudeMessageParam[];
}

/** How the conversion marks cache breakpoints. */
export interface ClaudeConvertOptions {
  /** A breakpoint after the (whole) system prompt. */
  cacheSystem?: boolean;
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

/** A PDF (base64, data URL or URL) or a plain-text file → a document block. */
function documentBlock(part: FilePart, index: number, where: string): ClaudeDocumentBlock {
  const inline =
    part.data !== undefined ? (parseDataUrl(part.data) ?? { data: part.data }) : part.url?.startsWith('data:') ? parseDataUrl(part.url) : undefined;
  const title = part.filename ? { title: part.filename } : {};
  if (!CLAUDE_DOCUMENT_TYPES.includes(part.mimeType)) {
    throw invalid(index, `${where}: claude takes files of type ${CLAUDE_DOCUMENT_TYPES.join(', ')}, not "${part.mimeType}".`);
  }
  if (part.mimeType === 'text/plain') {
    if (!inline) throw invalid(index, `${where}: claude needs a text/plain file inline, as base64 data.`);
    return { type: 'document', source: { type: 'text', media_type: 'text/plain', data: Buffer.from(inline.data, 'base64').toString('utf8') }, ...title };
  }
  if (inline) return { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: inline.data }, ...title };
  if (part.url) return { type: 'document', source: { type: 'url', url: part.url }, ...title };
  throw invalid(index, `${where}: a file part needs a url or base64 data.`);
}

function toolResultBlock(part: ToolResultPart): ClaudeToolResultBlock {
  if (part.error) return { type: 'tool_result', tool_use_id: part.id, content: part.error.message, is_error: true };
  const content = typeof part.result === 'string' ? part.result : part.result === undefined ? '' : JSON.stringify(part.result);
  return { type: 'tool_result', tool_use_id: part.id, content };
}

/** A tool call's arguments as Claude's `input` object (`{}` when there were none). */
function toolInput(args: unknown): unknown {
  if (typeof args === 'string') {
    try {
      const parsed: unknown = JSON.parse(args);
      return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? parsed : {};
    } catch {
      return {};
    }
  }
  return typeof args === 'object' && args !== null && !Array.isArray(args) ? args : {};
}

/** The part types each role may carry. */
const ALLOWED: Record<'user' | 'assistant' | 'tool', ReadonlySet<string>> = {
  user: new Set(['text', 'image', 'file']),
  assistant: new Set(['text', 'reasoning', 'tool-call']),
  tool: new Set(['tool-result', 'text']),
};

/** Part types Claude takes in some role (audio in none). */
const KNOWN_PARTS: ReadonlySet<string> = new Set(['text', 'image', 'file', 'reasoning', 'tool-call', 'tool-result']);

function toBlocks(message: EngineMessage, index: number): ClaudeContentBlock[] {
  if (typeof message.content === 'string') {
    if (message.role === 'tool') throw invalid(index, '.content: claude needs a tool message to hold tool-result parts.');
    return message.content ? [{ type: 'text', text: message.content }] : [];
  }
  const role = message.role as 'user' | 'assistant' | 'tool';
  return message.content.flatMap((part: ContentPart, p): ClaudeContentBlock[] => {
    const where = `.content[${p}]`;
    if (!ALLOWED[role].has(part.type)) {
      // Audio (and anything else): Claude has no such input. Never dropped silently.
      const why = KNOWN_PARTS.has(part.type)
        ? `claude does not take a "${part.type}" part in ${role} messages.`
        : ErrorMessages.unsupportedPart(PROVIDER, part.type);
      throw invalid(index, `${where}: ${why}`);
    }
    switch (part.type) {
      case 'text':
        // Anthropic rejects empty text blocks; an empty part carries nothing anyway.
        return part.text ? [{ type: 'text', text: part.text }] : [];
      case 'image':
        return [imageBlock(part, index, where)];
      case 'file':
        return [documentBlock(part, index, where)];
      case 'reasoning':
        // Claude accepts its own thinking back only with the signature it sent; reasoning
        // without one (another provider's) is not part of the conversation it can check.
        if (part.redactedData) return [{ type: 'redacted_thinking', data: part.redactedData }];
        return part.signature ? [{ type: 'thinking', thinking: part.text, signature: part.signature }] : [];
      case 'tool-call':
        return [{ type: 'tool_use', id: part.id, name: part.name, input: toolInput(part.args) }];
      case 'tool-result':
        return [toolResultBlock(part)];
      default:
        return [];
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

/** Adds a cache breakpoint on the last block that can carry one. */
function markLast(blocks: ClaudeContentBlock[]): void {
  for (let i = blocks.length - 1; i >= 0; i--) {
    const block = blocks[i];
    if (block.type !== 'thinking' && block.type !== 'redacted_thinking') {
      block.cache_control = EPHEMERAL;
      return;
    }
  }
}

/**
 * Maps engine messages to Claude's shape:
 * - every system message goes to the `system` parameter, in order, joined by blank lines
 *   (as text blocks when a cache breakpoint is asked for);
 * - consecutive turns of the same role are merged into one (Claude wants alternation); `tool`
 *   messages are user turns of `tool_result` blocks (`is_error` for a failed tool), put first;
 * - assistant `reasoning` parts go back as `thinking` (with their signature) or
 *   `redacted_thinking` blocks, unchanged; `tool-call` parts as `tool_use` blocks;
 * - images become base64 or URL image blocks, PDF and plain-text files `document` blocks;
 *   audio, which Claude cannot take, is a `ValidationException` naming the part;
 * - a message with `cacheControl: true` gets a cache breakpoint on its last block;
 * - the first turn must be the user's (`ValidationException` otherwise, before any request).
 */
export function convertToClaudeMessages(messages: EngineMessage[], options: ClaudeConvertOptions = {}): ClaudePrompt {
  const system: { text: string; cache: boolean }[] = [];
  const turns: { role: 'user' | 'assistant'; blocks: ClaudeContentBlock[] }[] = [];
  messages.forEach((message, index) => {
    if (message.role === 'system') {
      const text = systemText(message, index);
      if (text) system.push({ text, cache: message.cacheControl === true });
      return;
    }
    const blocks = toBlocks(message, index);
    if (blocks.length === 0) return;
    if (message.cacheControl) markLast(blocks);
    // tool results travel in user turns, before any text of that turn
    const role = message.role === 'tool' ? 'user' : message.role;
    const last = turns[turns.length - 1];
    if (last && last.role === role) {
      if (message.role === 'tool') {
        const firstOther = last.blocks.findIndex((b) => b.type !== 'tool_result');
        if (firstOther === -1) last.blocks.push(...blocks);
        else last.blocks.splice(firstOther, 0, ...blocks);
      } else {
        last.blocks.push(...blocks);
      }
    } else turns.push({ role, blocks });
  });
  if (turns.length === 0) throw new ValidationException(ErrorMessages.noConversationTurns(PROVIDER), { provider: PROVIDER });
  if (turns[0].role !== 'user') throw new ValidationException(ErrorMessages.firstTurnNotUser(PROVIDER), { provider: PROVIDER });

  let systemField: ClaudePrompt['system'];
  if (system.length > 0) {
    if (options.cacheSystem || system.some((s) => s.cache)) {
      const blocks: ClaudeTextBlock[] = system.map((s) =>
        s.cache ? { type: 'text', text: s.text, cache_control: EPHEMERAL } : { type: 'text', text: s.text },
      );
      if (options.cacheSystem) blocks[blocks.length - 1].cache_control = EPHEMERAL;
      systemField = blocks;
    } else {
      systemField = system.map((s) => s.text).join('\n\n');
    }
  }
  return {
    ...(systemField !== undefined && { system: systemField }),
    messages: turns.map(({ role, blocks }) => ({
      role,
      content: blocks.length === 1 && blocks[0].type === 'text' && !blocks[0].cache_control ? blocks[0].text : blocks,
    })),
  };
}

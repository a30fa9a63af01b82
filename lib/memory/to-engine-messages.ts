import { uiMessagesToEngineMessages } from '../ui-message/ui-to-engine-messages.js';
import type { AudioPart, ContentPart, EngineMessage, ImagePart, ReasoningPart, ToolCallPart, ToolResultPart } from '../interfaces/engine-message.interface.js';
import { ErrorMessages } from '../errors/error-messages.js';
import type { ConversationMessage, MessageMetadata, MessageType, NewConversationMessage } from './conversation-message.interface.js';
import { MemoryValidationException } from './errors/memory.exception.js';

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/** `{ url }` or `{ data, mimeType? }` (or a URL string) → an image part; anything else → undefined. */
function imagePart(source: unknown): ImagePart | undefined {
  if (typeof source === 'string') return source.length > 0 ? { type: 'image', url: source } : undefined;
  if (!isObject(source)) return undefined;
  const url = optionalString(source.url);
  const data = optionalString(source.data);
  if (!url && !data) return undefined;
  const part: ImagePart = { type: 'image' };
  if (url) part.url = url;
  if (data) part.data = data;
  const mimeType = optionalString(source.mimeType);
  if (mimeType) part.mimeType = mimeType;
  return part;
}

/** `{ data, mimeType }` → an audio part; anything else → undefined. */
function audioPart(source: unknown): AudioPart | undefined {
  if (!isObject(source)) return undefined;
  const data = optionalString(source.data);
  const mimeType = optionalString(source.mimeType);
  return data && mimeType ? { type: 'audio', data, mimeType } : undefined;
}

/** A reasoning, tool-call or tool-result part as stored (ids and args, signatures kept); anything else → undefined. */
function toolPart(value: unknown): ReasoningPart | ToolCallPart | ToolResultPart | undefined {
  if (!isObject(value)) return undefined;
  if (value.type === 'reasoning' && typeof value.text === 'string') {
    const part: ReasoningPart = { type: 'reasoning', text: value.text };
    if (typeof value.signature === 'string') part.signature = value.signature;
    if (typeof value.redactedData === 'string') part.redactedData = value.redactedData;
    return part;
  }
  const id = optionalString(value.id);
  const name = optionalString(value.name);
  if (!id || !name) return undefined;
  if (value.type === 'tool-call') {
    const part: ToolCallPart = { type: 'tool-call', id, name, args: value.args ?? {} };
    if (isObject(value.providerMetadata)) part.providerMetadata = value.providerMetadata;
    return part;
  }
  if (value.type === 'tool-result') {
    const part: ToolResultPart = { type: 'tool-result', id, name };
    if (isObject(value.error) && typeof value.error.message === 'string') part.error = { message: value.error.message };
    else part.result = value.result ?? null;
    return part;
  }
  return undefined;
}

function storedPart(value: unknown): ContentPart | undefined {
  if (!isObject(value)) return undefined;
  if (value.type === 'image') return imagePart(value);
  if (value.type === 'audio') return audioPart(value);
  if (value.type === 'text' && typeof value.text === 'string') return { type: 'text', text: value.text };
  return undefined;
}

/** The reasoning / tool-call / tool-result parts a stored message keeps in `metadata.parts`. */
export function toolPartsOf(message: Pick<ConversationMessage, 'metadata'>): (ReasoningPart | ToolCallPart | ToolResultPart)[] {
  const parts = message.metadata.parts;
  return Array.isArray(parts) ? parts.map(toolPart).filter((p): p is ReasoningPart | ToolCallPart | ToolResultPart => p !== undefined) : [];
}

/** The media parts a stored message describes (none for text, or when its metadata is incomplete). */
export function mediaPartsOf(message: Pick<ConversationMessage, 'type' | 'metadata'>): ContentPart[] {
  const metadata = message.metadata;
  if (Array.isArray(metadata.parts)) {
    return metadata.parts.map(storedPart).filter((p): p is ContentPart => p !== undefined);
  }
  switch (message.type) {
    case 'image': {
      const part = imagePart(metadata);
      return part ? [part] : [];
    }
    case 'audio': {
      const part = audioPart(metadata);
      return part ? [part] : [];
    }
    case 'video': {
      const frames = Array.isArray(metadata.frames) ? metadata.frames : [];
      const parts: ContentPart[] = frames.map(imagePart).filter((p): p is ImagePart => p !== undefined);
      const audio = audioPart(metadata.audio);
      if (audio) parts.push(audio);
      return parts;
    }
    default:
      return [];
  }
}

/**
 * A stored message as the engine takes it:
 * - `text` → the content string;
 * - `image` → the content (if any) as a text part, then an image part from `metadata.url` or
 *   `metadata.data` + `metadata.mimeType`;
 * - `audio` → text part (if any), then an audio part from `metadata.data` + `metadata.mimeType`;
 * - `video` → text part (if any), each of `metadata.frames` (URL strings or `{ url | data, mimeType }`)
 *   as an image part, then `metadata.audio` (`{ data, mimeType }`) as an audio part if present;
 * - several media parts stored by `recordInput` (`metadata.parts`) → text part, then those parts.
 * Media parts are sent for user messages only (providers take media from the user); system and
 * assistant messages, and media messages whose metadata has no usable media, are sent as their
 * text. A message with nothing to send (e.g. an answer interrupted before any text) is left out.
 * Incomplete answers (`metadata.incomplete`) are sent like any other.
 * User messages stored from a `UIMessage` (`metadata.ui.parts`) → the engine form of those parts.
 * Assistant messages with reasoning or tool calls in `metadata.parts` → reasoning parts (Claude
 * signatures kept), the text, then the tool-call parts (ids, args and provider metadata kept);
 * `tool` messages → their tool-result parts.
 */
export function toEngineMessage(message: ConversationMessage): EngineMessage | undefined {
  // a user message stored from a UIMessage (`uiChat()`): its parts are the message
  const ui = message.metadata.ui as { parts?: unknown } | undefined;
  if (message.role === 'user' && typeof ui === 'object' && ui !== null && Array.isArray(ui.parts)) {
    return uiMessagesToEngineMessages([{ role: 'user', parts: ui.parts as Record<string, unknown>[] }])[0];
  }
  if (message.role === 'tool') {
    const results = toolPartsOf(message).filter((p): p is ToolResultPart => p.type === 'tool-result');
    return results.length > 0 ? { role: 'tool', content: results } : undefined;
  }
  if (message.role === 'assistant') {
    const kept = toolPartsOf(message);
    if (kept.length > 0) {
      const parts: ContentPart[] = kept.filter((p) => p.type === 'reasoning');
      if (message.content.length > 0) parts.push({ type: 'text', text: message.content });
      parts.push(...kept.filter((p) => p.type === 'tool-call'));
      return { role: 'assistant', content: parts };
    }
  }
  const media = message.role === 'user' ? mediaPartsOf(message) : [];
  if (media.length === 0) {
    return message.content.length > 0 ? { role: message.role, content: message.content } : undefined;
  }
  const parts: ContentPart[] = message.content.length > 0 ? [{ type: 'text', text: message.content }] : [];
  parts.push(...media);
  return { role: message.role, content: parts };
}

/** Stored messages → engine messages, oldest first (see toEngineMessage). */
export function toEngineMessages(messages: readonly ConversationMessage[]): EngineMessage[] {
  return messages.map(toEngineMessage).filter((m): m is EngineMessage => m !== undefined);
}

/**
 * An engine message as a message to store (what `recordInput` keeps). Text parts are joined
 * with new lines into `content`. One media part becomes the message's type with its fields in
 * metadata (`{ url?, data?, mimeType? }`), as `addMessage` would store it; several become
 * `metadata.parts`, the type being that of the first.
 */
export function fromEngineMessage(message: EngineMessage, index = 0): NewConversationMessage {
  const fail = (why: string): never => {
    throw new MemoryValidationException(ErrorMessages.badMessage(index, why));
  };
  if (!isObject(message)) fail('must be an object { role, content }');
  const role = message.role;
  if (!['system', 'user', 'assistant', 'tool'].includes(role)) fail('role must be one of system, user, assistant, tool');
  if (typeof message.content === 'string') return { role, content: message.content, type: 'text' };
  if (!Array.isArray(message.content)) fail('content must be a string or an array of parts');
  const texts: string[] = [];
  const media: ContentPart[] = [];
  const kept: ContentPart[] = [];
  message.content.forEach((part, i) => {
    if (!isObject(part)) fail(`content[${i}] must be an object`);
    if (part.type === 'text') {
      if (typeof part.text !== 'string') fail(`content[${i}].text must be a string`);
      texts.push(part.text);
    } else if (part.type === 'image') {
      const image = imagePart(part);
      if (!image) fail(`content[${i}] (image) needs a url or data`);
      media.push(image!);
    } else if (part.type === 'audio') {
      const audio = audioPart(part);
      if (!audio) fail(`content[${i}] (audio) needs data and mimeType`);
      media.push(audio!);
    } else if (part.type === 'reasoning' || part.type === 'tool-call' || part.type === 'tool-result') {
      const stored = toolPart(part);
      if (!stored) fail(`content[${i}] (${part.type}) needs ${part.type === 'reasoning' ? 'a text' : 'an id and a name'}`);
      if ((role === 'tool') !== (part.type === 'tool-result') || (part.type !== 'tool-result' && role !== 'assistant')) {
        fail(`content[${i}] (${part.type}) cannot be in a ${role} message`);
      }
      kept.push(stored!);
    } else {
      fail(`content[${i}] has an unknown type "${String((part as { type?: unknown }).type)}"`);
    }
  });
  if (kept.length > 0) {
    if (media.length > 0) fail('content mixes media with tool or reasoning parts');
    const content = role === 'tool' ? resultsText(kept as ToolResultPart[]) : texts.join('\n');
    return { role, content, type: 'text', metadata: { parts: kept.map((part) => ({ ...part })) } };
  }
  if (role === 'tool') fail('content must be tool-result parts');
  const content = texts.join('\n');
  if (media.length === 0) return { role, content, type: 'text' };
  const type: MessageType = media[0]!.type === 'audio' ? 'audio' : 'image';
  let metadata: MessageMetadata;
  if (media.length === 1) {
    const { type: _type, ...fields } = media[0] as ImagePart | AudioPart;
    metadata = { ...fields };
  } else {
    metadata = { parts: media.map((part) => ({ ...part })) };
  }
  return { role, content, type, metadata };
}

/** A tool message's `content`: its results as JSON text, one per line (what the window counts). */
export function resultsText(results: readonly ToolResultPart[]): string {
  return results.map((r) => `${r.name}: ${JSON.stringify(r.error ? { error: r.error.message } : (r.result ?? null))}`).join('\n');
}

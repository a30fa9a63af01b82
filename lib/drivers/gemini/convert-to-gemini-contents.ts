import { ValidationException } from '../../errors/engine.exception.js';
import { ErrorMessages } from '../../errors/error-messages.js';
import type { ContentPart, EngineMessage, ToolResultPart } from '../../interfaces/engine-message.interface.js';
import type { GeminiContent, GeminiPart } from './gemini-api.types.js';

const PROVIDER = 'gemini';

/** What `generateContent` takes: the system instruction apart, then the turns. */
export interface GeminiPrompt {
  systemInstruction?: { parts: { text: string }[] };
  contents: GeminiContent[];
}

function invalid(index: number, why: string): ValidationException {
  return new ValidationException(ErrorMessages.badMessage(index, why), { provider: PROVIDER });
}

/** `data:image/png;base64,AAAA` → `{ mimeType: 'image/png', data: 'AAAA' }`. */
function parseDataUrl(url: string): { mimeType?: string; data: string } | undefined {
  const match = /^data:([^;,]*)(?:;[^;,]*)*;base64,(.*)$/s.exec(url);
  return match ? { mimeType: match[1] || undefined, data: match[2] } : undefined;
}

/** `{ output }` unless the result is already a JSON object: Gemini's `response` must be one. */
function responseOf(part: ToolResultPart): Record<string, unknown> {
  if (part.error) return { error: { message: part.error.message } };
  const result = part.result;
  return typeof result === 'object' && result !== null && !Array.isArray(result) ? (result as Record<string, unknown>) : { output: result ?? null };
}

/** Arguments as Gemini's `functionCall.args` (a JSON object). */
function argsOf(args: unknown, index: number, where: string): Record<string, unknown> {
  if (args === undefined || args === null) return {};
  if (typeof args === 'object' && !Array.isArray(args)) return args as Record<string, unknown>;
  throw invalid(index, `${where}: ${ErrorMessages.toolArgsNotObject(PROVIDER)}`);
}

function toPart(part: ContentPart, index: number, where: string, role: EngineMessage['role']): GeminiPart | undefined {
  switch (part.type) {
    case 'text':
      return part.text ? { text: part.text } : undefined;
    case 'image':
    case 'audio':
    case 'file': {
      const url = part.type === 'audio' ? undefined : part.url;
      const inline =
        part.data !== undefined
          ? (parseDataUrl(part.data) ?? { mimeType: part.mimeType, data: part.data })
          : url?.startsWith('data:')
            ? parseDataUrl(url)
            : undefined;
      if (inline) {
        const mimeType = part.mimeType ?? inline.mimeType;
        if (!mimeType) {
          const why = part.type === 'audio' ? ErrorMessages.audioWithoutMimeType() : ErrorMessages.imageDataWithoutMimeType();
          throw invalid(index, `${where}: ${why}`);
        }
        return { inlineData: { mimeType, data: inline.data } };
      }
      if (url) {
        // Gemini needs the type of a file it fetches itself.
        if (!part.mimeType) throw invalid(index, `${where}: ${ErrorMessages.imageUrlWithoutMimeType(PROVIDER)}`);
        return { fileData: { fileUri: url, mimeType: part.mimeType } };
      }
      throw invalid(index, `${where}: ${ErrorMessages.imagePartWithoutSource()}`);
    }
    case 'reasoning': {
      if (role !== 'assistant') throw invalid(index, `${where}: ${ErrorMessages.partNotAllowedForRole(PROVIDER, role, part.type)}`);
      // A thought summary goes back as one, with its signature; a signature alone (Gemini puts
      // it on a text part, often an empty one at the end) goes back on an empty text part.
      if (part.text) return { text: part.text, thought: true, ...(part.signature && { thoughtSignature: part.signature }) };
      return part.signature ? { text: '', thoughtSignature: part.signature } : undefined;
    }
    case 'tool-call': {
      if (role !== 'assistant') throw invalid(index, `${where}: ${ErrorMessages.partNotAllowedForRole(PROVIDER, role, part.type)}`);
      const signature = part.providerMetadata?.thoughtSignature;
      return {
        functionCall: { name: part.name, args: argsOf(part.args, index, where) },
        ...(typeof signature === 'string' && { thoughtSignature: signature }),
      };
    }
    case 'tool-result':
      if (role !== 'tool') throw invalid(index, `${where}: ${ErrorMessages.partNotAllowedForRole(PROVIDER, role, part.type)}`);
      return { functionResponse: { name: part.name, response: responseOf(part) } };
    default:
      throw invalid(index, `${where}: ${ErrorMessages.unsupportedPart(PROVIDER, (part as { type: string }).type)}`);
  }
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
 * Maps engine messages to Gemini's shape:
 * - every system message goes to `systemInstruction`, in order, joined by blank lines;
 * - `assistant` becomes `model`; consecutive turns of the same role are merged (their parts
 *   concatenated), as Gemini wants alternating turns;
 * - images, audio and files given as base64 become `inlineData`; an image or file by URL
 *   becomes `fileData`, which needs its `mimeType` (`ValidationException` otherwise, naming the part);
 * - an assistant's `tool-call` parts become `functionCall` parts (with the `thoughtSignature`
 *   Gemini gave them, from `providerMetadata`), its `reasoning` parts thought parts with their
 *   signature; `tool` messages become `functionResponse` parts of a user turn (Gemini matches
 *   them to the calls by name and order).
 */
export function convertToGeminiContents(messages: EngineMessage[]): GeminiPrompt {
  const system: string[] = [];
  const contents: GeminiContent[] = [];
  messages.forEach((message, index) => {
    if (message.role === 'system') {
      const text = systemText(message, index);
      if (text) system.push(text);
      return;
    }
    const parts =
      typeof message.content === 'string'
        ? message.content
          ? [{ text: message.content }]
          : []
        : message.content.flatMap((part, p) => toPart(part, index, `.content[${p}]`, message.role) ?? []);
    if (parts.length === 0) return;
    const role = message.role === 'assistant' ? 'model' : 'user';
    const last = contents[contents.length - 1];
    if (last && last.role === role) last.parts.push(...parts);
    else contents.push({ role, parts });
  });
  if (contents.length === 0) throw new ValidationException(ErrorMessages.noConversationTurns(PROVIDER), { provider: PROVIDER });
  return {
    ...(system.length > 0 && { systemInstruction: { parts: [{ text: system.join('\n\n') }] } }),
    contents,
  };
}

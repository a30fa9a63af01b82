import { ValidationException } from '../../errors/engine.exception.js';
import { ErrorMessages } from '../../errors/error-messages.js';
import type { ContentPart, EngineMessage } from '../../interfaces/engine-message.interface.js';
import type { OpenAIContentPart, OpenAIMessage, OpenAIToolCall } from './openai-api.types.js';

/** Audio MIME types the Chat Completions `input_audio` part takes, with the format it names. */
const AUDIO_FORMATS: Record<string, 'wav' | 'mp3'> = {
  'audio/wav': 'wav',
  'audio/x-wav': 'wav',
  'audio/wave': 'wav',
  'audio/mp3': 'mp3',
  'audio/mpeg': 'mp3',
};

interface ConvertContext {
  /** Shown in messages: the engine name (`openai`, or a custom one for a compatible server). */
  label: string;
  provider: string;
  engine: string;
}

function invalid(context: ConvertContext, index: number, why: string): ValidationException {
  return new ValidationException(ErrorMessages.badMessage(index, why), {
    provider: context.provider,
    engine: context.engine,
  });
}

function convertUserPart(part: ContentPart, index: number, partIndex: number, context: ConvertContext): OpenAIContentPart {
  const where = `.content[${partIndex}]: `;
  switch (part.type) {
    case 'text':
      return { type: 'text', text: part.text };
    case 'image': {
      if (part.url) return { type: 'image_url', image_url: { url: part.url } };
      if (part.data === undefined || part.data === '') {
        throw invalid(context, index, where + ErrorMessages.imagePartWithoutSource());
      }
      if (!part.mimeType) throw invalid(context, index, where + ErrorMessages.imageDataWithoutMimeType());
      return { type: 'image_url', image_url: { url: `data:${part.mimeType};base64,${part.data}` } };
    }
    case 'file': {
      if (part.data === undefined || part.data === '') {
        throw invalid(context, index, where + ErrorMessages.unsupportedPart(context.label, 'file (by URL; give its base64 data)'));
      }
      return { type: 'file', file: { file_data: `data:${part.mimeType};base64,${part.data}`, ...(part.filename ? { filename: part.filename } : {}) } };
    }
    case 'audio': {
      const format = AUDIO_FORMATS[String(part.mimeType).toLowerCase()];
      if (!format) throw invalid(context, index, where + ErrorMessages.unsupportedAudioFormat(context.label, String(part.mimeType)));
      return { type: 'input_audio', input_audio: { data: part.data, format } };
    }
    default:
      throw invalid(context, index, where + ErrorMessages.unsupportedPart(context.label, String((part as { type?: unknown }).type)));
  }
}

/** System and assistant turns take text only; their text parts are joined into one string. */
function textOnly(message: EngineMessage, index: number, context: ConvertContext): string {
  if (typeof message.content === 'string') return message.content;
  return message.content
    .map((part, partIndex) => {
      if (part.type === 'text') return part.text;
      throw invalid(context, index, `.content[${partIndex}]: ` + ErrorMessages.partNotAllowedForRole(context.label, message.role, String(part.type)));
    })
    .join('');
}

/** A tool result as the `content` of a `role: tool` message: a string as it is, anything else as JSON. */
function toolResultContent(part: Extract<ContentPart, { type: 'tool-result' }>): string {
  if (part.error) return JSON.stringify({ error: part.error.message });
  if (typeof part.result === 'string') return part.result;
  return part.result === undefined ? 'null' : JSON.stringify(part.result);
}

/** An assistant turn: its text, and its tool calls as `tool_calls` (reasoning is not sent back). */
function assistantMessage(message: EngineMessage, index: number, context: ConvertContext): OpenAIMessage {
  if (typeof message.content === 'string') return { role: 'assistant', content: message.content };
  let text = '';
  const calls: OpenAIToolCall[] = [];
  message.content.forEach((part, partIndex) => {
    if (part.type === 'text') text += part.text;
    else if (part.type === 'tool-call')
      calls.push({ id: part.id, type: 'function', function: { name: part.name, arguments: JSON.stringify(part.args ?? {}) } });
    else if (part.type !== 'reasoning') {
      throw invalid(context, index, `.content[${partIndex}]: ` + ErrorMessages.partNotAllowedForRole(context.label, message.role, String(part.type)));
    }
  });
  if (calls.length === 0) return { role: 'assistant', content: text };
  return { role: 'assistant', content: text === '' ? null : text, tool_calls: calls };
}

/** A `tool` turn: one `role: tool` message per tool result. */
function toolMessages(message: EngineMessage, index: number, context: ConvertContext): OpenAIMessage[] {
  if (typeof message.content === 'string') throw invalid(context, index, '.content must be tool-result parts in a tool message.');
  return message.content.map((part, partIndex): OpenAIMessage => {
    if (part.type !== 'tool-result') {
      throw invalid(context, index, `.content[${partIndex}]: ` + ErrorMessages.partNotAllowedForRole(context.label, message.role, String(part.type)));
    }
    return { role: 'tool', tool_call_id: part.id, content: toolResultContent(part) };
  });
}

/**
 * Maps engine messages to Chat Completions messages: roles one to one; user content parts
 * to `text`, `image_url` (a URL, or base64 data as a `data:` URL), `input_audio` (wav or
 * mp3) and `file` (base64 data); assistant `tool-call` parts to `tool_calls`; each
 * `tool-result` part of a `tool` message to a `role: tool` message. A part the API cannot
 * take is a `ValidationException` naming the message and part.
 */
export function convertToOpenAIMessages(
  messages: readonly EngineMessage[],
  context: ConvertContext = { label: 'openai', provider: 'openai', engine: 'openai' },
): OpenAIMessage[] {
  return messages.flatMap((message, index): OpenAIMessage | OpenAIMessage[] => {
    switch (message.role) {
      case 'system':
        return { role: 'system', content: textOnly(message, index, context) };
      case 'assistant':
        return assistantMessage(message, index, context);
      case 'tool':
        return toolMessages(message, index, context);
      case 'user':
        return {
          role: 'user',
          content:
            typeof message.content === 'string' ? message.content : message.content.map((part, partIndex) => convertUserPart(part, index, partIndex, context)),
        };
      default:
        throw invalid(context, index, '.role must be one of system, user, assistant, tool.');
    }
  });
}

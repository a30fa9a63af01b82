import { ValidationException } from '../../errors/engine.exception.js';
import { ErrorMessages } from '../../errors/error-messages.js';
import type { ContentPart, EngineMessage } from '../../interfaces/engine-message.interface.js';
import type { OpenAIContentPart, OpenAIMessage } from './openai-api.types.js';

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

/**
 * Maps engine messages to Chat Completions messages: roles one to one; user content parts
 * to `text`, `image_url` (a URL, or base64 data as a `data:` URL) and `input_audio` (wav or
 * mp3). A part the API cannot take is a `ValidationException` naming the message and part.
 */
export function convertToOpenAIMessages(
  messages: readonly EngineMessage[],
  context: ConvertContext = { label: 'openai', provider: 'openai', engine: 'openai' },
): OpenAIMessage[] {
  return messages.map((message, index): OpenAIMessage => {
    switch (message.role) {
      case 'system':
        return { role: 'system', content: textOnly(message, index, context) };
      case 'assistant':
        return { role: 'assistant', content: textOnly(message, index, context) };
      case 'user':
        return {
          role: 'user',
          content:
            typeof message.content === 'string'
              ? message.content
              : message.content.map((part, partIndex) => convertUserPart(part, index, partIndex, context)),
        };
      default:
        throw invalid(context, index, '.role must be one of system, user, assistant.');
    }
  });
}

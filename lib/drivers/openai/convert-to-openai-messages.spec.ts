import { ValidationException } from '../../errors/engine.exception.js';
import type { EngineMessage } from '../../interfaces/engine-message.interface.js';
import { convertToOpenAIMessages } from './convert-to-openai-messages.js';

const context = { label: 'openai', provider: 'openai', engine: 'openai' };

function failure(messages: EngineMessage[]): ValidationException {
  try {
    convertToOpenAIMessages(messages, context);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationException);
    return error as ValidationException;
  }
  throw new Error('expected a ValidationException');
}

describe('convertToOpenAIMessages', () => {
  it('keeps string content and roles as they are', () => {
    const messages: EngineMessage[] = [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: 'Hello.' },
    ];
    expect(convertToOpenAIMessages(messages, context)).toEqual(messages);
  });

  it('maps user parts to text, image_url and input_audio', () => {
    expect(
      convertToOpenAIMessages(
        [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'Look' },
              { type: 'image', url: 'data:image/gif;base64,R0lGOD', data: 'ignored-when-url-given' },
              { type: 'image', data: 'AAAA', mimeType: 'image/webp' },
              { type: 'audio', data: 'BBBB', mimeType: 'audio/x-wav' },
              { type: 'audio', data: 'CCCC', mimeType: 'audio/MP3' },
            ],
          },
        ],
        context,
      ),
    ).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Look' },
          { type: 'image_url', image_url: { url: 'data:image/gif;base64,R0lGOD' } },
          { type: 'image_url', image_url: { url: 'data:image/webp;base64,AAAA' } },
          { type: 'input_audio', input_audio: { data: 'BBBB', format: 'wav' } },
          { type: 'input_audio', input_audio: { data: 'CCCC', format: 'mp3' } },
        ],
      },
    ]);
  });

  it('joins the text parts of system and assistant messages', () => {
    expect(
      convertToOpenAIMessages(
        [
          {
            role: 'system',
            content: [
              { type: 'text', text: 'One. ' },
              { type: 'text', text: 'Two.' },
            ],
          },
          { role: 'assistant', content: [{ type: 'text', text: 'Yes' }] },
        ],
        context,
      ),
    ).toEqual([
      { role: 'system', content: 'One. Two.' },
      { role: 'assistant', content: 'Yes' },
    ]);
  });

  it('rejects base64 image data without a mimeType', () => {
    const error = failure([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'x' },
          { type: 'image', data: 'AAAA' },
        ],
      },
    ]);
    expect(error.message).toBe('messages[0].content[1]: an image part with base64 data needs its mimeType (e.g. image/png).');
    expect(error.provider).toBe('openai');
    expect(error.retryable).toBe(false);
  });

  it('rejects an image with neither url nor data', () => {
    expect(failure([{ role: 'user', content: [{ type: 'image' }] }]).message).toBe(
      'messages[0].content[0]: an image part needs a url, or base64 data with its mimeType.',
    );
  });

  it.each(['audio/ogg', 'audio/webm', 'audio/flac'])('rejects %s audio, naming the type', (mimeType) => {
    const error = failure([{ role: 'user', content: [{ type: 'audio', data: 'AAAA', mimeType }] }]);
    expect(error.message).toContain(`"${mimeType}"`);
    expect(error.message).toContain('audio/wav or audio/mp3');
  });

  it.each([
    ['assistant', { type: 'image', url: 'https://example.com/a.png' }, 'image'],
    ['system', { type: 'audio', data: 'AAAA', mimeType: 'audio/wav' }, 'audio'],
  ] as const)('rejects a non-text part in a %s message', (role, part, type) => {
    const error = failure([
      { role: 'user', content: 'hi' },
      { role, content: [{ type: 'text', text: 'see' }, part] },
    ]);
    expect(error.message).toBe(`messages[1].content[1]: openai takes only text in ${role} messages, not a part of type "${type}".`);
  });

  it('rejects an unknown part type and an unknown role (from untyped callers)', () => {
    expect(failure([{ role: 'user', content: [{ type: 'video' } as never] }]).message).toBe(
      'messages[0].content[0]: openai cannot take a message part of type "video".',
    );
    expect(failure([{ role: 'robot' as never, content: 'x' }]).message).toBe('messages[0].role must be one of system, user, assistant, tool.');
    // `tool` is a role now, but only with tool-result parts
    expect(failure([{ role: 'tool', content: 'x' }]).message).toBe('messages[0].content must be tool-result parts in a tool message.');
  });

  it('sends assistant tool calls as tool_calls and each tool result as a role: tool message', () => {
    const out = convertToOpenAIMessages([
      { role: 'user', content: 'add 2 and 3, and tell the time' },
      {
        role: 'assistant',
        content: [
          { type: 'reasoning', text: 'two tools' },
          { type: 'text', text: 'Let me check.' },
          { type: 'tool-call', id: 'call_1', name: 'add', args: { a: 2, b: 3 } },
          { type: 'tool-call', id: 'call_2', name: 'now', args: undefined },
        ],
      },
      {
        role: 'tool',
        content: [
          { type: 'tool-result', id: 'call_1', name: 'add', result: { sum: 5 } },
          { type: 'tool-result', id: 'call_2', name: 'now', error: { message: 'clock broken' } },
        ],
      },
      { role: 'assistant', content: [{ type: 'tool-call', id: 'call_3', name: 'now', args: {} }] },
      { role: 'tool', content: [{ type: 'tool-result', id: 'call_3', name: 'now', result: '12:00' }] },
    ]);
    expect(out).toEqual([
      { role: 'user', content: 'add 2 and 3, and tell the time' },
      {
        role: 'assistant',
        content: 'Let me check.',
        tool_calls: [
          { id: 'call_1', type: 'function', function: { name: 'add', arguments: '{"a":2,"b":3}' } },
          { id: 'call_2', type: 'function', function: { name: 'now', arguments: '{}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_1', content: '{"sum":5}' },
      { role: 'tool', tool_call_id: 'call_2', content: '{"error":"clock broken"}' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_3', type: 'function', function: { name: 'now', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: 'call_3', content: '12:00' },
    ]);
  });

  it('sends a file given as base64 data as a file part, and refuses one given by URL', () => {
    const [message] = convertToOpenAIMessages([
      { role: 'user', content: [{ type: 'file', data: 'JVBERi0=', mimeType: 'application/pdf', filename: 'a.pdf' }] },
    ]);
    expect(message).toEqual({ role: 'user', content: [{ type: 'file', file: { file_data: 'data:application/pdf;base64,JVBERi0=', filename: 'a.pdf' } }] });
    expect(failure([{ role: 'user', content: [{ type: 'file', url: 'https://x/a.pdf', mimeType: 'application/pdf' }] }]).message).toContain('file (by URL');
  });
});

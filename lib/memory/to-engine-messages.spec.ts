import type { ConversationMessage } from './conversation-message.interface.js';
import { MemoryValidationException } from './errors/memory.exception.js';
import { fromEngineMessage, toEngineMessage, toEngineMessages } from './to-engine-messages.js';

let seq = 0;
function stored(partial: Partial<ConversationMessage>): ConversationMessage {
  seq++;
  return { id: `m${seq}`, role: 'user', content: '', type: 'text', metadata: {}, seq, createdAt: new Date(0).toISOString(), ...partial };
}

describe('toEngineMessage', () => {
  it('sends text as a string', () => {
    expect(toEngineMessage(stored({ role: 'assistant', content: 'hello' }))).toEqual({ role: 'assistant', content: 'hello' });
  });

  it('turns an image into a text part and an image part (url or inline data)', () => {
    expect(toEngineMessage(stored({ content: 'What is this?', type: 'image', metadata: { url: 'https://x/cat.png' } }))).toEqual({
      role: 'user',
      content: [
        { type: 'text', text: 'What is this?' },
        { type: 'image', url: 'https://x/cat.png' },
      ],
    });
    expect(toEngineMessage(stored({ type: 'image', metadata: { data: 'iVBORw0K', mimeType: 'image/png', caption: 'x' } }))).toEqual({
      role: 'user',
      content: [{ type: 'image', data: 'iVBORw0K', mimeType: 'image/png' }],
    });
  });

  it('turns audio into an audio part', () => {
    expect(toEngineMessage(stored({ content: 'Transcribe', type: 'audio', metadata: { data: 'UklGR', mimeType: 'audio/wav' } }))).toEqual({
      role: 'user',
      content: [
        { type: 'text', text: 'Transcribe' },
        { type: 'audio', data: 'UklGR', mimeType: 'audio/wav' },
      ],
    });
  });

  it('turns a video into its frames (as images) and its audio track', () => {
    const video = stored({
      content: 'Describe the clip',
      type: 'video',
      metadata: {
        frames: ['https://x/f1.jpg', { data: 'AAAA', mimeType: 'image/jpeg' }, { nothing: true }],
        audio: { data: 'BBBB', mimeType: 'audio/mp3' },
      },
    });
    expect(toEngineMessage(video)).toEqual({
      role: 'user',
      content: [
        { type: 'text', text: 'Describe the clip' },
        { type: 'image', url: 'https://x/f1.jpg' },
        { type: 'image', data: 'AAAA', mimeType: 'image/jpeg' },
        { type: 'audio', data: 'BBBB', mimeType: 'audio/mp3' },
      ],
    });
    expect(toEngineMessage(stored({ content: 'silent', type: 'video', metadata: { frames: ['https://x/1.jpg'] } }))?.content).toEqual([
      { type: 'text', text: 'silent' },
      { type: 'image', url: 'https://x/1.jpg' },
    ]);
  });

  it('falls back to the text when the media metadata is unusable, and leaves out empty messages', () => {
    expect(toEngineMessage(stored({ content: 'an image went here', type: 'image', metadata: {} }))).toEqual({
      role: 'user',
      content: 'an image went here',
    });
    expect(toEngineMessage(stored({ content: '', type: 'audio', metadata: { data: 'x' } }))).toBeUndefined();
    expect(toEngineMessage(stored({ role: 'assistant', content: '', metadata: { incomplete: true } }))).toBeUndefined();
  });

  it('sends media as parts for user messages only', () => {
    expect(toEngineMessage(stored({ role: 'assistant', content: 'drawn', type: 'image', metadata: { url: 'https://x/y.png' } }))).toEqual({
      role: 'assistant',
      content: 'drawn',
    });
  });

  it('keeps incomplete answers as history', () => {
    const history = toEngineMessages([
      stored({ content: 'Tell me a story' }),
      stored({ role: 'assistant', content: 'Once upon', metadata: { incomplete: true, interruptedBy: 'aborted' } }),
      stored({ content: 'go on' }),
    ]);
    expect(history).toEqual([
      { role: 'user', content: 'Tell me a story' },
      { role: 'assistant', content: 'Once upon' },
      { role: 'user', content: 'go on' },
    ]);
  });
});

describe('fromEngineMessage', () => {
  it('stores text as text', () => {
    expect(fromEngineMessage({ role: 'system', content: 'Be brief' })).toEqual({ role: 'system', content: 'Be brief', type: 'text' });
    expect(
      fromEngineMessage({
        role: 'user',
        content: [
          { type: 'text', text: 'a' },
          { type: 'text', text: 'b' },
        ],
      }),
    ).toEqual({
      role: 'user',
      content: 'a\nb',
      type: 'text',
    });
  });

  it('stores one media part as the message type with its fields in metadata, and round-trips', () => {
    const input = {
      role: 'user' as const,
      content: [
        { type: 'text' as const, text: 'What is this?' },
        { type: 'image' as const, url: 'https://x/cat.png' },
      ],
    };
    const message = fromEngineMessage(input);
    expect(message).toEqual({ role: 'user', content: 'What is this?', type: 'image', metadata: { url: 'https://x/cat.png' } });
    expect(toEngineMessage(stored({ ...message, metadata: message.metadata! }))).toEqual(input);
  });

  it('stores several media parts in metadata.parts, and round-trips', () => {
    const input = {
      role: 'user' as const,
      content: [
        { type: 'text' as const, text: 'Compare' },
        { type: 'image' as const, data: 'AAA', mimeType: 'image/png' },
        { type: 'audio' as const, data: 'BBB', mimeType: 'audio/wav' },
      ],
    };
    const message = fromEngineMessage(input);
    expect(message.type).toBe('image');
    expect(message.metadata).toEqual({ parts: input.content.slice(1) });
    expect(toEngineMessage(stored({ ...message, metadata: message.metadata! }))).toEqual(input);
  });

  it('rejects parts it cannot store, naming the message', () => {
    expect(() => fromEngineMessage({ role: 'user', content: [{ type: 'image' }] }, 3)).toThrow(MemoryValidationException);
    expect(() => fromEngineMessage({ role: 'user', content: [{ type: 'image' }] }, 3)).toThrow('messages[3]');
    expect(() => fromEngineMessage({ role: 'user', content: [{ type: 'pdf' } as never] })).toThrow('unknown type');
    expect(() => fromEngineMessage({ role: 'user', content: 42 as never })).toThrow(MemoryValidationException);
  });
});

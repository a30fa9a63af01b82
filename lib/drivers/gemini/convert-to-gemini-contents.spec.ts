import { ValidationException } from '../../errors/engine.exception.js';
import type { EngineMessage } from '../../interfaces/engine-message.interface.js';
import { convertToGeminiContents } from './convert-to-gemini-contents.js';
import { mapGeminiFinishReason } from './map-gemini-finish-reason.js';

describe('convertToGeminiContents', () => {
  it('sends no systemInstruction without system messages, and assistant turns as model', () => {
    expect(
      convertToGeminiContents([
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello' },
      ]),
    ).toEqual({
      contents: [
        { role: 'user', parts: [{ text: 'Hi' }] },
        { role: 'model', parts: [{ text: 'Hello' }] },
      ],
    });
  });

  it('passes a conversation that starts with the model on as it is (the API decides)', () => {
    const { contents } = convertToGeminiContents([
      { role: 'assistant', content: 'How can I help?' },
      { role: 'user', content: 'Hi' },
    ]);
    expect(contents.map((c) => c.role)).toEqual(['model', 'user']);
  });

  it('merges consecutive turns of one role, also across a system message between them', () => {
    const prompt = convertToGeminiContents([
      { role: 'user', content: 'a' },
      { role: 'system', content: 's1' },
      { role: 'user', content: [{ type: 'text', text: 'b' }] },
      { role: 'assistant', content: 'c' },
      { role: 'assistant', content: 'd' },
      { role: 'system', content: 's2' },
    ]);
    expect(prompt).toEqual({
      systemInstruction: { parts: [{ text: 's1\n\ns2' }] },
      contents: [
        { role: 'user', parts: [{ text: 'a' }, { text: 'b' }] },
        { role: 'model', parts: [{ text: 'c' }, { text: 'd' }] },
      ],
    });
  });

  it('takes audio given as a data URL', () => {
    const { contents } = convertToGeminiContents([
      { role: 'user', content: [{ type: 'audio', data: 'data:audio/mp3;base64,SUQz', mimeType: undefined as unknown as string }] },
    ]);
    expect(contents[0].parts).toEqual([{ inlineData: { mimeType: 'audio/mp3', data: 'SUQz' } }]);
  });

  it.each([
    [[{ role: 'user', content: [{ type: 'image', data: 'AAAA' }] }], /messages\[0\]\.content\[0\]: an image part with base64 data needs its mimeType/],
    [[{ role: 'user', content: [{ type: 'audio', data: 'AAAA' }] }], /messages\[0\]\.content\[0\]: an audio part needs its mimeType/],
    [[{ role: 'user', content: [{ type: 'image' }] }], /messages\[0\]\.content\[0\]: an image part needs a url/],
    [[{ role: 'user', content: [{ type: 'video', url: 'https://x/y.mp4' }] }], /gemini cannot take a message part of type "video"/],
    [[{ role: 'user', content: [{ type: 'text', text: '' }] }], /at least one user or assistant message/],
  ] as [EngineMessage[], RegExp][])('rejects %j with a ValidationException', (messages, message) => {
    let thrown: unknown;
    try {
      convertToGeminiContents(messages);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ValidationException);
    expect((thrown as Error).message).toMatch(message);
  });
});

describe('mapGeminiFinishReason', () => {
  it.each([
    ['STOP', 'stop'],
    ['MAX_TOKENS', 'length'],
    ['SAFETY', 'content_filter'],
    ['RECITATION', 'content_filter'],
    ['BLOCKLIST', 'content_filter'],
    ['PROHIBITED_CONTENT', 'content_filter'],
    ['SPII', 'content_filter'],
    ['IMAGE_SAFETY', 'content_filter'],
    ['MALFORMED_FUNCTION_CALL', 'other'],
    ['LANGUAGE', 'other'],
    ['OTHER', 'other'],
    [undefined, 'other'],
  ])('%s → %s', (raw, normalised) => {
    expect(mapGeminiFinishReason(raw)).toBe(normalised);
  });
});

import { ValidationException } from '../../errors/engine.exception.js';
import type { EngineMessage } from '../../interfaces/engine-message.interface.js';
import { convertToClaudeMessages } from './convert-to-claude-messages.js';
import { mapClaudeFinishReason } from './map-claude-finish-reason.js';

describe('convertToClaudeMessages', () => {
  it('sends a single text turn as a string, and no system field without system messages', () => {
    expect(convertToClaudeMessages([{ role: 'user', content: 'Hi' }])).toEqual({ messages: [{ role: 'user', content: 'Hi' }] });
  });

  it('moves every system message, in order, to `system`, joined by blank lines', () => {
    const prompt = convertToClaudeMessages([
      { role: 'system', content: 'One.' },
      { role: 'user', content: 'Hi' },
      {
        role: 'system',
        content: [
          { type: 'text', text: 'Two' },
          { type: 'text', text: 'Three' },
        ],
      },
      { role: 'assistant', content: 'Hello' },
    ]);
    expect(prompt.system).toBe('One.\n\nTwo\n\nThree');
    expect(prompt.messages.map((m) => m.role)).toEqual(['user', 'assistant']);
  });

  it('merges consecutive turns of one role, also across a system message between them', () => {
    const prompt = convertToClaudeMessages([
      { role: 'user', content: 'a' },
      { role: 'system', content: 's' },
      { role: 'user', content: 'b' },
      { role: 'assistant', content: 'c' },
      { role: 'assistant', content: 'd' },
      { role: 'user', content: 'e' },
    ]);
    expect(prompt.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'a' },
          { type: 'text', text: 'b' },
        ],
      },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'c' },
          { type: 'text', text: 'd' },
        ],
      },
      { role: 'user', content: 'e' },
    ]);
  });

  it('drops empty text parts (Anthropic rejects empty text blocks) but keeps the rest of the turn', () => {
    const prompt = convertToClaudeMessages([
      {
        role: 'user',
        content: [
          { type: 'text', text: '' },
          { type: 'text', text: 'x' },
        ],
      },
    ]);
    expect(prompt.messages).toEqual([{ role: 'user', content: 'x' }]);
  });

  it('takes a data URL given as `data`, with or without mimeType', () => {
    const prompt = convertToClaudeMessages([{ role: 'user', content: [{ type: 'image', data: 'data:image/gif;base64,R0lGOD' }] }]);
    expect(prompt.messages[0].content).toEqual([{ type: 'image', source: { type: 'base64', media_type: 'image/gif', data: 'R0lGOD' } }]);
  });

  it.each([
    [[{ role: 'user', content: [{ type: 'image', data: 'AAAA' }] }], /messages\[0\]\.content\[0\]: an image part with base64 data needs its mimeType/],
    [[{ role: 'user', content: [{ type: 'image' }] }], /messages\[0\]\.content\[0\]: an image part needs a url/],
    [
      [
        { role: 'system', content: [{ type: 'image', url: 'https://x/y.png' }] },
        { role: 'user', content: 'Hi' },
      ],
      /messages\[0\]\.content\[0\]: claude takes only text in system messages, not a part of type "image"/,
    ],
    [
      [{ role: 'user', content: [{ type: 'video', url: 'https://x/y.mp4' }] }],
      /messages\[0\]\.content\[0\]: claude cannot take a message part of type "video"/,
    ],
    [[{ role: 'assistant', content: 'Hi' }], /start with a user message/],
  ] as [EngineMessage[], RegExp][])('rejects %j with a ValidationException', (messages, message) => {
    let thrown: unknown;
    try {
      convertToClaudeMessages(messages);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ValidationException);
    expect((thrown as Error).message).toMatch(message);
  });
});

describe('mapClaudeFinishReason', () => {
  it.each([
    ['end_turn', 'stop'],
    ['stop_sequence', 'stop'],
    ['max_tokens', 'length'],
    ['model_context_window_exceeded', 'length'],
    ['tool_use', 'tool_calls'],
    ['refusal', 'content_filter'],
    ['pause_turn', 'other'],
    [null, 'other'],
  ])('%s → %s', (raw, normalised) => {
    expect(mapClaudeFinishReason(raw)).toBe(normalised);
  });
});

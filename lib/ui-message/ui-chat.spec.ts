import type { Conversation } from '../memory/conversation.js';
import { uiChat } from './ui-chat.js';
import type { UiMessage } from './ui-message-assembler.js';

describe('uiChat() continuing a message that holds a lost try (as useChat sends it back)', () => {
  it('sends the model the results of the new try’s calls only', () => {
    const reset = { type: 'data-retry', data: { attempt: 1, maxAttempts: 1, delayMs: 200, reset: true } };
    const answer: UiMessage = {
      id: 'msg-1',
      role: 'assistant',
      parts: [
        { type: 'step-start' },
        // the lost try's call, which the page ran anyway (onToolCall fires on tool-input-available)
        { type: 'tool-localTime', toolCallId: 'call_Lost', state: 'output-available', input: {}, output: { iso: 'lost' } },
        reset,
        { type: 'step-start' },
        { type: 'tool-localTime', toolCallId: 'call_Kept', state: 'output-available', input: {}, output: { iso: 'kept' } },
      ],
    };
    const question: UiMessage = { id: 'u1', role: 'user', parts: [{ type: 'text', text: 'What is my localTime?' }] };
    const chat = uiChat({} as Conversation, { id: 'chat-1', trigger: 'submit-message', messages: [question, answer] });
    expect(chat.messages).toEqual([{ role: 'tool', content: [{ type: 'tool-result', id: 'call_Kept', name: 'localTime', result: { iso: 'kept' } }] }]);
    expect(chat.messageId).toBe('msg-1');
  });
});

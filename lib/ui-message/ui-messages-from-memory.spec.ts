import type { ConversationMessage } from '../memory/conversation-message.interface.js';
import { toUiMessages } from './ui-messages-from-memory.js';

let seq = 0;
const row = (role: ConversationMessage['role'], content: string, ui: Record<string, unknown>): ConversationMessage => ({
  id: `m${++seq}`,
  role,
  content,
  type: 'text',
  metadata: { ui },
  seq,
  createdAt: new Date(0).toISOString(),
});

describe('toUiMessages', () => {
  it('leaves out the try a restart took back, also from rows stored before the assembler dropped it', () => {
    const reset = { type: 'data-retry', data: { attempt: 1, maxAttempts: 1, delayMs: 10, reset: true } };
    const records = [
      row('user', 'hi', { id: 'u1', parts: [{ type: 'text', text: 'hi' }] }),
      row('assistant', 'Hello!', {
        id: 'a1',
        parts: [
          { type: 'step-start' },
          { type: 'reasoning', text: 'lost thought', state: 'done' },
          { type: 'text', text: 'Hel', state: 'done' },
          reset,
          { type: 'step-start' },
          { type: 'text', text: 'Hello!', state: 'done' },
        ],
      }),
    ];
    const messages = toUiMessages(records);
    expect(messages.map((m) => m.id)).toEqual(['u1', 'a1']);
    expect(messages[1].parts).toEqual([{ type: 'step-start' }, reset, { type: 'text', text: 'Hello!', state: 'done' }]);
    // an answer without a restart is given back as stored
    const plain = [{ type: 'step-start' }, { type: 'text', text: 'Hello!', state: 'done' }];
    expect(toUiMessages([row('assistant', 'Hello!', { id: 'a2', parts: plain })])[0].parts).toEqual(plain);
  });
});

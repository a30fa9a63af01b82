import { AbstractChat, type ChatInit, type ChatState, type ChatStatus, type UIMessage } from 'ai';

/** useChat's state, kept in plain fields (what @ai-sdk/react keeps in React state). */
class PlainChatState implements ChatState<UIMessage> {
  status: ChatStatus = 'ready';
  error: Error | undefined = undefined;
  messages: UIMessage[];

  constructor(messages: UIMessage[] = []) {
    this.messages = messages;
  }

  pushMessage = (message: UIMessage) => {
    this.messages = [...this.messages, message];
  };

  popMessage = () => {
    this.messages = this.messages.slice(0, -1);
  };

  replaceMessage = (index: number, message: UIMessage) => {
    this.messages = [...this.messages.slice(0, index), message, ...this.messages.slice(index + 1)];
  };

  snapshot = <T>(thing: T): T => structuredClone(thing);
}

/**
 * The ai package's own chat (`AbstractChat`, what `useChat` wraps) in Node: sendMessage,
 * addToolOutput, addToolApprovalResponse, sendAutomaticallyWhen, stop, all as in the browser.
 */
export class NodeChat extends AbstractChat<UIMessage> {
  constructor(init: ChatInit<UIMessage>) {
    super({ ...init, state: new PlainChatState(init.messages) });
  }

  /** Resolves once the chat is idle again (`ready` or `error`), every automatic follow-up request included. */
  async settled(timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    // a follow-up request (sendAutomaticallyWhen) starts right after the previous one ends
    let idleSince = 0;
    while (Date.now() < deadline) {
      const idle = this.status === 'ready' || this.status === 'error';
      if (!idle) idleSince = 0;
      else if (idleSince === 0) idleSince = Date.now();
      else if (Date.now() - idleSince > 150) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`the chat is still ${this.status} after ${timeoutMs} ms`);
  }
}

/** A message as JSON keeps it (the client's parts carry undefined fields that storage drops). */
export const asJson = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/**
 * A restart after content on a UI message stream (`protocol: 'ui-message'`): the engine tried a
 * step again (`retry.afterContent: 'restart'`, or a fallback after content), and the parts the
 * lost try had streamed are void. The AI SDK's UI message stream has no chunk that removes a
 * part, so `useChat` keeps them; the stream marks the point instead, with a `data-retry` (or
 * `data-fallback`) part whose `data.reset` is true, and opens a step of its own for the new
 * try (so that `useChat` starts new tool parts rather than updating the lost try's ones).
 * `withoutDiscardedTries()` reads that mark. No Node API and no dependency: the browser client
 * exports it, and the server stores answers with it (`UiMessageAssembler`).
 */

/** A part of a `UIMessage`, as far as this needs to know. */
interface PartLike {
  readonly type: string;
}

/** `data-retry` / `data-fallback` with `data.reset === true`: the try before it is void. */
function isReset(part: PartLike): boolean {
  if (part.type !== 'data-retry' && part.type !== 'data-fallback') return false;
  const data = (part as { data?: unknown }).data;
  return typeof data === 'object' && data !== null && (data as { reset?: unknown }).reset === true;
}

const isData = (part: PartLike) => part.type.startsWith('data-');

/**
 * `message` without the parts of the tries that a restart took back: for each `data-retry` or
 * `data-fallback` part whose `data.reset` is true, the parts before it back to the step's
 * `step-start` (or the message's start) are dropped (text, reasoning, tool parts, sources,
 * files), data parts aside (a progress part, the app's own); so is the `step-start` the new try
 * opens right after it (the lost try's stands for it). The reset part itself stays. Earlier
 * steps are left whole, and a retry without `reset` (nothing shown yet) changes nothing.
 *
 * Pure: `message` is not changed, and is returned as it is when no reset is in it. Render
 * `messages.map(withoutDiscardedTries)` from `useChat`: the stream keeps going into the hook's
 * own state, the user sees the answer once.
 *
 * @example
 * ```tsx
 * const { messages } = useChat({ transport: new DefaultChatTransport({ api: '/api/chat' }) });
 * return messages.map(withoutDiscardedTries).map((message) => <Message key={message.id} message={message} />);
 * ```
 */
export function withoutDiscardedTries<M extends { readonly parts: readonly PartLike[] }>(message: M): M {
  if (!message.parts.some(isReset)) return message;
  type Part = M['parts'][number];
  const kept: Part[] = [];
  /** Where the try under way starts in `kept`: after the step's `step-start`. */
  let tryStart = 0;
  /** A reset part came, and nothing of the new try yet: the `step-start` it opens goes. */
  let afterReset = false;
  for (const part of message.parts) {
    if (part.type === 'step-start') {
      if (afterReset) {
        afterReset = false;
        continue;
      }
      kept.push(part);
      tryStart = kept.length;
    } else if (isReset(part)) {
      const dropped = kept.splice(tryStart);
      kept.push(...dropped.filter(isData), part);
      afterReset = true;
    } else {
      if (!isData(part)) afterReset = false;
      kept.push(part);
    }
  }
  return { ...message, parts: kept };
}

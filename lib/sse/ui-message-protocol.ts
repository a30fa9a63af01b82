import { sharedState } from '../utils/shared-state.js';

/**
 * The AI SDK's UI message stream protocol (v1), spoken by `useChat` (`@ai-sdk/react`, Vue,
 * Svelte), AI Elements and assistant-ui: SSE messages whose data is one JSON chunk
 * `{ "type": … }`, ending with `data: [DONE]`, under the header
 * `x-vercel-ai-ui-message-stream: v1`. `@SseStream({ protocol: 'ui-message' })` routes send it.
 *
 * `UiMessageTranslator` turns the library's events into chunks, keeping what the protocol
 * needs between them (the open text or reasoning part, the started tool inputs, the step):
 * `start` → `start` (`messageId`) + `start-step`; `content` → `text-start` / `text-delta`;
 * `reasoning` → `reasoning-start` / `reasoning-delta`; `tool_call_delta` → `tool-input-start` /
 * `tool-input-delta`; `tool_call` → `tool-input-available` (alone for a call that arrived whole); `tool_result` →
 * `tool-output-available` / `tool-output-error` / `tool-output-denied` (a call the user denied); `tool_approval` → `tool-approval-request`;
 * `source` → `source-url`; `stream_error` → `error` (`errorText`, sanitised as `stream_error`
 * is); `complete` → the open parts' ends, `finish-step`, `finish` (`finishReason`, message
 * metadata `{ usage }`). The library's other events travel as data parts: `data-progress`
 * (one part, updated), `data-retry` (with `reset`), `data-fallback`, `data-warning`,
 * `data-keepalive` (transient), and an app's own events as `data-<name>`. A `retry` or
 * `fallback` with `reset` (a restart after content) also ends the open parts and opens a new
 * step for the new try (`finish-step`, `start-step`).
 */

/** The header that marks a UI message stream. */
export const UI_MESSAGE_STREAM_HEADER = 'x-vercel-ai-ui-message-stream';

/** The keepalive of a UI message stream: a transient data part, which `useChat` does not keep. */
export const UI_KEEPALIVE = 'data: {"type":"data-keepalive","data":{},"transient":true}\n\n';

export const UI_DONE = '[DONE]';

/** What the translator tells about the chunks it produced (see `UiMessageAssembler`). */
export interface UiChunkObserver {
  apply(chunk: Record<string, unknown>): void;
}

/** The translator of each request's stream, for the handler that runs inside it (`uiChat()`). */
const translators = sharedState('ui-message-translators', () => new WeakMap<object, UiMessageTranslator>());

/** The UI message translator of a request on a `protocol: 'ui-message'` route (undefined elsewhere). */
export function uiTranslatorOf(request: object): UiMessageTranslator | undefined {
  return translators.get(request);
}

type Chunk = Record<string, unknown> & { type: string };

/**
 * The longest text a `text-delta`, `reasoning-delta` or `tool-input-delta` chunk carries: a
 * larger delta goes out as several chunks of the same part, like the event protocol's
 * `content` events (CONTENT_PIECE_CHARS), each small enough to replay.
 */
export const UI_DELTA_PIECE_CHARS = 16 * 1024;

/** `text` in pieces of at most `size` characters, never splitting a surrogate pair. */
export function deltaPieces(text: string, size = UI_DELTA_PIECE_CHARS): string[] {
  if (text.length <= size) return [text];
  const out: string[] = [];
  for (let at = 0; at < text.length;) {
    let end = Math.min(text.length, at + size);
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end--;
    out.push(text.slice(at, end));
    at = end;
  }
  return out;
}

/** Our finish reasons, as the AI SDK spells them. */
const FINISH_REASONS: Record<string, string> = {
  stop: 'stop',
  length: 'length',
  content_filter: 'content-filter',
  tool_calls: 'tool-calls',
  error: 'error',
  other: 'other',
};

export class UiMessageTranslator {
  private text?: string;
  private reasoning?: string;
  private parts = 0;
  private sources = 0;
  private stepOpen = false;
  /** A tool result came: the model's next text belongs to the next step. */
  private afterTools = false;
  private readonly toolsStarted = new Set<string>();
  private started = false;
  /** Sees every chunk produced (the stored answer's parts are built from them). */
  private observer?: UiChunkObserver;

  /** `messageId`: the id the `start` chunk gives the answer. */
  constructor(private id: string) {}

  /** The translator of `request`'s stream (`uiTranslatorOf(request)` finds it). */
  static forRequest(request: object, messageId: string): UiMessageTranslator {
    const translator = new UiMessageTranslator(messageId);
    translators.set(request, translator);
    return translator;
  }

  /** The answer's message id (sent in the `start` chunk). */
  get messageId(): string {
    return this.id;
  }

  /**
   * Gives the answer another id before `start` went out (a continued message keeps its id);
   * returns whether it did (false once `start` was sent).
   */
  useMessageId(id: string): boolean {
    if (this.started) return false;
    this.id = id;
    return true;
  }

  /** Every chunk from now on is also given to `observer`. */
  observe(observer: UiChunkObserver): void {
    this.observer = observer;
  }

  /** The chunks for one of the library's events (`data` parsed). */
  translate(event: string, data: unknown): Chunk[] {
    const out = this.chunksOf(event, data);
    if (this.observer) for (const chunk of out) this.observer.apply(chunk);
    return out;
  }

  private chunksOf(event: string, data: unknown): Chunk[] {
    const d = (data ?? {}) as Record<string, unknown>;
    switch (event) {
      case 'start':
        this.stepOpen = true;
        this.started = true;
        return [{ type: 'start', messageId: this.id }, { type: 'start-step' }];
      case 'content':
        return this.textChunks(typeof d.content === 'string' ? d.content : String(data));
      case 'reasoning': {
        const out = [...this.nextStep(), ...this.closeText()];
        if (this.reasoning === undefined) {
          this.reasoning = `reasoning-${this.parts++}`;
          out.push({ type: 'reasoning-start', id: this.reasoning });
        }
        for (const delta of deltaPieces(String(d.content ?? ''))) out.push({ type: 'reasoning-delta', id: this.reasoning, delta });
        return out;
      }
      case 'tool_call_delta': {
        const out = [...this.nextStep(), ...this.closeOpen(), ...this.startTool(String(d.id), String(d.name))];
        for (const inputTextDelta of deltaPieces(String(d.argsTextDelta ?? '')))
          out.push({ type: 'tool-input-delta', toolCallId: String(d.id), inputTextDelta });
        return out;
      }
      case 'tool_call':
        // a call whose input did not stream (it arrived whole: no tool_call_delta) is
        // `tool-input-available` alone, as the AI SDK's server sends a tool call without input deltas
        return [
          ...this.nextStep(),
          ...this.closeOpen(),
          { type: 'tool-input-available', toolCallId: String(d.id), toolName: String(d.name), input: d.args ?? {} },
        ];
      case 'tool_result':
        this.afterTools = true;
        if (d.denied === true) return [{ type: 'tool-output-denied', toolCallId: String(d.id) }];
        return d.error
          ? [{ type: 'tool-output-error', toolCallId: String(d.id), errorText: String((d.error as { message?: unknown }).message ?? 'The tool failed.') }]
          : [{ type: 'tool-output-available', toolCallId: String(d.id), output: d.result ?? null }];
      case 'tool_approval':
        return [{ type: 'tool-approval-request', approvalId: String(d.id), toolCallId: String(d.id) }];
      case 'source':
        return [{ type: 'source-url', sourceId: `source-${this.sources++}`, url: String(d.url), ...(typeof d.title === 'string' ? { title: d.title } : {}) }];
      case 'progress':
        return [{ type: 'data-progress', id: 'progress', data }];
      case 'keepalive':
        return [{ type: 'data-keepalive', data: {}, transient: true }];
      case 'retry':
      case 'fallback':
        if (d.reset === true) return this.restart(event, data);
        return [{ type: `data-${event}`, data }];
      case 'warning':
        return [{ type: `data-${event}`, data }];
      case 'stream_error':
        return [...this.closeOpen(), { type: 'error', errorText: String(d.message ?? 'The answer failed.') }];
      case 'complete': {
        const out: Chunk[] = [...this.closeOpen()];
        if (this.stepOpen) out.push({ type: 'finish-step' });
        this.stepOpen = false;
        const metadata: Record<string, unknown> = { usage: d.usage ?? null };
        if (d.steps !== undefined) metadata.steps = d.steps;
        out.push({ type: 'finish', finishReason: FINISH_REASONS[String(d.finishReason)] ?? 'other', messageMetadata: metadata });
        return out;
      }
      default:
        return [{ type: `data-${event.replace(/_/g, '-')}`, data }];
    }
  }

  /** The per-token path. */
  textDelta(text: string): Chunk[] {
    const out = this.textChunks(text);
    if (this.observer) for (const chunk of out) this.observer.apply(chunk);
    return out;
  }

  /**
   * The per-token path as JSON text: a delta into the open text part of the current step,
   * built with one `JSON.stringify` of the text; undefined when the delta opens, closes or
   * splits a part (then `textDelta()` gives its chunks).
   */
  textDeltaJson(text: string): string | undefined {
    if (!this.continuesText(text)) return undefined;
    if (this.observer) this.observer.apply({ type: 'text-delta', id: this.text, delta: text });
    // the part id is ours (`text-<n>`): nothing in it to escape
    return `{"type":"text-delta","id":"${this.text}","delta":${JSON.stringify(text)}}`;
  }

  /** `text` goes into the text part open in the current step, in one chunk (nothing to open, close or split). */
  private continuesText(text: string): boolean {
    return this.text !== undefined && !this.afterTools && this.reasoning === undefined && text.length <= UI_DELTA_PIECE_CHARS;
  }

  private textChunks(text: string): Chunk[] {
    // the hot path: a text part is open in the current step
    if (this.continuesText(text)) return [{ type: 'text-delta', id: this.text!, delta: text }];
    const out = [...this.nextStep(), ...this.closeReasoning()];
    if (this.text === undefined) {
      this.text = `text-${this.parts++}`;
      out.push({ type: 'text-start', id: this.text });
    }
    if (text.length <= UI_DELTA_PIECE_CHARS) out.push({ type: 'text-delta', id: this.text, delta: text });
    else for (const delta of deltaPieces(text)) out.push({ type: 'text-delta', id: this.text, delta });
    return out;
  }

  /** The stream was stopped (`SseStreams.stop()`, the stop button): close the parts, then `abort`. */
  aborted(): Chunk[] {
    const out: Chunk[] = [...this.closeOpen(), { type: 'abort', reason: 'stopped' }];
    if (this.observer) for (const chunk of out) this.observer.apply(chunk);
    return out;
  }

  private startTool(id: string, name: string): Chunk[] {
    if (this.toolsStarted.has(id)) return [];
    this.toolsStarted.add(id);
    return [{ type: 'tool-input-start', toolCallId: id, toolName: name }];
  }

  private nextStep(): Chunk[] {
    if (!this.afterTools) return [];
    return this.openStep(this.closeOpen());
  }

  /** After `out`: the step under way finishes and a new one starts. */
  private openStep(out: Chunk[]): Chunk[] {
    this.afterTools = false;
    if (this.stepOpen) out.push({ type: 'finish-step' });
    out.push({ type: 'start-step' });
    this.stepOpen = true;
    return out;
  }

  /**
   * A restart after content (`retry` / `fallback` with `reset`): the lost try's open parts end,
   * the reset part marks where it stopped, and the new try runs in a step of its own, its parts
   * under new ids and its tool calls started again. There is no chunk that removes a part:
   * `withoutDiscardedTries()` drops the lost try's parts from the message, up to the reset
   * part. The new step keeps `useChat` from updating a lost tool part when the new try calls a
   * tool with the same id (it looks for a call's part in the current step), and from counting the
   * lost try's unfinished calls in `lastAssistantMessageIsCompleteWithToolCalls`.
   */
  private restart(event: string, data: unknown): Chunk[] {
    this.toolsStarted.clear();
    return this.openStep([...this.closeOpen(), { type: `data-${event}`, data }]);
  }

  private closeText(): Chunk[] {
    if (this.text === undefined) return [];
    const id = this.text;
    this.text = undefined;
    return [{ type: 'text-end', id }];
  }

  private closeReasoning(): Chunk[] {
    if (this.reasoning === undefined) return [];
    const id = this.reasoning;
    this.reasoning = undefined;
    return [{ type: 'reasoning-end', id }];
  }

  private closeOpen(): Chunk[] {
    return [...this.closeReasoning(), ...this.closeText()];
  }
}

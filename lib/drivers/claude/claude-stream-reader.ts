import type { EngineUsage } from '../../interfaces/engine-usage.interface.js';
import type { DriverStreamPart } from '../engine-driver.interface.js';
import type { ClaudeCitation, ClaudeStreamBlock, ClaudeStreamDelta, ClaudeUsage } from './claude-api.types.js';
import { mapClaudeFinishReason } from './map-claude-finish-reason.js';

/** What the reader keeps about one open content block. */
type OpenBlock =
  | { kind: 'text' }
  | { kind: 'thinking'; signature: string }
  | { kind: 'redacted'; data: string }
  | { kind: 'tool'; id: string; name: string; args: string; input: unknown }
  /** A `tool_use` block read as the answer's text (structured output through a forced tool call). */
  | { kind: 'tool-as-text'; args: string; input: unknown }
  | { kind: 'other' };

function count(value: number | null | undefined): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

const isNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

function hasInput(input: unknown): boolean {
  return typeof input === 'object' && input !== null && Object.keys(input).length > 0;
}

/**
 * Turns the events of one Claude stream (their parsed `data:` JSON) into driver parts:
 * text, thinking (`reasoning-delta`, then `reasoning-end` with the signature or the redacted
 * data), client tool calls (`tool-call-start` / `-delta` / `-end`; no input is `{}`), web-search
 * results and citations (`source`, once per URL), and the finish with usage. `ping`, deltas
 * that carry none of these (signatures, server-tool input) and anything it does not know are
 * `activity`. `error` events are returned by `read()` for the
 * driver to map.
 */
export class ClaudeStreamReader {
  private readonly blocks = new Map<number, OpenBlock>();
  private readonly sourcesSent = new Set<string>();
  private inputTokens = 0;
  private cacheRead = 0;
  private cacheWrite = 0;
  private outputTokens = 0;
  private reasoningTokens: number | undefined;
  private stopReason: string | null = null;
  /** `message_stop` arrived: the answer is whole. */
  stopped = false;
  /** The model the stream reports (`message_start`), when it does. */
  model: string | undefined;
  /** The message's id (`message_start`), when it has one. */
  responseId: string | undefined;

  /**
   * @param emit where parts go
   * @param toolAsText the name of a tool whose input is the answer (its JSON streams as text)
   */
  constructor(
    private readonly emit: (part: DriverStreamPart) => void,
    private readonly toolAsText?: string,
  ) {}

  /** Reads one event; returns the `error` event's data when the provider reports a failure. */
  read(event: Record<string, unknown>): Record<string, unknown> | undefined {
    switch (event.type) {
      case 'content_block_delta':
        this.delta(event.index as number, event.delta as ClaudeStreamDelta);
        return undefined;
      case 'content_block_start':
        this.start(event.index as number, event.content_block as ClaudeStreamBlock);
        return undefined;
      case 'content_block_stop':
        this.stop(event.index as number);
        return undefined;
      case 'message_start': {
        const message = event.message as { id?: unknown; model?: unknown; usage?: ClaudeUsage } | undefined;
        if (typeof message?.model === 'string') this.model = message.model;
        if (typeof message?.id === 'string' && message.id !== '') this.responseId = message.id;
        if (message?.usage) this.usage(message.usage);
        return undefined;
      }
      case 'message_delta': {
        const delta = event.delta as { stop_reason?: string | null } | undefined;
        if (delta?.stop_reason) this.stopReason = delta.stop_reason;
        if (event.usage) this.usage(event.usage as ClaudeUsage);
        return undefined;
      }
      case 'message_stop':
        this.stopped = true;
        return undefined;
      case 'error':
        return event;
      default:
        // ping, and event types added later
        this.emit({ type: 'activity' });
        return undefined;
    }
  }

  /** The finish part, once `message_stop` was read. */
  finish(): DriverStreamPart {
    const promptTokens = this.inputTokens + this.cacheRead + this.cacheWrite;
    const usage: EngineUsage = { promptTokens, completionTokens: this.outputTokens, totalTokens: promptTokens + this.outputTokens };
    if (this.cacheRead > 0) usage.cachedInputTokens = this.cacheRead;
    if (this.cacheWrite > 0) usage.cacheWriteTokens = this.cacheWrite;
    if (this.reasoningTokens !== undefined) usage.reasoningTokens = this.reasoningTokens;
    return {
      type: 'finish',
      finishReason: mapClaudeFinishReason(this.stopReason),
      rawFinishReason: this.stopReason,
      usage,
      ...(this.responseId && { responseId: this.responseId }),
    };
  }

  /** Counts in `message_delta` are cumulative; input counts appear there too when they changed. */
  private usage(usage: ClaudeUsage): void {
    if (isNumber(usage.input_tokens)) this.inputTokens = usage.input_tokens;
    if (isNumber(usage.cache_read_input_tokens)) this.cacheRead = usage.cache_read_input_tokens;
    if (isNumber(usage.cache_creation_input_tokens)) this.cacheWrite = usage.cache_creation_input_tokens;
    if (isNumber(usage.output_tokens)) this.outputTokens = count(usage.output_tokens);
    const thinking = usage.output_tokens_details?.thinking_tokens;
    if (isNumber(thinking)) this.reasoningTokens = thinking;
  }

  private start(index: number, block: ClaudeStreamBlock | undefined): void {
    switch (block?.type) {
      case 'text':
        this.blocks.set(index, { kind: 'text' });
        if (block.text) this.emit({ type: 'text-delta', text: block.text });
        if (block.citations) for (const citation of block.citations) this.citation(citation);
        return;
      case 'thinking':
        this.blocks.set(index, { kind: 'thinking', signature: block.signature ?? '' });
        if (block.thinking) this.emit({ type: 'reasoning-delta', text: block.thinking });
        return;
      case 'redacted_thinking':
        this.blocks.set(index, { kind: 'redacted', data: block.data ?? '' });
        this.emit({ type: 'activity' });
        return;
      case 'tool_use': {
        const id = block.id ?? `toolu_${index}`;
        const name = block.name ?? '';
        if (this.toolAsText !== undefined && name === this.toolAsText) {
          this.blocks.set(index, { kind: 'tool-as-text', args: '', input: block.input });
          return;
        }
        this.blocks.set(index, { kind: 'tool', id, name, args: '', input: block.input });
        this.emit({ type: 'tool-call-start', id, name });
        return;
      }
      case 'web_search_tool_result':
        this.blocks.set(index, { kind: 'other' });
        if (Array.isArray(block.content)) for (const result of block.content as ClaudeCitation[]) this.source(result?.url, result?.title);
        else this.emit({ type: 'activity' });
        return;
      default:
        // server_tool_use (run by Anthropic, not by the application), and block types added later
        this.blocks.set(index, { kind: 'other' });
        this.emit({ type: 'activity' });
    }
  }

  private delta(index: number, delta: ClaudeStreamDelta | undefined): void {
    const block = this.blocks.get(index);
    switch (delta?.type) {
      case 'text_delta':
        if (delta.text) this.emit({ type: 'text-delta', text: delta.text });
        return;
      case 'thinking_delta':
        if (delta.thinking) this.emit({ type: 'reasoning-delta', text: delta.thinking });
        return;
      case 'signature_delta':
        if (block?.kind === 'thinking') block.signature += delta.signature ?? '';
        this.emit({ type: 'activity' });
        return;
      case 'input_json_delta': {
        const piece = delta.partial_json ?? '';
        if (block?.kind === 'tool' && piece) {
          block.args += piece;
          this.emit({ type: 'tool-call-delta', id: block.id, argsTextDelta: piece });
        } else if (block?.kind === 'tool-as-text' && piece) {
          block.args += piece;
          this.emit({ type: 'text-delta', text: piece });
        } else {
          this.emit({ type: 'activity' });
        }
        return;
      }
      case 'citations_delta':
        if (delta.citation) this.citation(delta.citation);
        else this.emit({ type: 'activity' });
        return;
      default:
        this.emit({ type: 'activity' });
    }
  }

  private stop(index: number): void {
    const block = this.blocks.get(index);
    this.blocks.delete(index);
    switch (block?.kind) {
      case 'thinking':
        this.emit(block.signature ? { type: 'reasoning-end', signature: block.signature } : { type: 'reasoning-end' });
        return;
      case 'redacted':
        this.emit({ type: 'reasoning-end', redactedData: block.data });
        return;
      case 'tool': {
        // no input deltas: the start's input (`{}` when empty)
        const argsText = block.args || (hasInput(block.input) ? JSON.stringify(block.input) : '{}');
        this.emit({ type: 'tool-call-end', id: block.id, name: block.name, argsText });
        return;
      }
      case 'tool-as-text':
        if (!block.args) this.emit({ type: 'text-delta', text: hasInput(block.input) ? JSON.stringify(block.input) : '{}' });
        return;
    }
  }

  private citation(citation: ClaudeCitation): void {
    if (citation.url) this.source(citation.url, citation.title);
    else this.emit({ type: 'activity' }); // e.g. a char_location citation into a document
  }

  private source(url: unknown, title: unknown): void {
    if (typeof url !== 'string' || url === '' || this.sourcesSent.has(url)) {
      this.emit({ type: 'activity' });
      return;
    }
    this.sourcesSent.add(url);
    this.emit(typeof title === 'string' && title !== '' ? { type: 'source', url, title } : { type: 'source', url });
  }
}

import type { DriverStreamPart } from '../drivers/engine-driver.interface.js';
import type { RecordedAnswer } from '../interfaces/conversation-like.interface.js';
import type { EngineChunk } from '../interfaces/engine-chunk.interface.js';
import type { ContentPart, EngineMessage, ReasoningPart } from '../interfaces/engine-message.interface.js';
import type { EngineUsage } from '../interfaces/engine-usage.interface.js';
import type { FinishReason } from '../interfaces/finish-reason.type.js';
import type { StepResult, ToolCall, ToolResult } from '../interfaces/tool.interface.js';
import type { ReceivedToolCall } from '../tools/execute-tool-call.js';
import { addUsage } from './sum-usage.js';
import { TextPieces } from './text-pieces.js';

/** How a model call ended. */
export interface StepFinish {
  finishReason: FinishReason;
  rawFinishReason: string | null;
  usage?: EngineUsage;
}

/** A tool call's argument text, parsed; the raw text (and `argsJson: false`) when it is not JSON (the tool loop reports that to the model). */
export function parseToolArgs(text: string): { args: unknown; argsJson: boolean } {
  if (text.trim() === '') return { args: {}, argsJson: true };
  try {
    return { args: JSON.parse(text) as unknown, argsJson: true };
  } catch {
    return { args: text, argsJson: false };
  }
}

/** The results of tool calls as the `tool` message the model hears next. */
export function toolResultsMessage(results: readonly ToolResult[]): EngineMessage {
  return { role: 'tool', content: results.map((r) => ({ type: 'tool-result', ...r })) };
}

/** What one model step gathered while it streamed. */
interface StepState {
  text: TextPieces;
  reasoning: TextPieces;
  /** Closed reasoning blocks (with Claude signatures), then the open one's text. */
  reasoningParts: ReasoningPart[];
  openReasoning: TextPieces;
  toolCalls: ReceivedToolCall[];
}

const newStep = (): StepState => ({ text: new TextPieces(), reasoning: new TextPieces(), reasoningParts: [], openReasoning: new TextPieces(), toolCalls: [] });

/**
 * Records one answer as it streams: the step under way (text, reasoning blocks, tool calls),
 * the finished steps with their results, and the assistant and tool messages of the answer
 * (for the next step and for the conversation). It knows nothing of providers or timers.
 */
export class AnswerRecorder {
  private step = newStep();
  /** The step under way is already in `messages` (it made tool calls). */
  private stepStored = false;
  readonly steps: StepResult[] = [];
  readonly toolCalls: ToolCall[] = [];
  /** Every tool result streamed (continued ones included). */
  readonly toolResults: ToolResult[] = [];
  /** Results of calls continued from an earlier request (approvals). */
  private continued: ToolResult[] = [];
  /** The assistant and tool messages of this answer so far (tool steps). */
  private readonly messages: EngineMessage[] = [];
  private readonly startedAt = Date.now();

  /** A model call starts (again): what an earlier try of this step gathered is forgotten. */
  beginAttempt(): void {
    this.step = newStep();
    this.stepStored = false;
  }

  text(text: string): void {
    this.step.text.append(text);
  }

  reasoning(text: string): void {
    this.step.reasoning.append(text);
    this.step.openReasoning.append(text);
  }

  reasoningEnd(part: Extract<DriverStreamPart, { type: 'reasoning-end' }>): void {
    const block: ReasoningPart = { type: 'reasoning', text: this.step.openReasoning.toString() };
    if (part.signature !== undefined) block.signature = part.signature;
    if (part.redactedData !== undefined) block.redactedData = part.redactedData;
    this.step.reasoningParts.push(block);
    this.step.openReasoning = new TextPieces();
  }

  /** A whole tool call arrived; returns it as the chunk shows it. */
  toolCall(part: Extract<DriverStreamPart, { type: 'tool-call-end' }>): ToolCall {
    // arguments the driver already parsed (Gemini) are not parsed again
    const { args, argsJson } = part.args === undefined ? parseToolArgs(part.argsText) : { args: part.args, argsJson: true };
    const toolCall: ToolCall = { id: part.id, name: part.name, args };
    const received: ReceivedToolCall = { id: part.id, name: part.name, args, argsJson };
    if (part.providerMetadata) toolCall.providerMetadata = received.providerMetadata = part.providerMetadata;
    this.step.toolCalls.push(received);
    return toolCall;
  }

  toolResult(result: ToolResult): void {
    this.toolResults.push(result);
  }

  /** Results of calls continued from an earlier request: the answer begins with their `tool` message. */
  continueWith(results: ToolResult[]): void {
    if (results.length === 0) return;
    this.continued = results;
    this.messages.push(toolResultsMessage(results));
  }

  /**
   * The model call ended: the step becomes a StepResult. When it made tool calls, its
   * assistant message is returned (and kept): the next step's request carries it.
   */
  endStep(finish: StepFinish): { result: StepResult; calls: ReceivedToolCall[]; message?: EngineMessage } {
    const step = this.step;
    const calls = step.toolCalls.map(({ argsJson: _argsJson, ...call }) => call);
    const result: StepResult = {
      index: this.steps.length,
      text: step.text.toString(),
      toolCalls: calls,
      toolResults: [],
      finishReason: finish.finishReason,
      rawFinishReason: finish.rawFinishReason,
    };
    if (step.reasoning.length > 0) result.reasoning = step.reasoning.toString();
    if (finish.usage) result.usage = finish.usage;
    this.steps.push(result);
    this.toolCalls.push(...calls);
    if (calls.length === 0) return { result, calls: step.toolCalls };
    const message = this.assistantMessage();
    this.messages.push(message);
    this.stepStored = true;
    return { result, calls: step.toolCalls, message };
  }

  /** The step's tools ran: their results belong to it, and their `tool` message to the answer. */
  stepResults(result: StepResult, results: ToolResult[]): EngineMessage {
    result.toolResults = results;
    const message = toolResultsMessage(results);
    if (results.length > 0) this.messages.push(message);
    return message;
  }

  /** The usage of the whole answer: the sum over steps when there were several. */
  usage(last: EngineUsage | undefined): EngineUsage | undefined {
    return this.steps.length > 1 ? this.steps.reduce<EngineUsage | undefined>((sum, step) => addUsage(sum, step.usage), undefined) : last;
  }

  /** The tool fields of the last chunk, when tools were involved. */
  toolFields(toolsGiven: boolean): Pick<EngineChunk, 'toolCalls' | 'toolResults' | 'steps'> | undefined {
    if (!toolsGiven && this.toolCalls.length === 0 && this.toolResults.length === 0) return undefined;
    // in call order (the chunks streamed them as they came)
    return { toolCalls: this.toolCalls, toolResults: [...this.continued, ...this.steps.flatMap((step) => step.toolResults)], steps: this.steps };
  }

  /** The answer as a conversation stores it; undefined for an interrupted answer with nothing in it. */
  recorded(complete: boolean, at: { engine: string; model: string }, finish?: StepFinish, interruptedBy?: string): RecordedAnswer | undefined {
    const step = this.step;
    const messages = [...this.messages];
    if (!this.stepStored && (step.text.length > 0 || step.toolCalls.length > 0)) {
      messages.push(step.toolCalls.length > 0 ? this.assistantMessage() : { role: 'assistant', content: step.text.toString() });
    }
    if (!complete && messages.length === 0) return undefined;
    const withTools = this.messages.length > 0 || step.toolCalls.length > 0;
    return {
      content: step.text.toString(),
      complete,
      engine: at.engine,
      model: at.model,
      finishReason: finish?.finishReason ?? null,
      usage: finish?.usage ?? null,
      durationMs: Date.now() - this.startedAt,
      ...(interruptedBy ? { interruptedBy } : {}),
      ...(withTools ? { messages } : {}),
    };
  }

  /** The step under way as an assistant message: reasoning blocks, text, tool calls. */
  private assistantMessage(): EngineMessage {
    const step = this.step;
    const parts: ContentPart[] = [...step.reasoningParts];
    if (step.openReasoning.length > 0) parts.push({ type: 'reasoning', text: step.openReasoning.toString() });
    if (step.text.length > 0) parts.push({ type: 'text', text: step.text.toString() });
    for (const call of step.toolCalls) {
      const part: ContentPart = { type: 'tool-call', id: call.id, name: call.name, args: call.args };
      if (call.providerMetadata) part.providerMetadata = call.providerMetadata;
      parts.push(part);
    }
    return { role: 'assistant', content: parts };
  }
}

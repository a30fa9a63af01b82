import { randomUUID } from 'node:crypto';
import { ConnectionException, ContentFilterException } from '../../errors/engine.exception.js';
import { ErrorMessages } from '../../errors/error-messages.js';
import { redactSecrets } from '../../errors/redact.js';
import type { EngineUsage } from '../../interfaces/engine-usage.interface.js';
import type { DriverStreamPart } from '../engine-driver.interface.js';
import type { GeminiCandidate, GeminiChunk, GeminiUsageMetadata } from './gemini-api.types.js';
import { mapGeminiFinishReason } from './map-gemini-finish-reason.js';

const PROVIDER = 'gemini';

/**
 * Usage normalised. `completionTokens` counts the thinking tokens too (`candidatesTokenCount`
 * + `thoughtsTokenCount`): Google bills them as output, and `totalTokenCount` includes them;
 * `reasoningTokens` says how many of them were thinking. `cachedInputTokens` is
 * `cachedContentTokenCount` (part of `promptTokens`).
 */
export function geminiUsage(metadata: GeminiUsageMetadata): EngineUsage {
  const promptTokens = metadata.promptTokenCount ?? 0;
  const thoughts = metadata.thoughtsTokenCount;
  const completionTokens = (metadata.candidatesTokenCount ?? 0) + (thoughts ?? 0);
  const usage: EngineUsage = { promptTokens, completionTokens, totalTokens: metadata.totalTokenCount ?? promptTokens + completionTokens };
  if (thoughts !== undefined) usage.reasoningTokens = thoughts;
  if (metadata.cachedContentTokenCount !== undefined) usage.cachedInputTokens = metadata.cachedContentTokenCount;
  return usage;
}

/** The answer's candidate: the one whose `index` is 0 (its position when Gemini sends no index). */
function firstCandidate(candidates: GeminiCandidate[] | undefined): GeminiCandidate | undefined {
  if (!candidates || candidates.length === 0) return undefined;
  const head = candidates[0];
  if (head.index === undefined || head.index === 0) return head;
  for (let i = 1; i < candidates.length; i++) if ((candidates[i].index ?? i) === 0) return candidates[i];
  return undefined;
}

/**
 * Turns the chunks of one `streamGenerateContent` answer into driver parts, in order:
 * thought parts → `reasoning-delta` (then `reasoning-end`, with the `thoughtSignature` if one
 * came, when the answer starts); text parts → `text-delta` (a `thoughtSignature` on a text part
 * → `reasoning-end` with that signature, so that it can go back on the next turn);
 * `functionCall` parts → one `tool-call-end` each, with no start or delta: Gemini sends a call
 * whole, its `args` already an object, so nothing streams (`args` parsed, `argsText` its JSON;
 * an id generated when Gemini gives none; the `thoughtSignature` in `providerMetadata`); grounding chunks and citations → one `source` per URL. `finish()` then
 * gives the finish part: `tool_calls` when the answer called functions (Gemini says `STOP`).
 */
export class GeminiStreamMapper {
  private rawFinishReason: string | undefined;
  private usage: GeminiUsageMetadata | undefined;
  private reasoningOpen = false;
  private reasoningSignature: string | undefined;
  private toolCalls = 0;
  private sources: Set<string> | undefined;
  private metadata: Record<string, unknown> | undefined;
  private modelVersion: string | undefined;
  private responseId: string | undefined;

  constructor(
    private readonly emit: (part: DriverStreamPart) => void,
    private readonly apiKey?: string,
  ) {}

  /** Maps one chunk. A blocked prompt throws a `ContentFilterException`. */
  push(chunk: GeminiChunk): void {
    if (chunk.usageMetadata) this.usage = chunk.usageMetadata;
    const feedback = chunk.promptFeedback;
    if (feedback?.blockReason) {
      const detail = feedback.blockReasonMessage;
      throw new ContentFilterException(ErrorMessages.promptBlocked(PROVIDER, feedback.blockReason, detail && redactSecrets(detail, [this.apiKey])), {
        provider: PROVIDER,
        body: { promptFeedback: feedback },
      });
    }
    const candidate = firstCandidate(chunk.candidates);
    if (!candidate) {
      this.emit({ type: 'activity' });
      return;
    }
    let emitted = false;
    const parts = candidate.content?.parts;
    if (parts) {
      for (let i = 0; i < parts.length; i++) {
        const part = parts[i];
        if (part.thought === true) {
          if (typeof part.text === 'string' && part.text) {
            this.reasoningOpen = true;
            this.emit({ type: 'reasoning-delta', text: part.text });
            emitted = true;
          }
          if (part.thoughtSignature) {
            if (this.reasoningOpen) this.reasoningSignature = part.thoughtSignature;
            else {
              // a signature alone (no thought text to go with it): kept all the same
              this.emit({ type: 'reasoning-end', signature: part.thoughtSignature });
              emitted = true;
            }
          }
          continue;
        }
        if (part.functionCall) {
          this.closeReasoning(undefined);
          const call = part.functionCall;
          const id = call.id || `gemini-call-${randomUUID()}`;
          const args = call.args ?? {};
          // a call that arrives whole does not stream: one `tool-call-end`, its args already parsed
          const end: DriverStreamPart = { type: 'tool-call-end', id, name: call.name, argsText: JSON.stringify(args), args };
          if (part.thoughtSignature) end.providerMetadata = { thoughtSignature: part.thoughtSignature };
          this.emit(end);
          this.toolCalls++;
          emitted = true;
          continue;
        }
        if (typeof part.text === 'string') {
          const signature = part.thoughtSignature;
          if (this.reasoningOpen) this.closeReasoning(signature);
          else if (signature) this.emit({ type: 'reasoning-end', signature });
          if (part.text) this.emit({ type: 'text-delta', text: part.text });
          if (part.text || signature) emitted = true;
        }
      }
    }
    if (candidate.groundingMetadata || candidate.citationMetadata) emitted = this.addSources(candidate) || emitted;
    if (candidate.safetyRatings) this.meta('safetyRatings', candidate.safetyRatings);
    if (candidate.groundingMetadata) this.meta('groundingMetadata', candidate.groundingMetadata);
    if (candidate.finishMessage) this.meta('finishMessage', candidate.finishMessage);
    if (candidate.finishReason) this.rawFinishReason = candidate.finishReason;
    if (chunk.modelVersion) this.modelVersion = chunk.modelVersion;
    if (chunk.responseId) this.responseId = chunk.responseId;
    // alive, with nothing for the caller (an empty part, metadata)
    if (!emitted) this.emit({ type: 'activity' });
  }

  /**
   * The body ended: closes an open reasoning block, sends what Gemini said about the answer
   * (safety ratings, grounding, finish message) as `provider-metadata`, and the finish part.
   * A body that ended without any finish reason was cut off: `ConnectionException`.
   */
  finish(): void {
    this.closeReasoning(undefined);
    const raw = this.rawFinishReason;
    if (raw === undefined) throw new ConnectionException(ErrorMessages.streamEndedEarly(PROVIDER), { provider: PROVIDER });
    if (this.metadata) {
      const metadata = {
        ...this.metadata,
        ...(this.modelVersion && { modelVersion: this.modelVersion }),
        ...(this.responseId && { responseId: this.responseId }),
      };
      this.emit({ type: 'provider-metadata', metadata });
    }
    const finishReason = raw === 'STOP' && this.toolCalls > 0 ? 'tool_calls' : mapGeminiFinishReason(raw);
    this.emit({
      type: 'finish',
      finishReason,
      rawFinishReason: raw,
      ...(this.usage && { usage: geminiUsage(this.usage) }),
      ...(this.responseId && { responseId: this.responseId }),
    });
  }

  private closeReasoning(signature: string | undefined): void {
    if (!this.reasoningOpen) return;
    this.reasoningOpen = false;
    const sig = signature ?? this.reasoningSignature;
    this.reasoningSignature = undefined;
    this.emit(sig ? { type: 'reasoning-end', signature: sig } : { type: 'reasoning-end' });
  }

  private meta(key: string, value: unknown): void {
    (this.metadata ??= {})[key] = value;
  }

  /** One `source` part per URL, first seen first: grounding chunks (web, retrieved context), then citations. */
  private addSources(candidate: GeminiCandidate): boolean {
    let added = false;
    const add = (url: string | undefined, title: string | undefined) => {
      if (!url) return;
      this.sources ??= new Set();
      if (this.sources.has(url)) return;
      this.sources.add(url);
      this.emit(title ? { type: 'source', url, title } : { type: 'source', url });
      added = true;
    };
    for (const chunk of candidate.groundingMetadata?.groundingChunks ?? []) {
      const ref = chunk.web ?? chunk.retrievedContext;
      add(ref?.uri, ref?.title);
    }
    const citations = candidate.citationMetadata;
    for (const citation of citations?.citationSources ?? citations?.citations ?? []) add(citation.uri, citation.title);
    return added;
  }
}

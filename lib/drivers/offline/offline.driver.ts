import { Observable } from 'rxjs';
import {
  AuthenticationException,
  ConnectionException,
  ContentFilterException,
  EngineException,
  ProviderOverloadedException,
  ProviderServerException,
  RateLimitException,
  ValidationException,
} from '../../errors/engine.exception.js';
import type { EngineMessage } from '../../interfaces/engine-message.interface.js';
import type { DriverRequest, DriverStreamPart, EngineDriver } from '../engine-driver.interface.js';
import { objectChunks, offlineObject } from './offline-object.js';
import type { OfflineEngineConfig, OfflineFailure, OfflineFailureKind, OfflineStep } from './offline-engine-config.interface.js';
import { defaultToolStep, stepIndexOf } from './offline-tools.js';

/** How one offline request ended; `running` while it streams. */
export type OfflineRequestState = 'running' | 'completed' | 'aborted' | 'failed';

/** What the offline engine remembers of a request, for tests and the sample's diagnostics. */
export interface OfflineRequestRecord {
  id: number;
  messages: EngineMessage[];
  model: string;
  state: OfflineRequestState;
  chunksSent: number;
  startedAt: number;
  endedAt?: number;
}

const DEFAULT_MODEL = 'offline-1';
const KEPT_RECORDS = 200;

/** Splits text into word tokens that keep their leading white space: "a b" → ["a", " b"]. */
export function splitIntoTokens(text: string): string[] {
  return text.match(/\s*\S+|\s+$/g) ?? [];
}

function textOf(message: EngineMessage | undefined): string {
  if (!message) return '';
  if (typeof message.content === 'string') return message.content;
  return message.content.map((part) => (part.type === 'text' ? part.text : `[${part.type}]`)).join(' ');
}

function defaultReply(messages: EngineMessage[]): string {
  const question = textOf([...messages].reverse().find((m) => m.role === 'user'))
    .trim()
    .slice(0, 200);
  const turns = messages.filter((m) => m.role !== 'system').length;
  return (
    `This is the offline engine answering "${question}". ` +
    `It streams a fixed reply token by token, so an app can be built and tested without a provider or an API key. ` +
    `This conversation has ${turns} turn${turns === 1 ? '' : 's'} so far.`
  );
}

function failure(kind: OfflineFailureKind = 'provider_error', message?: string, retryAfterMs?: number): EngineException {
  const options = { provider: 'offline' };
  switch (kind) {
    case 'authentication':
      return new AuthenticationException(message ?? 'offline rejected the API key (scripted).', { ...options, status: 401 });
    case 'rate_limit':
      return new RateLimitException(message ?? 'offline is rate limiting requests (scripted).', {
        ...options,
        status: 429,
        retryAfter: retryAfterMs,
      });
    case 'invalid_request':
      return new ValidationException(message ?? 'offline rejected the request (scripted).', { ...options, status: 400 });
    case 'connection':
      return new ConnectionException(message ?? 'Could not reach offline (scripted).', options);
    case 'overloaded':
      return new ProviderOverloadedException(message ?? 'offline is overloaded (scripted).', { ...options, status: 529 });
    case 'content_filter':
      return new ContentFilterException(message ?? 'offline stopped the answer (scripted).', options);
    default:
      return new ProviderServerException(message ?? 'offline failed on its side (scripted).', { ...options, status: 500 });
  }
}

/** A step's parts in stream order: reasoning, text, sources, tool calls (arguments in pieces). */
function stepParts(step: OfflineStep | undefined, tokens: string[], request: DriverRequest): DriverStreamPart[] {
  const parts: DriverStreamPart[] = [];
  const reasoning = step?.reasoning ?? (request.options.reasoning ? 'Working out an answer to the question.' : undefined);
  if (reasoning !== undefined) {
    for (const text of Array.isArray(reasoning) ? reasoning : splitIntoTokens(reasoning)) parts.push({ type: 'reasoning-delta', text });
    parts.push(step?.reasoningSignature === undefined ? { type: 'reasoning-end' } : { type: 'reasoning-end', signature: step.reasoningSignature });
  }
  for (const text of tokens) parts.push({ type: 'text-delta', text });
  for (const source of step?.sources ?? []) parts.push({ type: 'source', ...source });
  (step?.toolCalls ?? []).forEach((call, n) => {
    // the number of assistant messages so far: unique in a conversation (a first turn's steps: call_0_0, call_1_0…)
    const id = call.id ?? `call_${request.messages.filter((m) => m.role === 'assistant').length}_${n}`;
    const argsText = call.argsText ?? JSON.stringify(call.args ?? {});
    parts.push({ type: 'tool-call-start', id, name: call.name });
    const size = Math.max(1, Math.ceil(argsText.length / 3));
    for (let i = 0; i < argsText.length; i += size) parts.push({ type: 'tool-call-delta', id, argsTextDelta: argsText.slice(i, i + size) });
    parts.push({ type: 'tool-call-end', id, name: call.name, argsText });
  });
  return parts;
}

/**
 * An engine that needs no network or key. It streams a deterministic reply at a set pace and
 * can be scripted to stream fixed chunks or to fail at chunk N. It records every request
 * (state, chunks sent), so tests can check that a request was aborted.
 */
export class OfflineDriver implements EngineDriver {
  readonly provider = 'offline';
  readonly defaultModel: string;
  private readonly records: OfflineRequestRecord[] = [];
  private nextId = 1;

  constructor(
    readonly name: string = 'offline',
    private readonly config: OfflineEngineConfig = {},
  ) {
    this.defaultModel = config.model ?? DEFAULT_MODEL;
  }

  /** The latest requests, oldest first (at most 200 are kept). */
  get requests(): readonly OfflineRequestRecord[] {
    return this.records;
  }

  /** The most recent request, if any. */
  get lastRequest(): OfflineRequestRecord | undefined {
    return this.records[this.records.length - 1];
  }

  stream(request: DriverRequest): Observable<DriverStreamPart> {
    return new Observable<DriverStreamPart>((subscriber) => {
      const script: OfflineEngineConfig = { ...this.config, ...(request.options.providerOptions as OfflineEngineConfig) };
      const record: OfflineRequestRecord = {
        id: this.nextId++,
        messages: request.messages,
        model: request.options.model,
        state: 'running',
        chunksSent: 0,
        startedAt: Date.now(),
      };
      this.records.push(record);
      if (this.records.length > KEPT_RECORDS) this.records.shift();

      const step: OfflineStep | undefined = script.steps?.length
        ? script.steps[Math.min(stepIndexOf(request.messages), script.steps.length - 1)]
        : script.callTools !== false && !script.chunks && !script.reply
          ? defaultToolStep(request)
          : undefined;
      let tokens: string[];
      const structured = request.options.responseFormat?.type === 'json';
      if (step) tokens = step.chunks ?? splitIntoTokens(step.text ?? '');
      else if (structured && !script.chunks && !script.reply) {
        // a structured answer: the scripted object, or one filled in from the text
        const scripted = typeof script.object === 'function' ? script.object(request.messages, request.options.responseFormat?.schema) : script.object;
        tokens = objectChunks(scripted !== undefined ? scripted : offlineObject(request.options.responseFormat?.schema, request.messages));
      } else {
        const reply = typeof script.reply === 'function' ? script.reply(request.messages) : script.reply;
        tokens = script.chunks ?? splitIntoTokens(reply ?? defaultReply(request.messages));
      }
      let finishReason: 'stop' | 'length' | 'tool_calls' | 'content_filter' = step?.finishReason ?? (step?.toolCalls?.length ? 'tool_calls' : 'stop');
      if (request.options.maxTokens !== undefined && tokens.length > request.options.maxTokens) {
        tokens = tokens.slice(0, request.options.maxTokens);
        finishReason = 'length';
      }
      const parts = stepParts(step, tokens, request);
      const fail: OfflineFailure | undefined = script.failAt;
      const delay = script.tokenDelayMs ?? 20;
      let timer: NodeJS.Timeout | undefined;
      let next = 0;

      const end = (state: OfflineRequestState) => {
        record.state = state;
        record.endedAt = Date.now();
      };
      const raise = () => {
        end('failed');
        subscriber.error(failure(fail?.kind, fail?.message, fail?.retryAfterMs));
      };
      const emitNext = () => {
        timer = undefined;
        if (fail && !fail.beforeStart && next === fail.afterChunks) return raise();
        if (next < parts.length) {
          record.chunksSent++;
          subscriber.next(parts[next++]);
          timer = setTimeout(emitNext, delay);
          return;
        }
        const promptTokens = request.messages.reduce((n, m) => n + splitIntoTokens(textOf(m)).length, 0);
        subscriber.next({
          type: 'finish',
          finishReason,
          rawFinishReason: finishReason,
          usage: { promptTokens, completionTokens: tokens.length, totalTokens: promptTokens + tokens.length },
        });
        end('completed');
        subscriber.complete();
      };

      timer = setTimeout(() => {
        if (fail?.beforeStart) return raise();
        subscriber.next({ type: 'response-start', model: request.options.model, warnings: [], ...(structured && { structuredOutputMode: 'native' as const }) });
        emitNext();
      }, script.acceptDelayMs ?? 0);

      return () => {
        if (timer) clearTimeout(timer);
        if (record.state === 'running') end('aborted');
      };
    });
  }
}

import { Logger } from '@nestjs/common';
import { Observable } from 'rxjs';
import type { DriverStreamPart, EngineDriver } from '../drivers/engine-driver.interface.js';
import type { StreamReporter } from '../engine/stream-lifecycle.js';
import { EngineException } from '../errors/engine.exception.js';
import { publicEngineError } from '../errors/engine-http.js';
import type { EngineCallOptions } from '../interfaces/engine-call-options.interface.js';
import type { EngineChunk } from '../interfaces/engine-chunk.interface.js';
import type { EngineMessage } from '../interfaces/engine-message.interface.js';
import type { EngineUsage } from '../interfaces/engine-usage.interface.js';
import { genAiProviderName, type EngineTelemetry, type TelemetrySpan } from './engine-telemetry.js';
import type { EngineFinishHook, EngineFinishInfo } from './telemetry-options.interface.js';
import type { ResolvedTool } from '../tools/resolve-tools.js';
import { instrumentTools } from './observe-tools.js';

const logger = new Logger('BuppleEngine');

/** One engine call to observe: what EngineService resolved before starting it. */
export interface ObservedCall {
  messages: EngineMessage[];
  options: EngineCallOptions;
  /** The engines to try, the first one first. */
  chain: EngineDriver[];
  reporter?: StreamReporter;
  /** The call's tools, resolved. */
  tools?: Map<string, ResolvedTool>;
}

const errorType = (error: unknown) => (EngineException.isInstance(error) ? error.code : error instanceof Error ? error.name : 'error');

function usageAttributes(usage: EngineUsage | undefined | null) {
  return usage ? { 'gen_ai.usage.input_tokens': usage.promptTokens, 'gen_ai.usage.output_tokens': usage.completionTokens } : {};
}

/**
 * Runs one engine call with its observers: a `chat {model}` span (GenAI semantic conventions)
 * with a child span per provider attempt and per tool run (`execute_tool {name}`), `retry` /
 * `fallback` span events, the GenAI
 * metrics, and the `onFinish` hooks, called once whether the answer completes, fails or is
 * aborted. With no telemetry (or no OpenTelemetry SDK registered) and no hook, `run` is
 * returned as it is.
 */
export function observeCall(
  call: ObservedCall,
  observer: EngineTelemetry | undefined,
  hooks: EngineFinishHook[],
  run: (chain: EngineDriver[], reporter: StreamReporter | undefined, tools: Map<string, ResolvedTool> | undefined) => Observable<EngineChunk>,
): Observable<EngineChunk> {
  // with the API installed and no SDK registered, nothing would record the spans
  const telemetry = observer?.observing ? observer : undefined;
  if (!telemetry && hooks.length === 0) return run(call.chain, call.reporter, call.tools);
  return new Observable<EngineChunk>((subscriber) => {
    const startedAt = performance.now();
    const first = call.chain[0];
    const requestModel = call.options.model || first.defaultModel;
    let engine = first.name;
    let provider = first.provider;
    let model = requestModel;
    let firstAt: number | null = null;
    let last: EngineChunk | undefined;
    let answer = '';
    let done = false;
    const span = telemetry?.startSpan(`chat ${requestModel}`, {
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': genAiProviderName(first.provider),
      'gen_ai.request.model': requestModel,
      'gen_ai.request.max_tokens': call.options.maxTokens ?? first.defaults?.maxTokens,
      'gen_ai.request.temperature': call.options.temperature ?? first.defaults?.temperature,
      'gen_ai.request.top_p': call.options.topP ?? first.defaults?.topP,
      'gen_ai.request.presence_penalty': call.options.presencePenalty,
      'gen_ai.request.frequency_penalty': call.options.frequencyPenalty,
      'gen_ai.request.stop_sequences': call.options.stop === undefined ? undefined : ([] as string[]).concat(call.options.stop),
      'bupple.engine.name': first.name,
    });
    if (span && telemetry?.recordContent) span.setAttribute('gen_ai.input.messages', JSON.stringify(call.messages));
    const reporter: StreamReporter = {
      streamId: call.reporter?.streamId,
      accepted: (info) => call.reporter?.accepted(info),
      warning: (warning) => call.reporter?.warning?.(warning),
      retry: (info) => {
        span?.addEvent('retry', {
          'bupple.retry.attempt': info.attempt,
          'bupple.retry.delay_ms': info.delayMs,
          'bupple.retry.reset': info.reset,
          'bupple.engine.name': info.engine,
          'error.type': info.reason,
        });
        call.reporter?.retry(info);
      },
      fallback: (info) => {
        span?.addEvent('fallback', {
          'bupple.fallback.from': info.from,
          'bupple.fallback.to': info.to,
          'bupple.fallback.reset': info.reset,
          'error.type': info.reason,
        });
        call.reporter?.fallback(info);
      },
    };
    const steps = new StepCounter();
    const chain = telemetry && span ? call.chain.map((driver) => instrumentAttempts(driver, telemetry, span, steps)) : call.chain;
    const tools = telemetry && span && call.tools ? instrumentTools(call.tools, telemetry, span) : call.tools;

    const finish = (outcome: { error?: unknown; aborted?: boolean }) => {
      if (done) return;
      done = true;
      const durationMs = performance.now() - startedAt;
      const usage = last?.usage ?? null;
      const attributes = {
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': genAiProviderName(provider),
        'gen_ai.request.model': requestModel,
        'gen_ai.response.model': model,
        ...(outcome.error !== undefined ? { 'error.type': errorType(outcome.error) } : {}),
      };
      if (telemetry && span) {
        span.setAttributes({ 'gen_ai.response.model': model, 'bupple.engine.name': engine, ...usageAttributes(usage) });
        if (last?.finishReason) span.setAttribute('gen_ai.response.finish_reasons', [last.finishReason]);
        if (telemetry.recordContent) span.setAttribute('gen_ai.output.messages', JSON.stringify([{ role: 'assistant', content: answer }]));
        if (outcome.aborted) span.setAttribute('bupple.aborted', true);
        if (outcome.error !== undefined) telemetry.fail(span, outcome.error, errorType(outcome.error));
        span.end();
        telemetry.duration.record?.(durationMs / 1000, attributes);
        if (firstAt !== null) telemetry.timeToFirstChunk.record?.((firstAt - startedAt) / 1000, attributes);
        if (usage) {
          telemetry.tokenUsage.record?.(usage.promptTokens, { ...attributes, 'gen_ai.token.type': 'input' });
          telemetry.tokenUsage.record?.(usage.completionTokens, { ...attributes, 'gen_ai.token.type': 'output' });
        }
      }
      if (hooks.length === 0) return;
      const conversationId = (call.options.conversation as { parentId?: unknown } | undefined)?.parentId;
      const info: EngineFinishInfo = {
        engine,
        model,
        usage,
        finishReason: outcome.error === undefined && !outcome.aborted ? (last?.finishReason ?? null) : null,
        durationMs: Math.round(durationMs),
        timeToFirstTokenMs: firstAt === null ? null : Math.round(firstAt - startedAt),
        aborted: outcome.aborted === true,
        ...(typeof conversationId === 'string' ? { conversationId } : {}),
        ...(reporter.streamId ? { streamId: reporter.streamId } : {}),
      };
      if (outcome.error !== undefined) {
        const { code, message } = EngineException.isInstance(outcome.error)
          ? publicEngineError(outcome.error)
          : { code: 'error', message: 'The answer failed.' };
        info.error = { code, message };
      }
      for (const hook of hooks) {
        try {
          void Promise.resolve(hook(info)).catch((error: unknown) => logger.error(`onFinish failed: ${(error as Error).message}`));
        } catch (error) {
          logger.error(`onFinish failed: ${(error as Error).message}`);
        }
      }
    };

    const subscription = run(chain, reporter, tools).subscribe({
      next: (chunk) => {
        if (firstAt === null && (chunk.content || chunk.reasoning || chunk.toolCallDelta || chunk.toolCall)) firstAt = performance.now();
        engine = chunk.engine;
        model = chunk.model;
        provider = call.chain.find((driver) => driver.name === chunk.engine)?.provider ?? provider;
        if (telemetry?.recordContent) answer += chunk.content;
        if (chunk.finishReason) last = chunk;
        subscriber.next(chunk);
      },
      error: (error: unknown) => {
        finish({ error });
        subscriber.error(error);
      },
      complete: () => {
        finish({ aborted: last === undefined });
        subscriber.complete();
      },
    });
    return () => {
      subscription.unsubscribe();
      finish({ aborted: true });
    };
  });
}

/**
 * The tool-loop step of a call's provider requests, shared by the engines of its fallback
 * chain: each step sends a new conversation (the earlier steps' calls and results added),
 * while a retry, or a fallback engine taking over, sends the same one again.
 */
class StepCounter {
  private messages: unknown;
  private current = 0;

  /** The step of a request that sends `messages` (1 for the call's first). */
  of(messages: unknown): number {
    if (messages !== this.messages) {
      this.messages = messages;
      this.current++;
    }
    return this.current;
  }
}

/**
 * The driver, with a child span of `parent` around each of its provider requests, numbered by
 * `bupple.step` (the tool loop's step) and `bupple.attempt` (this engine's try of that step,
 * from 1: retries count up, the next step starts again at 1).
 */
function instrumentAttempts(driver: EngineDriver, telemetry: EngineTelemetry, parent: TelemetrySpan, steps: StepCounter): EngineDriver {
  let step = 0;
  let attempt = 0;
  const instrumented = Object.create(driver) as EngineDriver;
  instrumented.stream = (request) =>
    new Observable<DriverStreamPart>((subscriber) => {
      const requestStep = steps.of(request.messages);
      attempt = requestStep === step ? attempt + 1 : 1;
      step = requestStep;
      let ended = false;
      const span = telemetry.startChildSpan(parent, `chat ${request.options.model}`, {
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': genAiProviderName(driver.provider),
        'gen_ai.request.model': request.options.model,
        'gen_ai.request.max_tokens': request.options.maxTokens,
        'gen_ai.request.temperature': request.options.temperature,
        'bupple.engine.name': driver.name,
        'bupple.step': step,
        'bupple.attempt': attempt,
      });
      const end = () => {
        ended = true;
        span.end();
      };
      const inner = driver.stream(request).subscribe({
        next: (part) => {
          if (part.type === 'response-start') {
            span.setAttribute('gen_ai.response.model', part.model || request.options.model);
            if (part.responseId) span.setAttribute('gen_ai.response.id', part.responseId);
          } else if (part.type === 'finish') {
            span.setAttributes({ 'gen_ai.response.finish_reasons': [part.finishReason], ...usageAttributes(part.usage) });
            // the id comes in the body, after response-start: on the attempt and on the call (the last attempt's)
            if (part.responseId) {
              span.setAttribute('gen_ai.response.id', part.responseId);
              parent.setAttribute('gen_ai.response.id', part.responseId);
            }
          }
          subscriber.next(part);
        },
        error: (error: unknown) => {
          const type = errorType(error);
          telemetry.fail(span, error, type);
          telemetry.providerErrors.add?.(1, {
            'error.type': type,
            'gen_ai.provider.name': genAiProviderName(driver.provider),
            'bupple.engine.name': driver.name,
          });
          end();
          subscriber.error(error);
        },
        complete: () => {
          end();
          subscriber.complete();
        },
      });
      return () => {
        inner.unsubscribe();
        if (!ended) {
          span.setAttribute('bupple.aborted', true);
          end();
        }
      };
    });
  return instrumented;
}

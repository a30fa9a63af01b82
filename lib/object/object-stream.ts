import { Observable, type Subscription } from 'rxjs';
import type { StreamReporter } from '../engine/stream-lifecycle.js';
import { ErrorMessages } from '../errors/error-messages.js';
import { formatFieldError, ObjectValidationException, type ObjectFieldError } from '../errors/object.exception.js';
import type { EngineCallOptions, StructuredOutputMode } from '../interfaces/engine-call-options.interface.js';
import type { EngineChunk } from '../interfaces/engine-chunk.interface.js';
import type { EngineMessage } from '../interfaces/engine-message.interface.js';
import type { EngineUsage } from '../interfaces/engine-usage.interface.js';
import type { EngineWarning } from '../interfaces/engine-warning.interface.js';
import type { FinishReason } from '../interfaces/finish-reason.type.js';
import { JsonReadError } from './json-read.error.js';
import { markObjectPart, type ObjectStreamPart } from './object-options.interface.js';
import { PartialJsonReader, readJsonText } from './partial-json-reader.js';
import { ELEMENTS_KEY, type ResolvedObjectSchema } from './resolve-object-schema.js';

/** Modes in which the provider itself holds the answer to the schema. */
const ENFORCED: ReadonlySet<StructuredOutputMode> = new Set(['json_schema', 'native', 'tool']);

/** Starts one model call (EngineService's planned stream, with this reporter). */
export type ObjectCall = (messages: EngineMessage[], options: EngineCallOptions, reporter: StreamReporter) => Observable<EngineChunk>;

export interface ObjectStreamPlan {
  call: ObjectCall;
  messages: EngineMessage[];
  options: EngineCallOptions;
  schema: ResolvedObjectSchema;
  repairAttempts: number;
  /** Emit partials, elements, warnings and resets (streamObject), or only the result (object). */
  streaming: boolean;
  /** The SSE layer's reporter, told about acceptance, retries and fallbacks. */
  outer?: StreamReporter;
}

/** The warning for a mode weaker than a schema the provider enforces. */
export function modeWarning(engine: string, mode: StructuredOutputMode | undefined): EngineWarning | undefined {
  if (mode !== undefined && ENFORCED.has(mode)) return undefined;
  return {
    type: 'other',
    option: 'responseFormat',
    message: mode === undefined ? ErrorMessages.objectModeUnknown(engine) : ErrorMessages.objectModeWeak(engine, mode),
  };
}

/** The message that asks the model to correct an invalid answer. */
export function repairMessage(errors: ObjectFieldError[]): EngineMessage {
  return { role: 'user', content: ErrorMessages.objectRepair(errors.map(formatFieldError)) };
}

/**
 * A structured answer: runs the model call, reads its text as JSON as it streams (partials,
 * array elements), then validates the whole; an invalid answer is sent back for repair when
 * asked, else it fails with ObjectValidationException. Unsubscribing aborts the call.
 */
export function objectStream(plan: ObjectStreamPlan): Observable<ObjectStreamPart<unknown>> {
  return new Observable<ObjectStreamPart<unknown>>((subscriber) => {
    let inner: Subscription | undefined;
    let closed = false;
    let repairs = 0;
    let messages = plan.messages;
    let options = plan.options;
    const { schema } = plan;

    // one round (an attempt and its retries and fallbacks)
    let text = '';
    let reader: PartialJsonReader;
    let shown = false;
    let engine = '';
    let model = '';
    let mode: StructuredOutputMode | undefined;
    let warnings: EngineWarning[] = [];
    let finish: { finishReason: FinishReason; rawFinishReason: string | null; usage: EngineUsage | null } | undefined;

    const emit = (part: ObjectStreamPart<unknown>) => {
      if (!closed && plan.streaming) subscriber.next(markObjectPart(part));
    };
    const warn = (warning: EngineWarning) => {
      warnings.push(warning);
      emit({ type: 'warning', warning });
    };
    const newReader = () => {
      text = '';
      reader = new PartialJsonReader({
        root: schema.output === 'array' ? 'any' : 'object',
        ...(schema.output === 'array' && {
          elementsKey: ELEMENTS_KEY,
          onElement: (element: unknown, index: number) => {
            const outcome = schema.validateElement!(element, index);
            // an invalid element is reported with the whole answer's validation
            if (outcome.ok) emit({ type: 'element', index, element: outcome.value as never });
          },
        }),
      });
    };
    const reset = (reason: 'retry' | 'fallback' | 'repair') => {
      if (shown) emit({ type: 'reset', reason });
      shown = false;
      warnings = [];
      mode = undefined;
      finish = undefined;
      newReader();
    };
    const reporter: StreamReporter = {
      accepted: (info) => plan.outer?.accepted(info),
      retry: (info) => {
        if (info.reset) reset('retry');
        plan.outer?.retry(info);
      },
      fallback: (info) => {
        if (info.reset) reset('fallback');
        plan.outer?.fallback(info);
      },
    };

    const onChunk = (chunk: EngineChunk) => {
      engine = chunk.engine;
      model = chunk.model;
      if (chunk.index === 0) {
        mode = chunk.structuredOutputMode;
        for (const warning of chunk.warnings ?? []) warn(warning);
        const weak = modeWarning(engine, mode);
        if (weak) warn(weak);
      }
      if (chunk.finishReason) finish = { finishReason: chunk.finishReason, rawFinishReason: chunk.rawFinishReason ?? null, usage: chunk.usage ?? null };
      if (chunk.content === '') return;
      text += chunk.content;
      if (!reader.push(chunk.content) || !plan.streaming || schema.output === 'enum') return;
      const partial = schema.unwrap(reader.snapshot());
      if (partial === undefined || (schema.output === 'array' && !Array.isArray(partial))) return;
      shown = true;
      emit({ type: 'partial', object: partial as never });
    };

    const readAnswer = (): { value?: unknown; errors?: ObjectFieldError[] } => {
      try {
        return { value: reader.end() };
      } catch (error) {
        if (!(error instanceof JsonReadError)) throw error;
      }
      try {
        return { value: readJsonText(text) };
      } catch (error) {
        const reason = error instanceof JsonReadError ? error.reason : String(error);
        const cut = finish?.finishReason === 'length' ? ` (${ErrorMessages.objectCutOff()})` : '';
        return { errors: [{ path: '', message: `${ErrorMessages.objectNotJson(reason)}${cut}` }] };
      }
    };

    const onRoundComplete = async () => {
      inner = undefined;
      const read = readAnswer();
      const outcome = read.errors ? { ok: false as const, errors: read.errors } : await schema.validate(schema.unwrap(read.value));
      if (closed) return;
      if (outcome.ok) {
        const result: ObjectStreamPart<unknown> = {
          type: 'object',
          object: outcome.value,
          engine,
          model,
          mode,
          warnings,
          usage: finish?.usage ?? null,
          finishReason: finish?.finishReason ?? 'other',
          rawFinishReason: finish?.rawFinishReason ?? null,
          text,
          repairs,
        };
        subscriber.next(markObjectPart(result));
        subscriber.complete();
        return;
      }
      if (repairs < plan.repairAttempts) {
        repairs++;
        messages = [...plan.messages, { role: 'assistant', content: text }, repairMessage(outcome.errors)];
        // the repair exchange is not part of the conversation
        options = { ...plan.options, conversation: undefined };
        reset('repair');
        return startRound();
      }
      subscriber.error(
        new ObjectValidationException(ErrorMessages.objectInvalid(outcome.errors.map(formatFieldError)), outcome.errors, {
          engine,
          text,
        }),
      );
    };

    const startRound = () => {
      newReader();
      inner = plan.call(messages, options, reporter).subscribe({
        next: onChunk,
        error: (error: unknown) => subscriber.error(error),
        complete: () => {
          onRoundComplete().catch((error: unknown) => subscriber.error(error));
        },
      });
    };

    startRound();
    return () => {
      closed = true;
      inner?.unsubscribe();
    };
  });
}

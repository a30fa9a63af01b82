import { Inject, Injectable, Optional, type OnApplicationShutdown } from '@nestjs/common';
import { defer, map, Observable, reduce, type Subscriber } from 'rxjs';
import { ENGINE_MODULE_OPTIONS } from './bupple-engine.module-definition.js';
import type { EngineDriver } from './drivers/engine-driver.interface.js';
import { UnknownEngineException } from './errors/engine.exception.js';
import { ErrorMessages } from './errors/error-messages.js';
import { DEFAULT_RETRY } from './engine/backoff.js';
import { configuredEngineNames } from './engine/create-drivers.js';
import { DEFAULT_TIMEOUT, engineStream } from './engine/engine-stream.js';
import { lifecycleOf, type StreamReporter } from './engine/stream-lifecycle.js';
import { validateMessages } from './engine/validate-messages.js';
import { ENGINE_DRIVERS, ENGINE_TELEMETRY } from './engine.tokens.js';
import type { EngineTelemetry } from './telemetry/engine-telemetry.js';
import { observeCall } from './telemetry/observe-call.js';
import type { EngineFinishHook } from './telemetry/telemetry-options.interface.js';
import { assertModelAllowed } from './security/limits.js';
import { resolveMaxDeltaChars } from './engine/size-caps.js';
import type { EngineCallOptions } from './interfaces/engine-call-options.interface.js';
import type { EngineChunk, EngineResponse } from './interfaces/engine-chunk.interface.js';
import type { EngineMessage } from './interfaces/engine-message.interface.js';
import type { BuppleEngineModuleOptions } from './bupple-engine.module-options.js';
import { ValidationException } from './errors/engine.exception.js';
import { resolveTools } from './tools/resolve-tools.js';
import { ToolRegistry } from './tools/tool-registry.service.js';
import { ToolMessages } from './tools/tool-messages.js';
import type {
  AnyObjectCallOptions,
  ArrayCallOptions,
  EnumCallOptions,
  ObjectCallOptions,
  ObjectResult,
  ObjectStreamPart,
} from './object/object-options.interface.js';
import { objectStream } from './object/object-stream.js';
import { resolveObjectSchema } from './object/resolve-object-schema.js';

/** The settings that are set: `{ a: undefined }` must not override a default. */
function definedOnly<T extends object>(settings: T | undefined): Partial<T> {
  return Object.fromEntries(Object.entries(settings ?? {}).filter(([, value]) => value !== undefined)) as Partial<T>;
}

/** One configured engine, bound to its name: what `EngineService.engine(name)` returns. */
export interface Engine {
  readonly name: string;
  readonly provider: string;
  readonly model: string;
  send(messages: EngineMessage[], options?: Omit<EngineCallOptions, 'engine'>): Observable<EngineResponse>;
  stream(messages: EngineMessage[], options?: Omit<EngineCallOptions, 'engine'>): Observable<EngineChunk>;
}

/**
 * One interface over every configured engine. Calls return cold Observables: the provider
 * request starts on subscription, and unsubscribing aborts it.
 */
@Injectable()
export class EngineService implements OnApplicationShutdown {
  constructor(
    @Inject(ENGINE_MODULE_OPTIONS) private readonly options: BuppleEngineModuleOptions,
    @Inject(ENGINE_DRIVERS) private readonly drivers: Map<string, EngineDriver>,
    @Optional() private readonly toolRegistry?: ToolRegistry,
    @Optional() @Inject(ENGINE_TELEMETRY) private readonly telemetry?: EngineTelemetry | null,
  ) {}

  /** The engine used when a call names none. */
  get defaultEngine(): string {
    return this.options.engine.default ?? configuredEngineNames(this.options.engine).find((name) => this.drivers.has(name)) ?? [...this.drivers.keys()][0];
  }

  /** Names of the engines that can be called, the default first. */
  engines(): string[] {
    const names = [...this.drivers.keys()];
    const first = this.defaultEngine;
    return [first, ...names.filter((name) => name !== first)];
  }

  /** The named engine (default: `engine.default`). Throws UnknownEngineException for a name that is not configured. */
  engine(name?: string): Engine {
    const driver = this.driver(name ?? this.defaultEngine);
    return {
      name: driver.name,
      provider: driver.provider,
      model: driver.defaultModel,
      send: (messages, options = {}) => this.send(messages, { ...options, engine: driver.name }),
      stream: (messages, options = {}) => this.stream(messages, { ...options, engine: driver.name }),
    };
  }

  /** Adds (or replaces) an engine at run time. */
  register(name: string, driver: EngineDriver): void {
    this.drivers.set(name, driver);
  }

  /**
   * Streams an answer. The last chunk carries `finishReason` (and `usage` when known).
   * Retryable failures are retried, then the fallback engines are tried, before the
   * Observable errors with an EngineException.
   */
  stream(messages: EngineMessage[], options: EngineCallOptions = {}): Observable<EngineChunk> {
    // the lifecycle the subscriber attached (the SSE layer's, see withStreamLifecycle) hears acceptance, retries, fallbacks, warnings
    return new Observable<EngineChunk>((subscriber) => this.plannedStream(messages, options, lifecycleOf(subscriber), false).subscribe(subscriber));
  }

  /** Gets a whole answer: one EngineResponse, then completion. */
  send(messages: EngineMessage[], options: EngineCallOptions = {}): Observable<EngineResponse> {
    return defer(() => {
      let content = '';
      let reasoning = '';
      const sources: NonNullable<EngineResponse['sources']> = [];
      // where the step under way started (after the last tool result): a restart takes back that step only
      let step = { content: 0, reasoning: 0, sources: 0 };
      const reset = () => {
        content = content.slice(0, step.content);
        reasoning = reasoning.slice(0, step.reasoning);
        sources.length = step.sources;
      };
      const reporter: StreamReporter = {
        accepted: () => undefined,
        retry: (info) => info.reset && reset(),
        fallback: (info) => info.reset && reset(),
      };
      return this.plannedStream(messages, options, reporter, true).pipe(
        reduce<EngineChunk, EngineResponse | undefined>((previous, chunk) => {
          content += chunk.content;
          if (chunk.reasoning) reasoning += chunk.reasoning;
          if (chunk.source) sources.push(chunk.source);
          if (chunk.toolResult) step = { content: content.length, reasoning: reasoning.length, sources: sources.length };
          const response: EngineResponse = {
            role: 'assistant',
            content,
            engine: chunk.engine,
            model: chunk.model,
            usage: chunk.usage ?? null,
            finishReason: chunk.finishReason ?? 'other',
            rawFinishReason: chunk.rawFinishReason ?? null,
            // warnings ride on the first chunk of an answer
            warnings: chunk.warnings ?? (chunk.index === 0 ? [] : (previous?.warnings ?? [])),
          };
          if (reasoning) response.reasoning = reasoning;
          if (sources.length > 0) response.sources = [...sources];
          if (chunk.steps) {
            response.toolCalls = chunk.toolCalls ?? [];
            response.toolResults = chunk.toolResults ?? [];
            response.steps = chunk.steps;
          }
          return response;
        }, undefined),
        (source) => source as Observable<EngineResponse>,
      );
    });
  }

  /**
   * Asks for a structured answer and gets one validated result: with a DTO class as `schema`,
   * `object` is an instance of it (transformed by class-transformer, checked by
   * class-validator). The provider's strongest structured-output mode is used (see
   * `ObjectResult.mode`). An answer that is not valid fails with ObjectValidationException
   * (after `repair.attempts` rounds that send the errors back to the model).
   */
  object<T>(messages: EngineMessage[], options: ObjectCallOptions<T>): Observable<ObjectResult<T>>;
  object<T>(messages: EngineMessage[], options: ArrayCallOptions<T>): Observable<ObjectResult<T[]>>;
  object<const V extends string>(messages: EngineMessage[], options: EnumCallOptions<V>): Observable<ObjectResult<V>>;
  object(messages: EngineMessage[], options: AnyObjectCallOptions): Observable<ObjectResult<any>> {
    return defer(() => this.objectParts(messages, options, false, undefined)).pipe(
      map((part) => {
        const { type: _type, ...result } = part as ObjectStreamPart<unknown> & { type: 'object' };
        return result;
      }),
    );
  }

  /**
   * Streams a structured answer: `partial` objects as it forms (deep-partial, growing),
   * `element` parts for array output, `warning` and `reset` parts, then one `object` part
   * with the validated result (see ObjectStreamPart). Returned from an `@SseStream()`
   * handler, it becomes `object_partial`, `object_element` and `object` events.
   */
  streamObject<T>(messages: EngineMessage[], options: ObjectCallOptions<T>): Observable<ObjectStreamPart<T>>;
  streamObject<T>(messages: EngineMessage[], options: ArrayCallOptions<T>): Observable<ObjectStreamPart<T[]>>;
  streamObject<const V extends string>(messages: EngineMessage[], options: EnumCallOptions<V>): Observable<ObjectStreamPart<V>>;
  streamObject(messages: EngineMessage[], options: AnyObjectCallOptions): Observable<ObjectStreamPart<any>> {
    return new Observable<ObjectStreamPart<any>>((subscriber: Subscriber<ObjectStreamPart<any>>) =>
      this.objectParts(messages, options, true, lifecycleOf(subscriber)).subscribe(subscriber),
    );
  }

  private objectParts(messages: EngineMessage[], options: AnyObjectCallOptions, streaming: boolean, outer: StreamReporter | undefined) {
    const schema = resolveObjectSchema(options);
    const {
      schema: _schema,
      output: _output,
      enum: _enum,
      repair,
      name: _name,
      description,
      ...callOptions
    } = options as AnyObjectCallOptions & {
      schema?: unknown;
      enum?: unknown;
    };
    validateMessages(messages);
    return objectStream({
      call: (roundMessages, roundOptions, reporter) => this.plannedStream(roundMessages, roundOptions, reporter, !streaming),
      messages,
      options: { ...callOptions, responseFormat: { type: 'json', schema: schema.jsonSchema, name: schema.name, ...(description && { description }) } },
      schema,
      repairAttempts: Math.max(0, Math.floor(repair?.attempts ?? 0)),
      streaming,
      outer,
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([...this.drivers.values()].map((driver) => driver.close?.()));
  }

  private plannedStream(messages: EngineMessage[], options: EngineCallOptions, reporter: StreamReporter | undefined, restartable: boolean) {
    // a request that only carries approvals continues the conversation's pending calls
    if (!(Array.isArray(messages) && messages.length === 0 && options.toolApprovals?.length)) validateMessages(messages);
    const maxSteps = options.maxSteps ?? 1;
    if (!Number.isInteger(maxSteps) || maxSteps < 1 || maxSteps > 100) throw new ValidationException(ToolMessages.badMaxSteps(options.maxSteps));
    const tools = resolveTools(options.tools, this.toolRegistry);
    const first = options.engine ?? this.defaultEngine;
    const names = [first, ...(options.fallback ?? this.options.engine.fallback ?? []).filter((name) => name !== first)];
    const engineDefaults = this.options.engine;
    // the model applies to the first engine only: it must be one that engine allows
    assertModelAllowed(engineDefaults, first, this.driver(first).defaultModel, options.model);
    const hooks = [this.options.onFinish, options.onFinish].filter((hook): hook is EngineFinishHook => typeof hook === 'function');
    const call = { messages, options, chain: names.map((name) => this.driver(name)), reporter, tools };
    return observeCall(call, this.telemetry ?? undefined, hooks, (chain, observedReporter, observedTools) =>
      engineStream({
        messages: [...messages],
        chain,
        options,
        retry: { ...DEFAULT_RETRY, ...definedOnly(engineDefaults.retry), ...definedOnly(options.retry) },
        timeout: { ...DEFAULT_TIMEOUT, ...definedOnly(engineDefaults.timeout), ...definedOnly(options.timeout) },
        reporter: observedReporter,
        restartable,
        tools: observedTools,
        maxSteps,
        maxDeltaChars: resolveMaxDeltaChars(this.options),
      }),
    );
  }

  private driver(name: string): EngineDriver {
    const driver = this.drivers.get(name);
    if (!driver) throw new UnknownEngineException(ErrorMessages.unknownEngine(name, [...this.drivers.keys()]), [...this.drivers.keys()]);
    return driver;
  }
}

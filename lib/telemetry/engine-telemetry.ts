import { Logger } from '@nestjs/common';
import type { TelemetryOptions } from './telemetry-options.interface.js';

/*
 * The part of `@opentelemetry/api` the library uses, written out so that no emitted `.d.ts`
 * names the optional package.
 */
type Attributes = Record<string, string | number | boolean | string[] | undefined>;
interface OtelSpan {
  setAttribute(key: string, value: string | number | boolean | string[]): unknown;
  setAttributes(attributes: Attributes): unknown;
  addEvent(name: string, attributes?: Attributes): unknown;
  setStatus(status: { code: number; message?: string }): unknown;
  recordException(exception: Error): unknown;
  end(): void;
  isRecording(): boolean;
}
interface OtelContext {
  readonly __context?: never;
}
interface OtelTracer {
  startSpan(name: string, options?: { kind?: number; attributes?: Attributes }, context?: OtelContext): OtelSpan;
}
interface OtelInstrument {
  record?(value: number, attributes?: Attributes): void;
  add?(value: number, attributes?: Attributes): void;
}
interface OtelMeter {
  createHistogram(name: string, options?: { description?: string; unit?: string; advice?: { explicitBucketBoundaries?: number[] } }): OtelInstrument;
  createCounter(name: string, options?: { description?: string; unit?: string }): OtelInstrument;
  createUpDownCounter(name: string, options?: { description?: string; unit?: string }): OtelInstrument;
}
interface OtelTracerProvider {
  getDelegate?(): unknown;
}
interface OtelApi {
  trace: {
    getTracerProvider(): OtelTracerProvider;
    getTracer(name: string, version?: string): OtelTracer;
    getActiveSpan(): OtelSpan | undefined;
    setSpan(context: OtelContext, span: OtelSpan): OtelContext;
  };
  metrics: { getMeter(name: string, version?: string): OtelMeter };
  createNoopMeter(): OtelMeter;
  ProxyTracerProvider: new () => OtelTracerProvider;
  context: { active(): OtelContext };
  SpanKind: { CLIENT: number; INTERNAL: number };
  SpanStatusCode: { ERROR: number };
}

export type TelemetrySpan = OtelSpan;

const SCOPE = '@bupple/nestjs-ai-engine';
const SECONDS = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92];
const TOKENS = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864];

/** The provider names of the GenAI semantic conventions (`gen_ai.provider.name`). */
export function genAiProviderName(provider: string): string {
  return ({ claude: 'anthropic', gemini: 'gcp.gemini' } as Record<string, string>)[provider] ?? provider;
}

/**
 * Spans and metrics over `@opentelemetry/api`, loaded once at boot when installed and not
 * turned off. Metric names: `gen_ai.client.operation.duration` (s),
 * `gen_ai.client.token.usage` (tokens, by `gen_ai.token.type`),
 * `gen_ai.client.operation.time_to_first_chunk` (s), `bupple.engine.provider.errors`
 * (by `error.type`), `bupple.sse.active_streams`, `bupple.sse.resumes`.
 */
export class EngineTelemetry {
  readonly recordContent: boolean;
  readonly tracer: OtelTracer;
  readonly duration: OtelInstrument;
  readonly tokenUsage: OtelInstrument;
  readonly timeToFirstChunk: OtelInstrument;
  readonly providerErrors: OtelInstrument;
  readonly activeStreams: OtelInstrument;
  readonly resumes: OtelInstrument;
  private readonly metricsOn: boolean;
  /** The API's no-op tracer provider: the global one's delegate until an SDK registers. */
  private readonly noopTracerProvider: unknown;

  private constructor(
    private readonly api: OtelApi,
    options: TelemetryOptions,
  ) {
    this.recordContent = options.recordContent === true;
    this.tracer = api.trace.getTracer(SCOPE);
    const meter = api.metrics.getMeter(SCOPE);
    // instruments are made once, here: from the API's no-op meter they record nothing, ever
    this.metricsOn = !(meter instanceof (api.createNoopMeter().constructor as new () => OtelMeter));
    this.noopTracerProvider = new api.ProxyTracerProvider().getDelegate?.();
    this.duration = meter.createHistogram('gen_ai.client.operation.duration', {
      description: 'GenAI operation duration',
      unit: 's',
      advice: { explicitBucketBoundaries: SECONDS },
    });
    this.tokenUsage = meter.createHistogram('gen_ai.client.token.usage', {
      description: 'Tokens used, by gen_ai.token.type',
      unit: '{token}',
      advice: { explicitBucketBoundaries: TOKENS },
    });
    this.timeToFirstChunk = meter.createHistogram('gen_ai.client.operation.time_to_first_chunk', {
      description: 'Time from the call to the first answer data',
      unit: 's',
      advice: { explicitBucketBoundaries: SECONDS },
    });
    this.providerErrors = meter.createCounter('bupple.engine.provider.errors', { description: 'Failed provider attempts, by error.type' });
    this.activeStreams = meter.createUpDownCounter('bupple.sse.active_streams', { description: 'SSE streams generating in this process' });
    this.resumes = meter.createCounter('bupple.sse.resumes', { description: 'SSE reconnections served (Last-Event-ID)' });
  }

  /** Loads `@opentelemetry/api`; undefined when telemetry is off or the package is not installed. */
  static async load(options: boolean | TelemetryOptions | undefined): Promise<EngineTelemetry | undefined> {
    const resolved = typeof options === 'object' ? options : { enabled: options };
    if (resolved.enabled === false) return undefined;
    try {
      const api = (await import('@opentelemetry/api')) as unknown as OtelApi;
      return new EngineTelemetry(api, resolved);
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
        if (resolved.enabled === true)
          new Logger('BuppleEngine').warn('telemetry.enabled is set but @opentelemetry/api is not installed: npm install @opentelemetry/api');
        return undefined;
      }
      throw error;
    }
  }

  /**
   * Whether anything records what a call does: metrics (a meter provider was registered
   * before the module started), or traces (a tracer provider is registered now). With
   * `@opentelemetry/api` installed and no SDK, a call skips the spans and attributes.
   */
  get observing(): boolean {
    if (this.metricsOn) return true;
    const provider = this.api.trace.getTracerProvider();
    return (provider.getDelegate ? provider.getDelegate() : provider) !== this.noopTracerProvider;
  }

  /** A span in the current context (the caller's, e.g. the HTTP request's). */
  startSpan(name: string, attributes: Attributes, kind: 'client' | 'internal' = 'client'): OtelSpan {
    return this.tracer.startSpan(name, { kind: kind === 'client' ? this.api.SpanKind.CLIENT : this.api.SpanKind.INTERNAL, attributes: clean(attributes) });
  }

  /** A span under `parent`, whatever the current context. */
  startChildSpan(parent: OtelSpan, name: string, attributes: Attributes, kind: 'client' | 'internal' = 'client'): OtelSpan {
    return this.tracer.startSpan(
      name,
      { kind: kind === 'client' ? this.api.SpanKind.CLIENT : this.api.SpanKind.INTERNAL, attributes: clean(attributes) },
      this.api.trace.setSpan(this.api.context.active(), parent),
    );
  }

  /** Marks a span failed with the error's type (its code, or class name). */
  fail(span: OtelSpan, error: unknown, type: string): void {
    span.setAttribute('error.type', type);
    span.setStatus({ code: this.api.SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
  }

  /** The span of the request being handled, if an HTTP instrumentation made one. */
  activeSpan(): OtelSpan | undefined {
    return this.api.trace.getActiveSpan();
  }
}

function clean(attributes: Attributes): Attributes {
  return Object.fromEntries(Object.entries(attributes).filter(([, value]) => value !== undefined));
}

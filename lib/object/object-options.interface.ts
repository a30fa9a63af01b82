import type { EngineCallOptions, StructuredOutputMode } from '../interfaces/engine-call-options.interface.js';
import type { EngineUsage } from '../interfaces/engine-usage.interface.js';
import type { EngineWarning } from '../interfaces/engine-warning.interface.js';
import type { FinishReason } from '../interfaces/finish-reason.type.js';
import type { JsonSchema } from '../interfaces/tool.interface.js';
import type { DtoClass } from '../schema/validate-as.js';

const TYPED = Symbol.for('bupple.nestjs-ai-engine.json-schema');

/** A JSON Schema with the TypeScript type of the values it describes (see `jsonSchema()`). */
export interface TypedJsonSchema<T> {
  readonly [TYPED]: true;
  readonly jsonSchema: JsonSchema;
  /** Type only: never set. */
  readonly __type?: T;
}

/** Marks a JSON Schema with the type of its values: `schema: jsonSchema<Contact>({ type: 'object', … })`. */
export function jsonSchema<T>(schema: JsonSchema): TypedJsonSchema<T> {
  return { [TYPED]: true, jsonSchema: schema };
}

export function isTypedJsonSchema(value: unknown): value is TypedJsonSchema<unknown> {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[TYPED] === true;
}

/** What describes the object: a class-validator DTO class, or a (typed) JSON Schema. */
export type ObjectSchema<T> = DtoClass<T> | TypedJsonSchema<T>;

/** Every property optional, all the way down: what a partial object may hold while it streams. */
export type DeepPartial<T> = T extends (infer E)[] ? DeepPartial<E>[] : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;

interface ObjectCallBase extends Omit<EngineCallOptions, 'responseFormat'> {
  /** Schema name where the provider wants one (OpenAI); default: the DTO class name, or `result`. */
  name?: string;
  /** What the object is, for the model. */
  description?: string;
  /**
   * When the answer is not valid, send the errors back to the model and ask again, up to
   * `attempts` times (default 0: an invalid answer is an ObjectValidationException).
   */
  repair?: { attempts: number };
}

/** `output: 'object'` (default): one object of the schema. */
export interface ObjectCallOptions<T> extends ObjectCallBase {
  schema: ObjectSchema<T>;
  output?: 'object';
}

/** `output: 'array'`: an array of objects of the schema, streamed element by element. */
export interface ArrayCallOptions<T> extends ObjectCallBase {
  schema: ObjectSchema<T>;
  output: 'array';
}

/** `output: 'enum'`: one of the given values (classification). */
export interface EnumCallOptions<V extends string> extends ObjectCallBase {
  output: 'enum';
  enum: readonly V[];
}

export type AnyObjectCallOptions = ObjectCallOptions<unknown> | ArrayCallOptions<unknown> | EnumCallOptions<string>;

/** The validated result of `EngineService.object()` (and the last part of `streamObject()`). */
export interface ObjectResult<T> {
  /** The validated object: an instance of the DTO class (array output: an array of them). */
  object: T;
  engine: string;
  model: string;
  /**
   * How the provider was asked for the structure (see StructuredOutputMode); `undefined`
   * when the driver does not say (a custom driver), in which case a warning says so too.
   */
  mode: StructuredOutputMode | undefined;
  /** The provider's warnings, and one when the mode is weaker than a schema the provider enforces. */
  warnings: EngineWarning[];
  usage: EngineUsage | null;
  finishReason: FinishReason;
  rawFinishReason: string | null;
  /** The answer text the object was read from. */
  text: string;
  /** Repair rounds used (0 when the first answer was valid). */
  repairs: number;
}

/**
 * What `EngineService.streamObject()` emits, in order: `partial` objects as the answer grows
 * (deep-partial, each adding to the previous), `element` for each complete element (array
 * output), `warning` when the provider could not honour something, `reset` when the answer
 * restarts (a retry or fallback after content, or a repair round: drop what the partials
 * showed), and last one `object` part: the validated result.
 */
export type ObjectStreamPart<T> =
  | { type: 'partial'; object: DeepPartial<T> }
  | { type: 'element'; index: number; element: T extends (infer E)[] ? E : never }
  | { type: 'warning'; warning: EngineWarning }
  | { type: 'reset'; reason: 'retry' | 'fallback' | 'repair' }
  | ({ type: 'object' } & ObjectResult<T>);

const PART = Symbol.for('bupple.nestjs-ai-engine.object-part');

/** Marks a part as coming from streamObject() (the SSE layer maps these to object events). */
export function markObjectPart<P extends object>(part: P): P {
  Object.defineProperty(part, PART, { value: true, enumerable: false });
  return part;
}

export function isObjectStreamPart(value: unknown): value is ObjectStreamPart<unknown> {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[PART] === true;
}

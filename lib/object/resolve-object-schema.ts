import type { ObjectFieldError } from '../errors/object.exception.js';
import type { JsonSchema } from '../interfaces/tool.interface.js';
import { dtoToJsonSchema } from '../schema/dto-to-json-schema.js';
import { validateAs, validateAsSync, type DtoClass, type Validated } from '../schema/validate-as.js';
import { validateJsonSchema } from './json-schema-validate.js';
import { isTypedJsonSchema, type AnyObjectCallOptions } from './object-options.interface.js';

/** The wrapper property of array output (providers want an object at the root). */
export const ELEMENTS_KEY = 'elements';
/** The wrapper property of enum output. */
export const RESULT_KEY = 'result';

/** Everything the object stream needs to know about the asked shape. */
export interface ResolvedObjectSchema {
  output: 'object' | 'array' | 'enum';
  /** What the provider is asked for: always an object at the root. */
  jsonSchema: JsonSchema;
  name: string;
  description?: string;
  /** The answer's value for the output mode (array output: the array; enum: the value). */
  unwrap(value: unknown): unknown;
  /** Validates (and, for a DTO, transforms) the unwrapped value. */
  validate(value: unknown): Promise<Validated<unknown>>;
  /** Array output: validates one element as it completes. */
  validateElement?(value: unknown, index: number): Validated<unknown>;
}

function objectOf(properties: Record<string, JsonSchema>): JsonSchema {
  return { type: 'object', properties, required: Object.keys(properties), additionalProperties: false };
}

/** Optional properties a model sent as `null` (strict modes make optionals nullable) are left out. */
export function dropNullOptionals(value: unknown, schema: JsonSchema | undefined): unknown {
  if (!schema) return value;
  if (Array.isArray(value)) return value.map((item) => dropNullOptionals(item, schema.items as JsonSchema | undefined));
  if (typeof value !== 'object' || value === null) return value;
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((schema.required as string[] | undefined) ?? []);
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (item === null && !required.has(key) && Object.prototype.hasOwnProperty.call(properties, key)) continue;
    const copy = dropNullOptionals(item, properties[key]);
    if (key === '__proto__') Object.defineProperty(out, key, { value: copy, writable: true, enumerable: true, configurable: true });
    else out[key] = copy;
  }
  return out;
}

function prefixed(errors: ObjectFieldError[], index: number): ObjectFieldError[] {
  return errors.map((error) => ({ path: `[${index}]${error.path && !error.path.startsWith('[') ? '.' : ''}${error.path}`, message: error.message }));
}

/** Turns the call's `schema` / `output` / `enum` into what is sent and how the answer is checked. */
export function resolveObjectSchema(options: AnyObjectCallOptions): ResolvedObjectSchema {
  const output = options.output ?? 'object';
  if (options.output === 'enum') {
    const values = [...options.enum];
    return {
      output,
      jsonSchema: objectOf({ [RESULT_KEY]: { type: 'string', enum: values } }),
      name: options.name ?? 'classification',
      description: options.description,
      unwrap: (value) =>
        typeof value === 'object' && value !== null && !Array.isArray(value) && RESULT_KEY in value ? (value as Record<string, unknown>)[RESULT_KEY] : value,
      validate: (value) =>
        Promise.resolve(
          typeof value === 'string' && values.includes(value)
            ? { ok: true, value }
            : { ok: false, errors: [{ path: RESULT_KEY, message: `must be one of ${values.map((v) => JSON.stringify(v)).join(', ')}` }] },
        ),
    };
  }
  const schema = options.schema;
  const isClass = typeof schema === 'function';
  const element: JsonSchema = isClass ? dtoToJsonSchema(schema) : isTypedJsonSchema(schema) ? schema.jsonSchema : (schema as JsonSchema);
  const name = options.name ?? (isClass ? schema.name : 'result');
  const checkOne = (value: unknown): Validated<unknown> | undefined => {
    if (isClass) return undefined;
    const errors = validateJsonSchema(element, value);
    return errors.length > 0 ? { ok: false, errors } : { ok: true, value };
  };
  if (output === 'array') {
    const validateElement = (value: unknown, index: number): Validated<unknown> => {
      const outcome = checkOne(dropNullOptionals(value, element)) ?? validateAsSync(schema as DtoClass, dropNullOptionals(value, element));
      return outcome.ok ? outcome : { ok: false, errors: prefixed(outcome.errors, index) };
    };
    return {
      output,
      jsonSchema: objectOf({ [ELEMENTS_KEY]: { type: 'array', items: element } }),
      name,
      description: options.description,
      unwrap: (value) =>
        Array.isArray(value) ? value : typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[ELEMENTS_KEY] : value,
      validateElement,
      validate: async (value) => {
        if (!Array.isArray(value)) return { ok: false, errors: [{ path: ELEMENTS_KEY, message: 'must be an array' }] };
        const values: unknown[] = [];
        const errors: ObjectFieldError[] = [];
        for (let i = 0; i < value.length; i++) {
          const outcome = checkOne(dropNullOptionals(value[i], element)) ?? (await validateAs(schema as DtoClass, dropNullOptionals(value[i], element)));
          if (outcome.ok) values.push(outcome.value);
          else errors.push(...prefixed(outcome.errors, i));
        }
        return errors.length > 0 ? { ok: false, errors } : { ok: true, value: values };
      },
    };
  }
  return {
    output,
    jsonSchema: element,
    name,
    description: options.description,
    unwrap: (value) => value,
    validate: async (value) => checkOne(dropNullOptionals(value, element)) ?? validateAs(schema as DtoClass, dropNullOptionals(value, element)),
  };
}

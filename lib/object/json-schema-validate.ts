import type { ObjectFieldError } from '../errors/object.exception.js';
import type { JsonSchema } from '../interfaces/tool.interface.js';

/**
 * Validates a JSON value against a JSON Schema, for `schema` given as JSON Schema rather than
 * a DTO class. It checks the keywords structured output uses: `type` (one or a list, with
 * `integer` and `null`), `enum`, `const`, `properties`, `required`, `additionalProperties`
 * (`false` or a schema), `items`, `minItems`, `maxItems`, `uniqueItems`, `minLength`,
 * `maxLength`, `pattern`, `format` (`email`, `uri`, `uuid`, `date-time`, `date`), `minimum`,
 * `maximum`, `exclusiveMinimum`, `exclusiveMaximum`, `multipleOf`, `anyOf`, `oneOf`, `allOf`
 * and local `$ref`s (`#/$defs/…`, `#/definitions/…`). Other keywords are not checked.
 */
export function validateJsonSchema(schema: JsonSchema, value: unknown): ObjectFieldError[] {
  const errors: ObjectFieldError[] = [];
  check(schema, value, '', schema, errors);
  return errors;
}

const FORMATS: Record<string, RegExp> = {
  email: /^[^\s@]+@[^\s@]+\.[^\s@]+$/,
  uri: /^[a-zA-Z][a-zA-Z0-9+.-]*:[^\s]*$/,
  uuid: /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/,
  'date-time': /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:?\d{2})?$/,
  date: /^\d{4}-\d{2}-\d{2}$/,
};

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function matchesType(type: string, value: unknown): boolean {
  if (type === 'integer') return typeof value === 'number' && Number.isInteger(value);
  if (type === 'number') return typeof value === 'number' && Number.isFinite(value);
  return typeOf(value) === type;
}

function child(path: string, key: string | number): string {
  return typeof key === 'number' ? `${path}[${key}]` : path ? `${path}.${key}` : key;
}

function resolveRef(ref: string, root: JsonSchema): JsonSchema | undefined {
  const match = /^#\/(\$defs|definitions)\/(.+)$/.exec(ref);
  const defs = match ? (root[match[1]] as Record<string, JsonSchema> | undefined) : undefined;
  return match ? defs?.[decodeURIComponent(match[2])] : undefined;
}

function check(schema: JsonSchema, value: unknown, path: string, root: JsonSchema, errors: ObjectFieldError[]): void {
  const fail = (message: string): void => void errors.push({ path, message });
  if (typeof schema.$ref === 'string') {
    const target = resolveRef(schema.$ref, root);
    if (!target) return fail(`the schema refers to ${schema.$ref}, which it does not define`);
    return check(target, value, path, root, errors);
  }
  const types = schema.type === undefined ? undefined : Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
  if (types && !types.some((type) => matchesType(type, value))) return fail(`must be ${types.join(' or ')}, not ${typeOf(value)}`);
  if (Array.isArray(schema.enum) && !schema.enum.some((option) => JSON.stringify(option) === JSON.stringify(value))) {
    return fail(`must be one of ${schema.enum.map((option) => JSON.stringify(option)).join(', ')}`);
  }
  if ('const' in schema && JSON.stringify(schema.const) !== JSON.stringify(value)) return fail(`must be ${JSON.stringify(schema.const)}`);
  for (const key of ['anyOf', 'oneOf'] as const) {
    const options = schema[key] as JsonSchema[] | undefined;
    if (!Array.isArray(options)) continue;
    const passing = options.filter((option) => validateSub(option, value, root));
    if (key === 'anyOf' ? passing.length === 0 : passing.length !== 1)
      fail(`must match ${key === 'anyOf' ? 'one of' : 'exactly one of'} the ${options.length} allowed shapes`);
  }
  if (Array.isArray(schema.allOf)) for (const part of schema.allOf as JsonSchema[]) check(part, value, path, root, errors);

  if (typeof value === 'string') {
    const length = [...value].length;
    if (typeof schema.minLength === 'number' && length < schema.minLength) fail(`must be at least ${schema.minLength} characters long`);
    if (typeof schema.maxLength === 'number' && length > schema.maxLength) fail(`must be at most ${schema.maxLength} characters long`);
    if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern, 'u').test(value)) fail(`must match the pattern ${schema.pattern}`);
    const format = typeof schema.format === 'string' ? FORMATS[schema.format] : undefined;
    if (format && !format.test(value)) fail(`must be a valid ${schema.format as string}`);
  }
  if (typeof value === 'number') {
    if (typeof schema.minimum === 'number' && value < schema.minimum) fail(`must be at least ${schema.minimum}`);
    if (typeof schema.maximum === 'number' && value > schema.maximum) fail(`must be at most ${schema.maximum}`);
    if (typeof schema.exclusiveMinimum === 'number' && value <= schema.exclusiveMinimum) fail(`must be greater than ${schema.exclusiveMinimum}`);
    if (typeof schema.exclusiveMaximum === 'number' && value >= schema.exclusiveMaximum) fail(`must be less than ${schema.exclusiveMaximum}`);
    if (typeof schema.multipleOf === 'number' && Math.abs(value / schema.multipleOf - Math.round(value / schema.multipleOf)) > 1e-9)
      fail(`must be a multiple of ${schema.multipleOf}`);
  }
  if (Array.isArray(value)) {
    if (typeof schema.minItems === 'number' && value.length < schema.minItems) fail(`must have at least ${schema.minItems} items`);
    if (typeof schema.maxItems === 'number' && value.length > schema.maxItems) fail(`must have at most ${schema.maxItems} items`);
    if (schema.uniqueItems === true && new Set(value.map((item) => JSON.stringify(item))).size !== value.length) fail('must not repeat items');
    if (typeof schema.items === 'object' && schema.items !== null)
      value.forEach((item, i) => check(schema.items as JsonSchema, item, child(path, i), root, errors));
  }
  if (typeOf(value) === 'object') {
    const record = value as Record<string, unknown>;
    const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
    for (const key of (schema.required as string[] | undefined) ?? [])
      if (!(key in record) || record[key] === undefined) errors.push({ path: child(path, key), message: 'is required' });
    for (const [key, item] of Object.entries(record)) {
      if (Object.prototype.hasOwnProperty.call(properties, key)) check(properties[key], item, child(path, key), root, errors);
      else if (schema.additionalProperties === false) errors.push({ path: child(path, key), message: 'is not an allowed property' });
      else if (typeof schema.additionalProperties === 'object' && schema.additionalProperties !== null)
        check(schema.additionalProperties as JsonSchema, item, child(path, key), root, errors);
    }
  }
}

function validateSub(schema: JsonSchema, value: unknown, root: JsonSchema): boolean {
  const errors: ObjectFieldError[] = [];
  check(schema, value, '', root, errors);
  return errors.length === 0;
}

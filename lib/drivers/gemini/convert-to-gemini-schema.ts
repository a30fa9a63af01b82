import type { JsonSchema } from '../../interfaces/tool.interface.js';
import type { GeminiSchema } from './gemini-api.types.js';

/** A JSON Schema keyword Gemini's `Schema` cannot express, and where it is. */
export class GeminiSchemaError extends Error {
  constructor(
    /** JSON-pointer-like path of the offending field, e.g. `properties.tags.items`. */
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${path || '(root)'}: ${reason}`);
    this.name = 'GeminiSchemaError';
  }
}

/** Keywords copied as they are (Gemini's `Schema` has them with the JSON Schema meaning). */
const COPIED = [
  'title',
  'description',
  'minItems',
  'maxItems',
  'minProperties',
  'maxProperties',
  'minLength',
  'maxLength',
  'pattern',
  'minimum',
  'maximum',
  'default',
  'example',
  'propertyOrdering',
] as const;

/** Keywords that change the shape of valid values in a way `Schema` cannot say. */
const REFUSED: Record<string, string> = {
  not: '"not" has no equivalent',
  if: '"if"/"then"/"else" have no equivalent',
  then: '"if"/"then"/"else" have no equivalent',
  else: '"if"/"then"/"else" have no equivalent',
  patternProperties: '"patternProperties" has no equivalent',
  dependentSchemas: '"dependentSchemas" has no equivalent',
  dependentRequired: '"dependentRequired" has no equivalent',
  prefixItems: 'tuples ("prefixItems") have no equivalent',
  propertyNames: '"propertyNames" has no equivalent',
  contains: '"contains" has no equivalent',
};

const TYPES = new Set(['string', 'number', 'integer', 'boolean', 'array', 'object']);
/** The formats Gemini honours, per type; any other format is a hint and is dropped. */
const FORMATS: Record<string, ReadonlySet<string>> = {
  string: new Set(['date-time', 'enum']),
  number: new Set(['float', 'double']),
  integer: new Set(['int32', 'int64']),
};

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

const join = (path: string, key: string) => (path ? `${path}.${key}` : key);

/** Resolves `#/$defs/x` and `#/definitions/x` against the root schema. */
function resolveRef(root: JsonSchema, ref: string, path: string): JsonSchema {
  const match = /^#\/(\$defs|definitions)\/([^/]+)$/.exec(ref);
  const target = match ? (root[match[1]] as Record<string, unknown> | undefined)?.[decodeURIComponent(match[2])] : undefined;
  if (!isObject(target)) throw new GeminiSchemaError(path, `"$ref": "${ref}" does not point into this schema's $defs`);
  return target;
}

/**
 * Converts a JSON Schema (draft 2020-12 / 7, as tools and structured output give it) to the
 * OpenAPI-style subset Gemini takes as a function's `parameters` or as `responseSchema`:
 * `type` (a single one, `nullable` for a union with `null`), `enum` (of strings), `items`,
 * `properties` / `required`, `anyOf` (from `anyOf` / `oneOf`), the length, size and range
 * bounds, `title`, `description`, `default`. `const` becomes a one-value `enum`; local `$ref`s
 * are inlined; an `allOf` of one schema is that schema. Annotations and constraints Gemini has
 * no field for (`multipleOf`, `uniqueItems`, `additionalProperties: false`, other `format`s…)
 * are dropped. What cannot be expressed (`not`, `if`, tuples, maps via `additionalProperties`,
 * recursive `$ref`s, a non-string `enum`…) throws a {@link GeminiSchemaError} naming the field.
 */
export function convertToGeminiSchema(schema: JsonSchema, root: JsonSchema = schema): GeminiSchema {
  return convert(schema, root, '', new Set());
}

function convert(input: unknown, root: JsonSchema, path: string, refs: ReadonlySet<string>): GeminiSchema {
  if (input === true || (isObject(input) && Object.keys(input).length === 0)) {
    throw new GeminiSchemaError(path, 'a schema that accepts any value has no equivalent (give it a type)');
  }
  if (!isObject(input)) throw new GeminiSchemaError(path, 'is not a schema object');
  const schema = input;

  if (typeof schema.$ref === 'string') {
    const ref = schema.$ref;
    if (refs.has(ref)) throw new GeminiSchemaError(path, `recursive "$ref": "${ref}" has no equivalent`);
    const { $ref: _ref, ...siblings } = schema;
    return convert({ ...resolveRef(root, ref, path), ...siblings }, root, path, new Set([...refs, ref]));
  }
  if (schema.allOf !== undefined) {
    const all = schema.allOf;
    if (!Array.isArray(all) || all.length !== 1) throw new GeminiSchemaError(join(path, 'allOf'), '"allOf" of several schemas has no equivalent');
    const { allOf: _allOf, ...siblings } = schema;
    return convert({ ...(all[0] as Record<string, unknown>), ...siblings }, root, path, refs);
  }

  for (const key of Object.keys(schema)) {
    if (key in REFUSED) throw new GeminiSchemaError(join(path, key), REFUSED[key]);
  }
  if (schema.items !== undefined && !isObject(schema.items)) {
    throw new GeminiSchemaError(join(path, 'items'), 'tuples ("items" as an array or boolean) have no equivalent');
  }
  if (isObject(schema.additionalProperties) && Object.keys(schema.additionalProperties).length > 0) {
    throw new GeminiSchemaError(join(path, 'additionalProperties'), 'maps (an "additionalProperties" schema) have no equivalent');
  }

  const out: GeminiSchema = {};
  let nullable = schema.nullable === true;

  // anyOf / oneOf: a union; a `null` member makes the rest nullable
  const union = schema.anyOf ?? schema.oneOf;
  if (union !== undefined) {
    const key = schema.anyOf !== undefined ? 'anyOf' : 'oneOf';
    if (!Array.isArray(union) || union.length === 0) throw new GeminiSchemaError(join(path, key), `"${key}" must be a non-empty array`);
    const isNull = (member: unknown) => isObject(member) && member.type === 'null' && Object.keys(member).length === 1;
    const converted = union.flatMap((member, i) => (isNull(member) ? [] : [convert(member, root, join(path, `${key}[${i}]`), refs)]));
    if (converted.length < union.length) nullable = true;
    if (converted.length === 0) throw new GeminiSchemaError(join(path, key), 'a union of only null has no equivalent');
    if (converted.length === 1 && schema.type === undefined) Object.assign(out, converted[0]);
    else out.anyOf = converted;
  }

  // type: one name, or an array of names (with "null" → nullable; several others → anyOf)
  const declared = schema.type;
  let types: string[] = declared === undefined ? [] : Array.isArray(declared) ? (declared as unknown[]).map(String) : [String(declared)];
  if (types.includes('null')) {
    nullable = true;
    types = types.filter((t) => t !== 'null');
    if (types.length === 0 && union === undefined) throw new GeminiSchemaError(join(path, 'type'), 'a schema that only allows null has no equivalent');
  }
  for (const type of types) {
    if (!TYPES.has(type)) throw new GeminiSchemaError(join(path, 'type'), `unknown type "${type}"`);
  }
  if (types.length > 1) {
    if (union !== undefined) throw new GeminiSchemaError(join(path, 'type'), 'several types together with "anyOf" have no equivalent');
    const { type: _type, nullable: _nullable, ...rest } = schema;
    out.anyOf = types.map((type) => convert({ ...rest, type }, root, path, refs));
  } else if (types.length === 1) {
    out.type = types[0];
  }

  // enum / const: Gemini's enum holds strings only
  const values = schema.const !== undefined ? [schema.const] : schema.enum;
  if (values !== undefined) {
    const key = schema.const !== undefined ? 'const' : 'enum';
    if (!Array.isArray(values)) throw new GeminiSchemaError(join(path, key), `"${key}" must be an array`);
    const present = values.filter((v) => v !== null);
    if (present.length < values.length) nullable = true;
    if (present.some((v) => typeof v !== 'string')) throw new GeminiSchemaError(join(path, key), `Gemini takes only string values in "${key}"`);
    out.type ??= 'string';
    if (out.type !== 'string') throw new GeminiSchemaError(join(path, key), `Gemini takes "${key}" on strings only, not on ${out.type}`);
    out.enum = present as string[];
  }

  const type = out.type;
  if (typeof schema.format === 'string' && type && FORMATS[type]?.has(schema.format)) out.format = schema.format;

  for (const key of COPIED) {
    if (schema[key] !== undefined) (out as Record<string, unknown>)[key] = schema[key];
  }

  if (schema.properties !== undefined) {
    if (!isObject(schema.properties)) throw new GeminiSchemaError(join(path, 'properties'), '"properties" must be an object');
    const properties: Record<string, GeminiSchema> = {};
    for (const [name, property] of Object.entries(schema.properties)) {
      properties[name] = convert(property, root, join(join(path, 'properties'), name), refs);
    }
    out.type ??= 'object';
    out.properties = properties;
  }
  if (schema.required !== undefined) {
    if (!Array.isArray(schema.required)) throw new GeminiSchemaError(join(path, 'required'), '"required" must be an array of names');
    const known = Object.keys(out.properties ?? {});
    const unknown = (schema.required as unknown[]).find((name) => typeof name !== 'string' || !known.includes(name));
    if (unknown !== undefined) throw new GeminiSchemaError(join(path, 'required'), `"${String(unknown)}" is required but not among the properties`);
    if (schema.required.length > 0) out.required = schema.required as string[];
  }
  if (isObject(schema.items)) {
    out.type ??= 'array';
    out.items = convert(schema.items, root, join(path, 'items'), refs);
  }
  if (out.type === 'array' && out.items === undefined) throw new GeminiSchemaError(path, 'an array needs an "items" schema');
  if (out.type === undefined && out.anyOf === undefined) throw new GeminiSchemaError(path, 'a schema without a type has no equivalent (give it a type)');
  if (nullable) out.nullable = true;
  // any other keyword (annotations, constraints Gemini has no field for) is left out
  return out;
}

/** True when an object schema has no properties: Gemini wants `parameters` left out then. */
export function hasNoProperties(schema: GeminiSchema): boolean {
  return schema.type === 'object' && Object.keys(schema.properties ?? {}).length === 0 && schema.anyOf === undefined;
}

import type { JsonSchema } from '../../interfaces/tool.interface.js';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The schema, made to accept `null` too (how strict mode spells an optional property). */
function nullable(schema: JsonSchema): JsonSchema {
  const type = schema.type;
  if (typeof type === 'string') {
    if (type === 'null') return schema;
    const out: JsonSchema = { ...schema, type: [type, 'null'] };
    if (Array.isArray(schema.enum) && !schema.enum.includes(null)) out.enum = [...schema.enum, null];
    return out;
  }
  if (Array.isArray(type)) {
    if (type.includes('null')) return schema;
    const out: JsonSchema = { ...schema, type: [...type, 'null'] };
    if (Array.isArray(schema.enum) && !schema.enum.includes(null)) out.enum = [...schema.enum, null];
    return out;
  }
  if (Array.isArray(schema.anyOf)) {
    return schema.anyOf.some((s) => isRecord(s) && s.type === 'null') ? schema : { ...schema, anyOf: [...schema.anyOf, { type: 'null' }] };
  }
  // $ref, const, or an untyped schema
  return { anyOf: [schema, { type: 'null' }] };
}

function isObjectSchema(schema: JsonSchema): boolean {
  const type = schema.type;
  return type === 'object' || (Array.isArray(type) && type.includes('object')) || (type === undefined && isRecord(schema.properties));
}

function convert(schema: unknown): unknown {
  if (!isRecord(schema)) return schema;
  const out: JsonSchema = { ...schema };
  if (isObjectSchema(schema)) {
    const properties = isRecord(schema.properties) ? schema.properties : {};
    const required = new Set(Array.isArray(schema.required) ? schema.required.filter((name): name is string => typeof name === 'string') : []);
    const converted: Record<string, unknown> = {};
    for (const [name, property] of Object.entries(properties)) {
      const strict = convert(property);
      converted[name] = required.has(name) || !isRecord(strict) ? strict : nullable(strict);
    }
    out.properties = converted;
    out.required = Object.keys(converted);
    out.additionalProperties = false;
  }
  if (schema.items !== undefined) out.items = Array.isArray(schema.items) ? schema.items.map(convert) : convert(schema.items);
  if (Array.isArray(schema.prefixItems)) out.prefixItems = schema.prefixItems.map(convert);
  // strict mode takes anyOf, not oneOf: the two agree whenever the branches do not overlap
  if (Array.isArray(schema.oneOf)) {
    delete out.oneOf;
    out.anyOf = [...(Array.isArray(out.anyOf) ? out.anyOf.map(convert) : []), ...schema.oneOf.map(convert)];
  } else if (Array.isArray(schema.anyOf)) {
    out.anyOf = schema.anyOf.map(convert);
  }
  if (Array.isArray(schema.allOf)) out.allOf = schema.allOf.map(convert);
  for (const key of ['$defs', 'definitions'] as const) {
    const defs = schema[key];
    if (isRecord(defs)) out[key] = Object.fromEntries(Object.entries(defs).map(([name, def]) => [name, convert(def)]));
  }
  return out;
}

/**
 * Makes a JSON Schema meet OpenAI's structured-output strict mode: every object lists all
 * its properties in `required` and has `additionalProperties: false`; a property that was
 * optional becomes nullable (`type: [t, 'null']`, `null` added to an `enum`, or
 * `anyOf: [schema, { type: 'null' }]`), so the model sends `null` for it; `oneOf` becomes
 * `anyOf`. Nested objects, arrays (`items`, `prefixItems`), `anyOf` / `allOf` branches and
 * `$defs` are converted too. The input is not changed. An object with no `properties` (a
 * free-form map) cannot be expressed in strict mode: it becomes an object with no properties.
 */
export function toOpenAIStrictSchema(schema: JsonSchema): JsonSchema {
  return convert(schema) as JsonSchema;
}

/** Strict mode needs an object at the root. */
export function isStrictCompatibleRoot(schema: JsonSchema): boolean {
  return isObjectSchema(schema) && schema.anyOf === undefined && schema.oneOf === undefined;
}

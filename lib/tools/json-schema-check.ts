import type { JsonSchema } from '../interfaces/tool.interface.js';

const TYPES = new Set(['string', 'number', 'integer', 'boolean', 'object', 'array', 'null']);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Problems with a tool's parameter schema, each as `path: why` (empty when it can be sent):
 * an object schema at the top, known `type` names, schema objects under `properties`, `items`,
 * `anyOf` / `oneOf` / `allOf`, and `required` naming declared properties.
 */
export function jsonSchemaProblems(schema: unknown, path = 'parameters', top = true): string[] {
  if (!isObject(schema)) return [`${path}: must be a JSON Schema object`];
  const problems: string[] = [];
  const type = schema.type;
  if (top && type !== 'object') problems.push(`${path}.type: must be "object" (a tool takes named arguments)`);
  const types = Array.isArray(type) ? type : type === undefined ? [] : [type];
  for (const t of types) if (typeof t !== 'string' || !TYPES.has(t)) problems.push(`${path}.type: "${String(t)}" is not a JSON Schema type`);
  if (schema.properties !== undefined) {
    if (!isObject(schema.properties)) problems.push(`${path}.properties: must be an object`);
    else for (const [key, value] of Object.entries(schema.properties)) problems.push(...jsonSchemaProblems(value, `${path}.properties.${key}`, false));
  }
  if (schema.required !== undefined) {
    if (!Array.isArray(schema.required) || !schema.required.every((r) => typeof r === 'string'))
      problems.push(`${path}.required: must be an array of property names`);
    else if (isObject(schema.properties)) {
      for (const name of schema.required as string[]) if (!(name in schema.properties)) problems.push(`${path}.required: "${name}" is not a declared property`);
    }
  }
  if (schema.items !== undefined) problems.push(...jsonSchemaProblems(schema.items, `${path}.items`, false));
  for (const key of ['anyOf', 'oneOf', 'allOf'] as const) {
    const list = schema[key];
    if (list === undefined) continue;
    if (!Array.isArray(list)) problems.push(`${path}.${key}: must be an array of schemas`);
    else list.forEach((item, i) => problems.push(...jsonSchemaProblems(item, `${path}.${key}[${i}]`, false)));
  }
  if (schema.enum !== undefined && !Array.isArray(schema.enum)) problems.push(`${path}.enum: must be an array`);
  return problems;
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function matchesType(value: unknown, type: string): boolean {
  switch (type) {
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'object':
      return isObject(value);
    default:
      return typeOf(value) === type;
  }
}

/**
 * Checks a value against the common JSON Schema subset tools use (`type`, `properties`,
 * `required`, `additionalProperties: false`, `enum`, `const`, `items`, `minimum` / `maximum`,
 * `minLength` / `maxLength`, `pattern`, `minItems` / `maxItems`, `anyOf` / `oneOf` / `allOf`).
 * Returns the problems as `path: why`, empty when it is valid. Keywords it does not know are ignored.
 */
export function validateJson(value: unknown, schema: JsonSchema, path = ''): string[] {
  const at = path || '(arguments)';
  const problems: string[] = [];
  const types = Array.isArray(schema.type) ? (schema.type as string[]) : typeof schema.type === 'string' ? [schema.type] : [];
  if (schema.nullable === true && value === null) return [];
  if (types.length > 0 && !types.some((t) => matchesType(value, t))) {
    return [
      `${at}: must be ${types.map((t) => (t === 'integer' ? 'an integer' : t === 'object' || t === 'array' ? `an ${t}` : `a ${t}`)).join(' or ')}, got ${typeOf(value)}`,
    ];
  }
  if (Array.isArray(schema.enum) && !schema.enum.some((option) => JSON.stringify(option) === JSON.stringify(value))) {
    problems.push(`${at}: must be one of ${schema.enum.map((o) => JSON.stringify(o)).join(', ')}`);
  }
  if ('const' in schema && JSON.stringify(schema.const) !== JSON.stringify(value)) problems.push(`${at}: must be ${JSON.stringify(schema.const)}`);
  if (typeof value === 'number') {
    if (typeof schema.minimum === 'number' && value < schema.minimum) problems.push(`${at}: must be >= ${schema.minimum}`);
    if (typeof schema.maximum === 'number' && value > schema.maximum) problems.push(`${at}: must be <= ${schema.maximum}`);
  }
  if (typeof value === 'string') {
    if (typeof schema.minLength === 'number' && value.length < schema.minLength) problems.push(`${at}: must be at least ${schema.minLength} characters`);
    if (typeof schema.maxLength === 'number' && value.length > schema.maxLength) problems.push(`${at}: must be at most ${schema.maxLength} characters`);
    if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern, 'u').test(value)) problems.push(`${at}: must match ${schema.pattern}`);
  }
  if (Array.isArray(value)) {
    if (typeof schema.minItems === 'number' && value.length < schema.minItems) problems.push(`${at}: must have at least ${schema.minItems} items`);
    if (typeof schema.maxItems === 'number' && value.length > schema.maxItems) problems.push(`${at}: must have at most ${schema.maxItems} items`);
    if (isObject(schema.items)) value.forEach((item, i) => problems.push(...validateJson(item, schema.items as JsonSchema, `${path}[${i}]`)));
  }
  if (isObject(value)) {
    const properties = isObject(schema.properties) ? schema.properties : {};
    const required = Array.isArray(schema.required) ? (schema.required as string[]) : [];
    for (const name of required) if (value[name] === undefined) problems.push(`${path ? `${path}.` : ''}${name}: is required`);
    for (const [name, item] of Object.entries(value)) {
      const child = path ? `${path}.${name}` : name;
      if (isObject(properties[name])) problems.push(...validateJson(item, properties[name] as JsonSchema, child));
      else if (schema.additionalProperties === false) problems.push(`${child}: is not an allowed property`);
      else if (isObject(schema.additionalProperties)) problems.push(...validateJson(item, schema.additionalProperties, child));
    }
  }
  for (const key of ['anyOf', 'oneOf'] as const) {
    const options = schema[key];
    if (Array.isArray(options) && options.length > 0 && !options.some((option) => isObject(option) && validateJson(value, option).length === 0)) {
      problems.push(`${at}: matches none of the allowed schemas`);
    }
  }
  if (Array.isArray(schema.allOf)) for (const part of schema.allOf) if (isObject(part)) problems.push(...validateJson(value, part, path));
  return problems;
}

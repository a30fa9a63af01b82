import { convertToGeminiSchema, GeminiSchemaError, hasNoProperties } from './convert-to-gemini-schema.js';

function refusal(schema: Record<string, unknown>): GeminiSchemaError {
  try {
    convertToGeminiSchema(schema);
  } catch (error) {
    expect(error).toBeInstanceOf(GeminiSchemaError);
    return error as GeminiSchemaError;
  }
  throw new Error(`expected ${JSON.stringify(schema)} to be refused`);
}

describe('convertToGeminiSchema', () => {
  it('keeps what Gemini’s Schema has: types, properties, required, items, bounds, enum, descriptions', () => {
    expect(
      convertToGeminiSchema({
        $schema: 'https://json-schema.org/draft/2020-12/schema',
        type: 'object',
        title: 'Contact',
        description: 'A person',
        additionalProperties: false,
        properties: {
          name: { type: 'string', minLength: 1, maxLength: 80, pattern: '^\\S' },
          age: { type: 'integer', minimum: 0, maximum: 150, format: 'int32' },
          score: { type: 'number', format: 'double', multipleOf: 0.5 },
          when: { type: 'string', format: 'date-time' },
          email: { type: 'string', format: 'email' },
          kind: { type: 'string', enum: ['person', 'company'] },
          tags: { type: 'array', items: { type: 'string' }, minItems: 1, maxItems: 5, uniqueItems: true },
          ok: { type: 'boolean', default: true },
        },
        required: ['name', 'tags'],
      }),
    ).toEqual({
      type: 'object',
      title: 'Contact',
      description: 'A person',
      properties: {
        name: { type: 'string', minLength: 1, maxLength: 80, pattern: '^\\S' },
        age: { type: 'integer', minimum: 0, maximum: 150, format: 'int32' },
        score: { type: 'number', format: 'double' },
        when: { type: 'string', format: 'date-time' },
        email: { type: 'string' },
        kind: { type: 'string', enum: ['person', 'company'] },
        tags: { type: 'array', items: { type: 'string' }, minItems: 1, maxItems: 5 },
        ok: { type: 'boolean', default: true },
      },
      required: ['name', 'tags'],
    });
  });

  it('turns a union with null into nullable, several types into anyOf, const into a one-value enum, oneOf into anyOf', () => {
    expect(convertToGeminiSchema({ type: ['string', 'null'] })).toEqual({ type: 'string', nullable: true });
    expect(convertToGeminiSchema({ anyOf: [{ type: 'integer' }, { type: 'null' }] })).toEqual({ type: 'integer', nullable: true });
    expect(convertToGeminiSchema({ type: ['string', 'number'] })).toEqual({ anyOf: [{ type: 'string' }, { type: 'number' }] });
    expect(convertToGeminiSchema({ const: 'fixed' })).toEqual({ type: 'string', enum: ['fixed'] });
    expect(convertToGeminiSchema({ enum: ['a', null] })).toEqual({ type: 'string', enum: ['a'], nullable: true });
    expect(convertToGeminiSchema({ oneOf: [{ type: 'string' }, { type: 'object', properties: { x: { type: 'number' } } }] })).toEqual({
      anyOf: [{ type: 'string' }, { type: 'object', properties: { x: { type: 'number' } } }],
    });
  });

  it('inlines local $refs and a single allOf', () => {
    expect(
      convertToGeminiSchema({
        type: 'object',
        $defs: { Address: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
        properties: { home: { $ref: '#/$defs/Address', description: 'where they live' }, work: { allOf: [{ $ref: '#/$defs/Address' }] } },
      }),
    ).toEqual({
      type: 'object',
      properties: {
        home: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], description: 'where they live' },
        work: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
      },
    });
  });

  it.each([
    [{ type: 'object', properties: { meta: { type: 'object', additionalProperties: { type: 'string' } } } }, 'properties.meta.additionalProperties', /maps/],
    [{ type: 'object', properties: { x: { not: { type: 'string' } } } }, 'properties.x.not', /"not"/],
    [{ type: 'array', prefixItems: [{ type: 'string' }] }, 'prefixItems', /tuples/],
    [{ type: 'array', items: [{ type: 'string' }] }, 'items', /tuples/],
    [{ type: 'array' }, '', /"items"/],
    [{ type: 'object', properties: { level: { enum: [1, 2, 3] } } }, 'properties.level.enum', /only string values/],
    [{ type: 'object', properties: { n: { type: 'integer', enum: ['1'] } } }, 'properties.n.enum', /on strings only/],
    [{ type: 'object', properties: { any: {} } }, 'properties.any', /accepts any value/],
    [{ type: 'object', properties: { v: { type: 'date' } } }, 'properties.v.type', /unknown type "date"/],
    [{ type: 'object', properties: { a: { type: 'string' } }, required: ['a', 'b'] }, 'required', /"b" is required but not among the properties/],
    [{ $defs: { Node: { type: 'object', properties: { next: { $ref: '#/$defs/Node' } } } }, $ref: '#/$defs/Node' }, 'properties.next', /recursive/],
    [{ type: 'object', properties: { x: { $ref: 'https://example.com/x.json' } } }, 'properties.x', /does not point into this schema/],
    [{ allOf: [{ type: 'object' }, { type: 'object' }] }, 'allOf', /several schemas/],
    [{ type: 'null' }, 'type', /only allows null/],
  ])('refuses %j at %s', (schema, path, reason) => {
    const error = refusal(schema as Record<string, unknown>);
    expect(error.path).toBe(path);
    expect(error.reason).toMatch(reason);
  });

  it('tells an object without properties (a tool without arguments) apart', () => {
    expect(hasNoProperties(convertToGeminiSchema({ type: 'object' }))).toBe(true);
    expect(hasNoProperties(convertToGeminiSchema({ type: 'object', properties: {} }))).toBe(true);
    expect(hasNoProperties(convertToGeminiSchema({ type: 'object', properties: { a: { type: 'string' } } }))).toBe(false);
  });
});

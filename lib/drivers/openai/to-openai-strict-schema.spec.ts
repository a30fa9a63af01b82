import { isStrictCompatibleRoot, toOpenAIStrictSchema } from './to-openai-strict-schema.js';

describe('toOpenAIStrictSchema', () => {
  it('requires every property, closes the object, and makes the optional ones nullable', () => {
    const schema = {
      type: 'object',
      properties: { name: { type: 'string' }, email: { type: 'string', format: 'email' }, age: { type: 'integer', minimum: 0 } },
      required: ['name'],
    };
    expect(toOpenAIStrictSchema(schema)).toEqual({
      type: 'object',
      properties: { name: { type: 'string' }, email: { type: ['string', 'null'], format: 'email' }, age: { type: ['integer', 'null'], minimum: 0 } },
      required: ['name', 'email', 'age'],
      additionalProperties: false,
    });
    // the input is left alone
    expect(schema.required).toEqual(['name']);
    expect(schema).not.toHaveProperty('additionalProperties');
  });

  it('converts nested objects, arrays of objects and $defs, and keeps their own required lists apart', () => {
    const out = toOpenAIStrictSchema({
      type: 'object',
      properties: {
        address: { type: 'object', properties: { city: { type: 'string' }, zip: { type: 'string' } }, required: ['city'] },
        tags: { type: 'array', items: { type: 'object', properties: { label: { type: 'string' } } } },
        owner: { $ref: '#/$defs/person' },
      },
      required: ['address', 'tags'],
      $defs: { person: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] } },
    });
    expect(out.required).toEqual(['address', 'tags', 'owner']);
    const properties = out.properties as Record<string, Record<string, unknown>>;
    expect(properties.address).toEqual({
      type: 'object',
      properties: { city: { type: 'string' }, zip: { type: ['string', 'null'] } },
      required: ['city', 'zip'],
      additionalProperties: false,
    });
    expect(properties.tags.items).toEqual({
      type: 'object',
      properties: { label: { type: ['string', 'null'] } },
      required: ['label'],
      additionalProperties: false,
    });
    // an optional $ref cannot take a type: it is wrapped
    expect(properties.owner).toEqual({ anyOf: [{ $ref: '#/$defs/person' }, { type: 'null' }] });
    expect((out.$defs as Record<string, unknown>).person).toEqual({
      type: 'object',
      properties: { id: { type: 'string' } },
      required: ['id'],
      additionalProperties: false,
    });
  });

  it('adds null to an optional enum, leaves an already nullable type, and turns oneOf into anyOf', () => {
    const out = toOpenAIStrictSchema({
      type: 'object',
      properties: {
        level: { type: 'string', enum: ['low', 'high'] },
        note: { type: ['string', 'null'] },
        value: { oneOf: [{ type: 'number' }, { type: 'object', properties: { unit: { type: 'string' } }, required: ['unit'] }] },
      },
      required: ['value'],
    });
    const properties = out.properties as Record<string, Record<string, unknown>>;
    expect(properties.level).toEqual({ type: ['string', 'null'], enum: ['low', 'high', null] });
    expect(properties.note).toEqual({ type: ['string', 'null'] });
    expect(properties.value).toEqual({
      anyOf: [{ type: 'number' }, { type: 'object', properties: { unit: { type: 'string' } }, required: ['unit'], additionalProperties: false }],
    });
  });

  it('makes an optional anyOf nullable by adding a null branch, once', () => {
    const out = toOpenAIStrictSchema({
      type: 'object',
      properties: { x: { anyOf: [{ type: 'string' }, { type: 'null' }] }, y: { anyOf: [{ type: 'string' }] } },
    });
    const properties = out.properties as Record<string, unknown>;
    expect(properties.x).toEqual({ anyOf: [{ type: 'string' }, { type: 'null' }] });
    expect(properties.y).toEqual({ anyOf: [{ type: 'string' }, { type: 'null' }] });
  });

  it('closes a free-form object and one that allowed extra properties', () => {
    expect(toOpenAIStrictSchema({ type: 'object', additionalProperties: true })).toEqual({
      type: 'object',
      properties: {},
      required: [],
      additionalProperties: false,
    });
  });

  it('says which roots strict mode takes', () => {
    expect(isStrictCompatibleRoot({ type: 'object', properties: {} })).toBe(true);
    expect(isStrictCompatibleRoot({ type: 'array', items: { type: 'string' } })).toBe(false);
    expect(isStrictCompatibleRoot({ anyOf: [{ type: 'object' }] })).toBe(false);
  });
});

import 'reflect-metadata';
import { Type } from 'class-transformer';
import {
  Allow,
  ArrayMaxSize,
  ArrayMinSize,
  ArrayNotEmpty,
  ArrayUnique,
  Equals,
  IsArray,
  IsBoolean,
  IsDate,
  IsDateString,
  IsDefined,
  IsEmail,
  IsEnum,
  IsIn,
  IsInt,
  IsISO8601,
  IsNegative,
  IsNotEmpty,
  IsNumber,
  IsObject,
  IsOptional,
  IsPositive,
  IsString,
  IsUrl,
  IsUUID,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  Validate,
  ValidateIf,
  ValidateNested,
  type ValidatorConstraintInterface,
} from 'class-validator';
import { SchemaConversionException } from '../errors/object.exception.js';
import { Describe, type AnyClass } from './describe.decorator.js';
import { dtoToJsonSchema } from './dto-to-json-schema.js';

function problemsOf(cls: AnyClass): string[] {
  try {
    dtoToJsonSchema(cls);
  } catch (error) {
    expect(error).toBeInstanceOf(SchemaConversionException);
    return (error as SchemaConversionException).problems;
  }
  throw new Error(`${cls.name} converted without error`);
}

describe('dtoToJsonSchema', () => {
  it('maps scalar types, presence and descriptions', () => {
    @Describe('A person to contact')
    class Contact {
      @Describe('Full name') @IsString() @IsNotEmpty() name!: string;
      @IsOptional() @IsInt() @Min(0) @Max(150) age?: number;
      @IsNumber() @IsPositive() score!: number;
      @IsNumber() @IsNegative() debt!: number;
      @IsBoolean() active!: boolean;
      @IsDefined() @IsString() note!: string;
    }
    expect(dtoToJsonSchema(Contact)).toEqual({
      type: 'object',
      description: 'A person to contact',
      properties: {
        name: { type: 'string', minLength: 1, description: 'Full name' },
        age: { type: 'integer', minimum: 0, maximum: 150 },
        score: { type: 'number', exclusiveMinimum: 0 },
        debt: { type: 'number', exclusiveMaximum: 0 },
        active: { type: 'boolean' },
        note: { type: 'string' },
      },
      required: ['name', 'score', 'debt', 'active', 'note'],
      additionalProperties: false,
    });
  });

  it('keeps the declaration order of properties and JSON.stringify-able output', () => {
    class Ordered {
      @IsString() z!: string;
      @IsString() a!: string;
      @IsString() m!: string;
    }
    const schema = dtoToJsonSchema(Ordered);
    expect(Object.keys(schema.properties as object)).toEqual(['z', 'a', 'm']);
    expect(JSON.parse(JSON.stringify(schema))).toEqual(schema);
  });

  it('maps string lengths, patterns and formats', () => {
    class Strings {
      @IsString() @Length(2, 10) code!: string;
      @IsString() @MinLength(3) @MaxLength(5) short!: string;
      @Matches(/^[A-Z]{3}$/) currency!: string;
      @Matches('^\\d+$') digits!: string;
      @IsEmail() email!: string;
      @IsUrl() site!: string;
      @IsUUID() id!: string;
      @IsISO8601() at!: string;
      @IsDateString() on!: string;
    }
    expect(dtoToJsonSchema(Strings).properties).toEqual({
      code: { type: 'string', minLength: 2, maxLength: 10 },
      short: { type: 'string', minLength: 3, maxLength: 5 },
      currency: { type: 'string', pattern: '^[A-Z]{3}$' },
      digits: { type: 'string', pattern: '^\\d+$' },
      email: { type: 'string', format: 'email' },
      site: { type: 'string', format: 'uri' },
      id: { type: 'string', format: 'uuid' },
      at: { type: 'string', format: 'date-time' },
      on: { type: 'string', format: 'date-time' },
    });
  });

  it('maps enums (string, numeric), IsIn and Equals', () => {
    enum Color {
      Red = 'red',
      Green = 'green',
    }
    enum Level {
      Low,
      High,
    }
    class Choices {
      @IsEnum(Color) color!: Color;
      @IsEnum(Level) level!: Level;
      @IsIn(['a', 'b']) letter!: string;
      @IsIn([1, 2.5]) step!: number;
      @Equals('fixed') kind!: 'fixed';
    }
    expect(dtoToJsonSchema(Choices).properties).toEqual({
      color: { type: 'string', enum: ['red', 'green'] },
      level: { type: 'integer', enum: [0, 1] },
      letter: { type: 'string', enum: ['a', 'b'] },
      step: { type: 'number', enum: [1, 2.5] },
      kind: { type: 'string', const: 'fixed' },
    });
  });

  it('maps arrays: each rules to items, array rules to the array', () => {
    class Lists {
      @IsArray() @IsString({ each: true }) @MaxLength(20, { each: true }) @ArrayMaxSize(5) tags!: string[];
      @IsInt({ each: true }) @Min(1, { each: true }) @ArrayMinSize(1) @ArrayUnique() ids!: number[];
      @IsArray() @ArrayNotEmpty() @IsIn(['x', 'y'], { each: true }) picks!: string[];
    }
    expect(dtoToJsonSchema(Lists).properties).toEqual({
      tags: { type: 'array', items: { type: 'string', maxLength: 20 }, maxItems: 5 },
      ids: { type: 'array', items: { type: 'integer', minimum: 1 }, minItems: 1, uniqueItems: true },
      picks: { type: 'array', items: { type: 'string', enum: ['x', 'y'] }, minItems: 1 },
    });
  });

  it('maps nested classes and arrays of them (@ValidateNested + @Type), with inherited properties', () => {
    class Address {
      @IsString() city!: string;
      @IsOptional() @IsString() zip?: string;
    }
    class Base {
      @IsString() id!: string;
    }
    class Company extends Base {
      @ValidateNested() @Type(() => Address) address!: Address;
      @IsArray() @ValidateNested({ each: true }) @Type(() => Address) offices!: Address[];
      @IsOptional() @IsObject() extra?: Record<string, unknown>;
    }
    const address = {
      type: 'object',
      properties: { city: { type: 'string' }, zip: { type: 'string' } },
      required: ['city'],
      additionalProperties: false,
    };
    expect(dtoToJsonSchema(Company)).toEqual({
      type: 'object',
      properties: { id: { type: 'string' }, address, offices: { type: 'array', items: address }, extra: { type: 'object' } },
      required: ['id', 'address', 'offices'],
      additionalProperties: false,
    });
  });

  it('uses the TypeScript type when no type decorator is there', () => {
    class Reflected {
      @Describe('a name') @IsOptional() name?: string;
      @IsNotEmpty() count!: number;
      @Allow() flag!: boolean;
    }
    expect(dtoToJsonSchema(Reflected).properties).toEqual({
      name: { type: 'string', description: 'a name' },
      count: { type: 'number' },
      flag: { type: 'boolean' },
    });
  });

  it('names the class and property of every decorator it cannot express', () => {
    class Checker implements ValidatorConstraintInterface {
      validate() {
        return true;
      }
    }
    class Unsupported {
      @IsDate() when!: Date;
      @Validate(Checker) custom!: string;
      @ValidateIf(() => true) @IsString() maybe!: string;
      @IsString({ groups: ['admin'] }) secret!: string;
      @Matches(/abc/i) loose!: string;
      @IsNumber({ maxDecimalPlaces: 2 }) price!: number;
      @IsString() @Min(3) mixed!: string;
      @IsString() @IsInt() both!: string;
    }
    expect(problemsOf(Unsupported)).toEqual([
      'Unsupported.when: @IsDate cannot be expressed in JSON Schema',
      'Unsupported.custom: @Validate (a custom constraint) cannot be expressed in JSON Schema',
      'Unsupported.maybe: @ValidateIf cannot be expressed in JSON Schema',
      'Unsupported.secret: @IsString has validation groups, which JSON Schema cannot express',
      'Unsupported.loose: @Matches with flags "i" cannot be expressed in JSON Schema (a pattern has no flags)',
      'Unsupported.price: @IsNumber({ maxDecimalPlaces }) cannot be expressed in JSON Schema',
      'Unsupported.mixed: Unsupported.mixed is string but has minimum (rules for another type)',
      'Unsupported.both: is declared both integer and string',
    ]);
    expect(() => dtoToJsonSchema(Unsupported)).toThrow(/Unsupported\.when: @IsDate/);
  });

  it('rejects nested properties without a class, untyped properties, recursion and empty classes', () => {
    class Node {
      @IsString() label!: string;
      @IsOptional() @ValidateNested() @Type(() => Node) child?: Node;
    }
    class NoType {
      @ValidateNested() thing!: unknown;
      @IsOptional() whatever!: unknown;
      @IsArray() list!: unknown[];
    }
    class Empty {
      name!: string;
    }
    expect(problemsOf(Node)).toEqual(['Node: refers to itself (through Node); recursive DTO classes are not supported']);
    expect(problemsOf(NoType)).toEqual([
      'NoType.thing: @ValidateNested needs @Type(() => Class) to know the nested class',
      'NoType.whatever: cannot tell the type of NoType.whatever: add a type decorator such as @IsString(), @IsInt(), @IsBoolean() or @ValidateNested() with @Type(() => Class)',
      'NoType.list: cannot tell the type of the elements of NoType.list: add a type decorator such as @IsString(), @IsInt(), @IsBoolean() or @ValidateNested() with @Type(() => Class)',
    ]);
    expect(problemsOf(Empty)).toEqual(['Empty: has no class-validator decorators, so it has no properties to ask for']);
  });
});

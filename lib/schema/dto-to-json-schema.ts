/**
 * DTO class → JSON Schema, from the class's class-validator metadata (and class-transformer's
 * `@Type()` for nested classes), so one class describes both what the model is asked for and
 * how its answer is validated (see `validateAs()` in `validate-as.ts`).
 *
 * ```ts
 * class ContactDto {
 *   @Describe('Full name') @IsString() @Length(1, 200) name!: string;
 *   @IsOptional() @IsEmail() email?: string;
 *   @IsArray() @IsString({ each: true }) tags!: string[];
 * }
 * dtoToJsonSchema(ContactDto);
 * // { type: 'object', properties: { name: { type: 'string', description: 'Full name', minLength: 1, maxLength: 200 }, … },
 * //   required: ['name', 'tags'], additionalProperties: false }
 * ```
 *
 * Supported decorators (anything else on a property is an error naming `Class.property`):
 * - types: `@IsString`, `@IsNumber` (no `maxDecimalPlaces`), `@IsInt`, `@IsBoolean`, `@IsArray`,
 *   `@IsObject` (a free-form object), `@ValidateNested` + `@Type(() => Class)` (a nested object);
 *   `@IsEnum(Enum)`, `@IsIn([...])` → `enum`; `@Equals(v)` → `const`
 * - presence: `@IsOptional` (left out of `required`), `@IsDefined`, `@IsNotEmpty` (strings: `minLength: 1`),
 *   `@Allow`
 * - numbers: `@Min`, `@Max`, `@IsPositive` (`exclusiveMinimum: 0`), `@IsNegative` (`exclusiveMaximum: 0`)
 * - strings: `@Length`, `@MinLength`, `@MaxLength`, `@Matches(regex)` (`pattern`; no flags but `u`),
 *   `@IsEmail` (`format: email`), `@IsUrl` (`uri`), `@IsUUID` (`uuid`), `@IsISO8601` / `@IsDateString` (`date-time`)
 * - arrays: `@ArrayMinSize`, `@ArrayMaxSize`, `@ArrayNotEmpty` (`minItems: 1`), `@ArrayUnique` (`uniqueItems`);
 *   `{ each: true }` on any rule above applies it to the elements
 * - descriptions: `@Describe('…')` (this library) on the class or a property
 *
 * Every object gets `additionalProperties: false`. Without a type decorator the property's
 * TypeScript type (`emitDecoratorMetadata`) is used for `string`, `number` and `boolean`.
 * Recursive classes, validation groups, `@ValidateIf`, `@Validate` and custom decorators are errors.
 */
import { getMetadataStorage } from 'class-validator';
// class-transformer keeps @Type() metadata in a module its index does not export (and ships no types for)
// @ts-expect-error no declaration file for class-transformer/cjs/storage.js
import { defaultMetadataStorage as untypedTransformerStorage } from 'class-transformer/cjs/storage.js';
import { SchemaConversionException } from '../errors/object.exception.js';
import { ErrorMessages } from '../errors/error-messages.js';
import type { JsonSchema } from '../interfaces/tool.interface.js';
import { describedAs, type AnyClass } from './describe.decorator.js';

/** The part of class-validator's ValidationMetadata the converter reads. */
interface RuleMetadata {
  type: string;
  name?: string;
  propertyName: string;
  target: AnyClass | string;
  constraints?: unknown[];
  each?: boolean;
  groups?: string[];
}

/** The part of class-transformer's storage the converter reads. */
interface TypeStorage {
  findTypeMetadata(target: AnyClass, propertyName: string): { typeFunction: () => AnyClass; options?: { discriminator?: unknown } } | undefined;
}

const transformerStorage = untypedTransformerStorage as TypeStorage;

/** A schema under construction, and what was asked of it. */
interface Draft {
  type?: string;
  keywords: Record<string, unknown>;
  notEmpty?: boolean;
}

type Rule = (draft: Draft, constraints: unknown[], problem: (why: string) => void) => void;

function setType(draft: Draft, type: string, problem: (why: string) => void): void {
  if (draft.type === undefined || draft.type === type) draft.type = type;
  else if ((draft.type === 'number' && type === 'integer') || (draft.type === 'integer' && type === 'number')) draft.type = 'integer';
  else problem(`is declared both ${draft.type} and ${type}`);
}

const typed =
  (type: string, extra?: Record<string, unknown>): Rule =>
  (draft, _constraints, problem) => {
    setType(draft, type, problem);
    Object.assign(draft.keywords, extra);
  };
const keyword =
  (name: string, index = 0): Rule =>
  (draft, constraints) => {
    draft.keywords[name] = constraints[index];
  };
const format = (name: string): Rule => typed('string', { format: name });

function enumType(values: unknown[]): string | undefined {
  if (values.length > 0 && values.every((v) => typeof v === 'string')) return 'string';
  if (values.length > 0 && values.every((v) => typeof v === 'number')) return values.every((v) => Number.isInteger(v)) ? 'integer' : 'number';
  if (values.length > 0 && values.every((v) => typeof v === 'boolean')) return 'boolean';
  return undefined;
}

const RULES: Record<string, Rule> = {
  isString: typed('string'),
  isNumber: (draft, [options], problem) => {
    if ((options as { maxDecimalPlaces?: number } | undefined)?.maxDecimalPlaces !== undefined)
      problem('@IsNumber({ maxDecimalPlaces }) cannot be expressed in JSON Schema');
    setType(draft, 'number', problem);
  },
  isInt: typed('integer'),
  isBoolean: typed('boolean'),
  isArray: typed('array'),
  isObject: typed('object'),
  isEnum: (draft, [, values]) => {
    draft.keywords.enum = values;
  },
  isIn: keyword('enum'),
  equals: keyword('const'),
  isNotEmpty: (draft) => {
    draft.notEmpty = true;
  },
  min: keyword('minimum'),
  max: keyword('maximum'),
  isPositive: (draft) => {
    draft.keywords.exclusiveMinimum = 0;
  },
  isNegative: (draft) => {
    draft.keywords.exclusiveMaximum = 0;
  },
  isLength: (draft, [min, max]) => {
    if (min !== undefined && min !== null) draft.keywords.minLength = min;
    if (max !== undefined && max !== null) draft.keywords.maxLength = max;
  },
  minLength: keyword('minLength'),
  maxLength: keyword('maxLength'),
  matches: (draft, [pattern, modifiers], problem) => {
    const flags = pattern instanceof RegExp ? pattern.flags : typeof modifiers === 'string' ? modifiers : '';
    if (flags.replace('u', '') !== '') problem(`@Matches with flags "${flags}" cannot be expressed in JSON Schema (a pattern has no flags)`);
    setType(draft, 'string', problem);
    draft.keywords.pattern = pattern instanceof RegExp ? pattern.source : String(pattern);
  },
  isEmail: format('email'),
  isUrl: format('uri'),
  isUuid: format('uuid'),
  isISO8601: format('date-time'),
  isIso8601: format('date-time'),
  isDateString: format('date-time'),
  arrayMinSize: keyword('minItems'),
  arrayMaxSize: keyword('maxItems'),
  arrayNotEmpty: (draft) => {
    draft.keywords.minItems = 1;
  },
  arrayUnique: (draft, [identifier], problem) => {
    if (typeof identifier === 'function') problem('@ArrayUnique(identifier) cannot be expressed in JSON Schema');
    draft.keywords.uniqueItems = true;
  },
};

/** Decorator names as users write them, for messages. */
function decoratorName(meta: RuleMetadata): string {
  if (meta.type === 'conditionalValidation') return '@ValidateIf';
  if (meta.type === 'promiseValidation') return '@ValidatePromise';
  const name = meta.name;
  if (!name) return '@Validate (a custom constraint)';
  return `@${name.charAt(0).toUpperCase()}${name.slice(1)}`;
}

const STRING_KEYWORDS = ['minLength', 'maxLength', 'pattern', 'format'];
const NUMBER_KEYWORDS = ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum'];
const ARRAY_KEYWORDS = ['minItems', 'maxItems', 'uniqueItems'];

function designType(cls: AnyClass, property: string): unknown {
  const reflect = Reflect as unknown as { getMetadata?: (key: string, target: object, property: string) => unknown };
  return typeof reflect.getMetadata === 'function' ? reflect.getMetadata('design:type', cls.prototype as object, property) : undefined;
}

/** Turns a draft into a schema; `subject` names it in problems. */
function finish(draft: Draft, fallbackType: string | undefined, problem: (why: string) => void, subject: string): JsonSchema {
  let type = draft.type;
  const values = (draft.keywords.enum as unknown[] | undefined) ?? ('const' in draft.keywords ? [draft.keywords.const] : undefined);
  if (type === undefined && values) type = enumType(values);
  if (type === undefined) {
    const has = (names: string[]) => names.some((name) => name in draft.keywords);
    if (has(STRING_KEYWORDS)) type = 'string';
    else if (has(NUMBER_KEYWORDS)) type = 'number';
    else type = fallbackType;
  }
  if (type === undefined && !values) {
    problem(
      `cannot tell the type of ${subject}: add a type decorator such as @IsString(), @IsInt(), @IsBoolean() or @ValidateNested() with @Type(() => Class)`,
    );
    return {};
  }
  const keywords = { ...draft.keywords };
  if (draft.notEmpty && type === 'string' && !((keywords.minLength as number) >= 1)) keywords.minLength = 1;
  const misplaced = [
    ...(type === 'string' ? [] : STRING_KEYWORDS),
    ...(type === 'number' || type === 'integer' ? [] : NUMBER_KEYWORDS),
    ...(type === 'array' ? [] : ARRAY_KEYWORDS),
  ].filter((name) => name in keywords);
  if (misplaced.length > 0) problem(`${subject} is ${type ?? 'an enum'} but has ${misplaced.join(', ')} (rules for another type)`);
  return type === undefined ? keywords : { type, ...keywords };
}

class Converter {
  readonly problems: string[] = [];
  private readonly stack: AnyClass[] = [];

  objectSchema(cls: AnyClass): JsonSchema {
    if (this.stack.includes(cls)) {
      this.problems.push(`${cls.name}: refers to itself (through ${this.stack.map((c) => c.name).join(' → ')}); recursive DTO classes are not supported`);
      return {};
    }
    const metas = getMetadataStorage().getTargetValidationMetadatas(cls, '', true, false) as unknown as RuleMetadata[];
    // base classes' properties first, each class's in declaration order
    const depth = (target: unknown) => {
      let n = 0;
      for (let c = Object.getPrototypeOf(target); typeof c === 'function' && c !== Function.prototype; c = Object.getPrototypeOf(c)) n++;
      return n;
    };
    const ordered = metas.map((meta, i) => ({ meta, i, depth: depth(meta.target) })).sort((a, b) => a.depth - b.depth || a.i - b.i);
    const byProperty = new Map<string, RuleMetadata[]>();
    for (const { meta } of ordered) byProperty.set(meta.propertyName, [...(byProperty.get(meta.propertyName) ?? []), meta]);
    if (byProperty.size === 0) this.problems.push(`${cls.name}: has no class-validator decorators, so it has no properties to ask for`);
    this.stack.push(cls);
    const properties: Record<string, JsonSchema> = {};
    const required: string[] = [];
    for (const [property, rules] of byProperty) {
      const { schema, optional } = this.propertySchema(cls, property, rules);
      properties[property] = schema;
      if (!optional) required.push(property);
    }
    this.stack.pop();
    const description = describedAs(cls);
    return { type: 'object', ...(description ? { description } : {}), properties, required, additionalProperties: false };
  }

  private propertySchema(cls: AnyClass, property: string, rules: RuleMetadata[]): { schema: JsonSchema; optional: boolean } {
    const before = this.problems.length;
    // once a property has a problem, the follow-up "cannot tell the type" is noise
    const problem = (why: string) =>
      (this.problems.length === before || !why.startsWith('cannot tell')) && this.problems.push(`${cls.name}.${property}: ${why}`);
    const value: Draft = { keywords: {} };
    const items: Draft = { keywords: {} };
    let optional = false;
    let each = false;
    let nested: { each: boolean } | undefined;
    for (const meta of rules) {
      if (meta.groups?.length) problem(`${decoratorName(meta)} has validation groups, which JSON Schema cannot express`);
      if (meta.each) each = true;
      switch (meta.type) {
        case 'conditionalValidation':
          if (meta.name === 'isOptional') optional = true;
          else problem(`${decoratorName(meta)} cannot be expressed in JSON Schema`);
          break;
        case 'isDefined':
        case 'whitelistValidation':
          break;
        case 'nestedValidation':
          nested = { each: meta.each === true };
          break;
        case 'customValidation': {
          const rule = meta.name ? RULES[meta.name] : undefined;
          if (rule) rule(meta.each ? items : value, meta.constraints ?? [], problem);
          else problem(`${decoratorName(meta)} cannot be expressed in JSON Schema`);
          break;
        }
        default:
          problem(`${decoratorName(meta)} cannot be expressed in JSON Schema`);
      }
    }
    const reflected = designType(cls, property);
    const isArray = each || value.type === 'array' || (value.type === undefined && reflected === Array);
    let nestedSchema: JsonSchema | undefined;
    if (nested) {
      const typeMeta = transformerStorage.findTypeMetadata(cls, property);
      if (typeMeta?.options?.discriminator) problem('@Type with a discriminator cannot be expressed (yet): use one class');
      const target = typeMeta
        ? typeMeta.typeFunction()
        : typeof reflected === 'function' && reflected !== Array && reflected !== Object
          ? (reflected as AnyClass)
          : undefined;
      if (!target) problem('@ValidateNested needs @Type(() => Class) to know the nested class');
      else nestedSchema = this.objectSchema(target);
    }
    let schema: JsonSchema;
    if (isArray) {
      if (value.type !== undefined && value.type !== 'array') problem(`is declared both ${value.type} and array ({ each: true } makes it an array)`);
      // @ValidateNested validates each element of an array, with or without { each: true }
      const elements = nestedSchema ?? finish(items, undefined, problem, `the elements of ${cls.name}.${property}`);
      schema = { type: 'array', items: elements, ...finish({ type: 'array', keywords: value.keywords }, 'array', problem, `${cls.name}.${property}`) };
    } else if (nestedSchema) {
      if (value.type !== undefined && value.type !== 'object') problem(`is declared ${value.type} but @ValidateNested makes it an object`);
      schema = nestedSchema;
    } else {
      const fallback = reflected === String ? 'string' : reflected === Number ? 'number' : reflected === Boolean ? 'boolean' : undefined;
      schema = finish(value, fallback, problem, `${cls.name}.${property}`);
    }
    const description = describedAs(cls, property);
    if (description) schema = { ...schema, description };
    return { schema, optional };
  }
}

/**
 * The JSON Schema of a DTO class (see the top of this file for what is supported). Throws
 * SchemaConversionException listing every `Class.property: problem` when some decorator
 * cannot be expressed.
 */
export function dtoToJsonSchema(cls: AnyClass): JsonSchema {
  const converter = new Converter();
  const schema = converter.objectSchema(cls);
  if (converter.problems.length > 0) throw new SchemaConversionException(ErrorMessages.schemaProblems(converter.problems), converter.problems);
  return schema;
}

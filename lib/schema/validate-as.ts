import { plainToInstance } from 'class-transformer';
import { validate, validateSync, type ValidationError } from 'class-validator';
import type { ObjectFieldError } from '../errors/object.exception.js';

/** A DTO class: what `dtoToJsonSchema()` converts and `validateAs()` builds. */
export type DtoClass<T = object> = new (...args: any[]) => T;

/** The outcome of `validateAs()`: the instance, or each field error as `{ path, message }`. */
export type Validated<T> = { ok: true; value: T } | { ok: false; errors: ObjectFieldError[] };

function segment(parent: string, property: string): string {
  if (/^\d+$/.test(property)) return `${parent}[${property}]`;
  return parent ? `${parent}.${property}` : property;
}

function flatten(errors: ValidationError[], parent = ''): ObjectFieldError[] {
  return errors.flatMap((error) => {
    const path = segment(parent, error.property);
    const own = Object.values(error.constraints ?? {}).map((message) => ({ path, message }));
    return [...own, ...flatten(error.children ?? [], path)];
  });
}

/**
 * Transforms a plain value (parsed JSON: a model's answer, tool arguments) into an instance of
 * `cls` with class-transformer, then validates it with class-validator. Field errors come
 * back as `{ path, message }` (`path` as `items[0].name`); `formatFieldError()` writes one as
 * `path: message`. Values are never echoed in messages.
 *
 * ```ts
 * const outcome = await validateAs(ContactDto, JSON.parse(text));
 * if (!outcome.ok) console.log(outcome.errors.map(formatFieldError));
 * ```
 */
export async function validateAs<T extends object>(cls: DtoClass<T>, value: unknown): Promise<Validated<T>> {
  const notObject = notAnObject(cls, value);
  if (notObject) return notObject;
  const instance = plainToInstance(cls, value);
  const errors = await validate(instance, OPTIONS);
  return errors.length > 0 ? { ok: false, errors: flatten(errors) } : { ok: true, value: instance };
}

/** `validateAs()` without async validators (class-validator's `validateSync`): for streamed elements. */
export function validateAsSync<T extends object>(cls: DtoClass<T>, value: unknown): Validated<T> {
  const notObject = notAnObject(cls, value);
  if (notObject) return notObject;
  const instance = plainToInstance(cls, value);
  const errors = validateSync(instance, OPTIONS);
  return errors.length > 0 ? { ok: false, errors: flatten(errors) } : { ok: true, value: instance };
}

const OPTIONS = { forbidUnknownValues: true, validationError: { target: false, value: false } };

function notAnObject(cls: DtoClass, value: unknown): Validated<never> | undefined {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return undefined;
  return {
    ok: false,
    errors: [{ path: '', message: `must be an object (${cls.name}), not ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}` }],
  };
}

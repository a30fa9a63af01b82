/** Any class, abstract ones included. */
export type AnyClass = abstract new (...args: any[]) => unknown;

/** Descriptions by class; `''` holds the class's own. Kept here, so no reflect-metadata is needed. */
const descriptions = new WeakMap<AnyClass, Map<string, string>>();

/**
 * A description for the JSON Schema made from a DTO class: on a property it becomes that
 * property's `description`, on the class the schema's. Models read these descriptions, so
 * say what the field holds ("The person's full name, as written"), not how it is validated.
 *
 * ```ts
 * @Describe('A person to contact')
 * class ContactDto {
 *   @Describe('Full name') @IsString() name!: string;
 * }
 * ```
 */
export function Describe(description: string): ClassDecorator & PropertyDecorator {
  return (target: object, propertyKey?: string | symbol) => {
    const cls = (propertyKey === undefined ? target : target.constructor) as AnyClass;
    let own = descriptions.get(cls);
    if (!own) descriptions.set(cls, (own = new Map()));
    own.set(propertyKey === undefined ? '' : String(propertyKey), description);
  };
}

/** The `@Describe()` text of a class (`property` undefined) or of one of its properties, inherited ones included. */
export function describedAs(cls: AnyClass, property?: string): string | undefined {
  if (property === undefined) return descriptions.get(cls)?.get('');
  for (let current: unknown = cls; typeof current === 'function' && current !== Function.prototype; current = Object.getPrototypeOf(current)) {
    const text = descriptions.get(current as AnyClass)?.get(property);
    if (text !== undefined) return text;
  }
  return undefined;
}

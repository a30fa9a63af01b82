export { dtoToJsonSchema } from './dto-to-json-schema.js';
export { Describe, describedAs } from './describe.decorator.js';
export { validateAs, validateAsSync } from './validate-as.js';
export type { DtoClass, Validated } from './validate-as.js';

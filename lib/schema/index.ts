// @bupple/nestjs-ai-engine/schema: structured output and JSON Schema: DTO class -> JSON Schema,
// validation of plain values as DTO instances, typed schemas and the object call options, the
// incremental JSON reader, and the structured-output errors.
export { dtoToJsonSchema } from './dto-to-json-schema.js';
export { Describe, describedAs } from './describe.decorator.js';
export { validateAs, validateAsSync } from './validate-as.js';
export type { DtoClass, Validated } from './validate-as.js';
export { jsonSchema } from '../object/object-options.interface.js';
export type {
  TypedJsonSchema,
  ObjectSchema,
  DeepPartial,
  ObjectCallOptions,
  ArrayCallOptions,
  EnumCallOptions,
  ObjectResult,
  ObjectStreamPart,
} from '../object/object-options.interface.js';
export type { ResponseFormat, StructuredOutputMode } from '../interfaces/engine-call-options.interface.js';
export { PartialJsonReader, readJsonText } from '../object/partial-json-reader.js';
export type { PartialJsonReaderOptions } from '../object/partial-json-reader.js';
export { JsonReadError } from '../object/json-read.error.js';
export { validateJsonSchema } from '../object/json-schema-validate.js';
export { validateJson } from '../tools/json-schema-check.js';
export { SchemaConversionException, ObjectValidationException, formatFieldError } from '../errors/object.exception.js';
export type { ObjectFieldError } from '../errors/object.exception.js';

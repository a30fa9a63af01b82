import { EngineException, type EngineExceptionOptions } from './engine.exception.js';

/** One field of an object that failed validation: `path` as `a.b[0].c` (`''` for the object itself). */
export interface ObjectFieldError {
  path: string;
  message: string;
}

/** `path: message`, as error messages and models read it. */
export function formatFieldError(error: ObjectFieldError): string {
  return `${error.path || '(root)'}: ${error.message}`;
}

/**
 * A DTO class (or JSON Schema) cannot be turned into the JSON Schema sent to the model: a
 * decorator the converter cannot express, a property whose type it cannot tell. The message
 * names the class and the property. A programming error: HTTP 500.
 */
export class SchemaConversionException extends EngineException {
  override readonly code: string = 'invalid_schema';
  /** `ClassName.property` of each problem. */
  readonly problems: string[];
  constructor(message: string, problems: string[]) {
    super(message, { retryable: false });
    this.problems = problems;
  }
}

/**
 * The model's answer is not a valid object of the asked schema: not JSON, or the transformed
 * object failed class-validator (or the JSON Schema). `errors` lists each `path: message`.
 * The fault is upstream (the model), not the caller's: HTTP 502.
 */
export class ObjectValidationException extends EngineException {
  override readonly code: string = 'object_validation';
  readonly errors: ObjectFieldError[];
  /** The answer text the object was read from, for diagnosis (never sent to clients). */
  readonly text?: string;
  constructor(message: string, errors: ObjectFieldError[], options: EngineExceptionOptions & { text?: string } = {}) {
    super(message, { ...options, retryable: false });
    this.errors = errors;
    this.text = options.text;
  }
}

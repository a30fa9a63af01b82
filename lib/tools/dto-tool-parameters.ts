import { formatFieldError, SchemaConversionException } from '../errors/object.exception.js';
import type { JsonSchema } from '../interfaces/tool.interface.js';
import { dtoToJsonSchema } from '../schema/dto-to-json-schema.js';
import { validateAs } from '../schema/validate-as.js';
import type { PreparedArgs } from './resolve-tools.js';
import type { ToolParametersClass } from './tool-definition.interface.js';
import { ToolDefinitionException } from './tool-definition.exception.js';
import { ToolMessages } from './tool-messages.js';

/**
 * A DTO class as tool parameters: its JSON Schema (lib/schema's converter; a class it cannot
 * express is a ToolDefinitionException naming the tool and `Class.property`), and arguments
 * transformed into an instance and validated with class-validator before `execute`.
 */
export function dtoToolParameters(name: string, dto: ToolParametersClass): { schema: JsonSchema; prepare: (args: unknown) => Promise<PreparedArgs> } {
  let schema: JsonSchema;
  try {
    schema = dtoToJsonSchema(dto);
  } catch (error) {
    const problems = error instanceof SchemaConversionException ? error.problems : [(error as Error).message];
    throw new ToolDefinitionException(ToolMessages.badSchema(name, problems), name);
  }
  return {
    schema,
    prepare: async (args) => {
      const outcome = await validateAs(dto, args);
      return outcome.ok ? { ok: true, value: outcome.value } : { ok: false, message: ToolMessages.badArguments(name, outcome.errors.map(formatFieldError)) };
    },
  };
}

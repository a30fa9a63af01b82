import type { JsonSchema } from '../interfaces/tool.interface.js';
import type { PreparedArgs } from './resolve-tools.js';
import type { ToolParametersClass } from './tool-definition.interface.js';
import { ToolDefinitionException } from './tool-definition.exception.js';
import { ToolMessages } from './tool-messages.js';

/** A DTO class as tool parameters: its JSON Schema, and validation into an instance. */
export function dtoToolParameters(name: string, dto: ToolParametersClass): { schema: JsonSchema; prepare: (args: unknown) => Promise<PreparedArgs> } {
  throw new ToolDefinitionException(ToolMessages.badDefinition(name, `parameters ${dto.name || 'class'}: DTO classes are not supported yet`), name);
}

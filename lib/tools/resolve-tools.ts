import type { DriverToolDefinition, JsonSchema, ToolChoice } from '../interfaces/tool.interface.js';
import { ToolMessages } from './tool-messages.js';
import { DEFAULT_TOOL_TIMEOUT_MS, type ToolDefinition, type ToolSet } from './tool-definition.interface.js';
import { ToolDefinitionException } from './tool-definition.exception.js';
import { jsonSchemaProblems, validateJson } from './json-schema-check.js';
import { dtoToolParameters } from './dto-tool-parameters.js';

/** Arguments checked (and for a DTO, turned into an instance), or why they were refused. */
export type PreparedArgs = { ok: true; value: unknown } | { ok: false; message: string };

/** A tool ready for a call: its JSON Schema, and how to check its arguments. */
export interface ResolvedTool {
  name: string;
  description?: string;
  parameters: JsonSchema;
  definition: ToolDefinition;
  timeoutMs: number;
  prepare(args: unknown): Promise<PreparedArgs>;
}

/** Where tools referenced by name (`@Tool()` methods, registered tools) are looked up. */
export interface ToolLookup {
  get(name: string): ResolvedTool | undefined;
  names(): string[];
}

const NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** Checks a tool and converts its parameters to JSON Schema; throws ToolDefinitionException naming the tool and the field. */
export function resolveTool(name: string, definition: ToolDefinition): ResolvedTool {
  if (!NAME.test(name)) throw new ToolDefinitionException(ToolMessages.badName(name), name);
  if (typeof definition !== 'object' || definition === null)
    throw new ToolDefinitionException(ToolMessages.badDefinition(name, 'must be an object { description, parameters, execute? }'), name);
  if (definition.execute !== undefined && typeof definition.execute !== 'function')
    throw new ToolDefinitionException(ToolMessages.badDefinition(name, 'execute must be a function'), name);
  if (definition.timeoutMs !== undefined && !(Number.isFinite(definition.timeoutMs) && definition.timeoutMs > 0)) {
    throw new ToolDefinitionException(ToolMessages.badDefinition(name, 'timeoutMs must be a positive number'), name);
  }
  const base = {
    name,
    definition,
    timeoutMs: definition.timeoutMs ?? DEFAULT_TOOL_TIMEOUT_MS,
    ...(definition.description !== undefined && { description: definition.description }),
  };
  if (typeof definition.parameters === 'function') {
    const dto = dtoToolParameters(name, definition.parameters);
    return { ...base, parameters: dto.schema, prepare: dto.prepare };
  }
  const problems = jsonSchemaProblems(definition.parameters);
  if (problems.length > 0) throw new ToolDefinitionException(ToolMessages.badSchema(name, problems), name);
  const schema = definition.parameters;
  return {
    ...base,
    parameters: schema,
    prepare: (args) => {
      const found = validateJson(args, schema);
      return Promise.resolve(found.length === 0 ? { ok: true, value: args } : { ok: false, message: ToolMessages.badArguments(name, found) });
    },
  };
}

/** What a call's `tools` option takes: tools by name, names of registered tools, or a list of both. */
export type ToolsOption = ToolSet | ReadonlyArray<string | ToolSet>;

/** The call's tools, by name. Unknown names and bad definitions throw ToolDefinitionException. */
export function resolveTools(option: ToolsOption | undefined, lookup?: ToolLookup): Map<string, ResolvedTool> {
  const tools = new Map<string, ResolvedTool>();
  if (option === undefined) return tools;
  const add = (set: ToolSet) => {
    for (const [name, definition] of Object.entries(set)) tools.set(name, resolveTool(name, definition));
  };
  if (Array.isArray(option)) {
    for (const item of option as ReadonlyArray<string | ToolSet>) {
      if (typeof item === 'string') {
        const found = lookup?.get(item);
        if (!found) throw new ToolDefinitionException(ToolMessages.unknownTool(item, lookup?.names() ?? []), item);
        tools.set(item, found);
      } else add(item);
    }
  } else add(option as ToolSet);
  return tools;
}

/** The tools as drivers send them. */
export function driverTools(tools: Map<string, ResolvedTool>): DriverToolDefinition[] {
  return [...tools.values()].map((t) => ({ name: t.name, ...(t.description !== undefined && { description: t.description }), parameters: t.parameters }));
}

/** `toolChoice` as drivers take it; a tool name must be one of the call's tools. */
export function driverToolChoice(choice: string | ToolChoice | undefined, tools: Map<string, ResolvedTool>): ToolChoice | undefined {
  if (choice === undefined) return undefined;
  if (choice === 'auto' || choice === 'none' || choice === 'required') return choice;
  const name = typeof choice === 'string' ? choice : choice?.name;
  if (typeof name !== 'string' || !tools.has(name))
    throw new ToolDefinitionException(ToolMessages.badToolChoice(String(name), [...tools.keys()]), String(name));
  return { name };
}

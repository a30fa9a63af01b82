// @bupple/nestjs-ai-engine/tools: tool calling beyond `tool()`, `@Tool()` and the tool types the
// root exports: the registry of `@Tool()` methods, the decorator's options and metadata key, the
// tool loop's options (approvals, steps), the default timeout, the definition error.
export { Tool, TOOL_METADATA } from './tool.decorator.js';
export type { ToolOptions } from './tool.decorator.js';
export { ToolRegistry } from './tool-registry.service.js';
export { tool, DEFAULT_TOOL_TIMEOUT_MS } from './tool-definition.interface.js';
export type { ToolDefinition, ToolSet, ToolApproval, ToolExecutionContext, ToolParametersClass } from './tool-definition.interface.js';
export type { ToolsOption } from './resolve-tools.js';
export { ToolDefinitionException } from './tool-definition.exception.js';
export { validateJson } from './json-schema-check.js';
export type { ToolCall, ToolCallDelta, ToolChoice, ToolResult, StepResult, JsonSchema } from '../interfaces/tool.interface.js';
export { SSE_TOOL_EVENTS } from '../sse/sse-tool-events.js';

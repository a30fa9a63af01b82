// Defined with every other exception, in lib/errors/.
export { ToolDefinitionException } from '../errors/tool-definition.exception.js';

import { ValidationException } from './engine.exception.js';

/** A tool that cannot be sent: its schema does not convert, or a call names a tool that is not known. */
export class ToolDefinitionException extends ValidationException {
  override readonly code: string = 'invalid_tool';
  constructor(
    message: string,
    /** The tool's name. */
    readonly tool: string,
  ) {
    super(message);
  }
}

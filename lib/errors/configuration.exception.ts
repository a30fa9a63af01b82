import { EngineException } from './engine.exception.js';
import { ErrorMessages } from './error-messages.js';

/** The module options are invalid; `problems` lists each as `path: message`. */
export class EngineConfigurationException extends EngineException {
  override readonly code: string = 'invalid_configuration';
  constructor(readonly problems: string[]) {
    super(ErrorMessages.invalidOptions(problems), { retryable: false });
  }
}

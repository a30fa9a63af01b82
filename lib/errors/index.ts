export {
  EngineException,
  AuthenticationException,
  RateLimitException,
  ValidationException,
  ConnectionException,
  ProviderOverloadedException,
  ContentFilterException,
  ProviderServerException,
  UnknownEngineException,
  MissingPackageException,
  isRetryableStatus,
} from './engine.exception.js';
export type { EngineExceptionOptions } from './engine.exception.js';
export { ErrorMessages } from './error-messages.js';
export { redactSecrets } from './redact.js';

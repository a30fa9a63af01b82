// @bupple/nestjs-ai-engine/errors: every exception the library throws (each an EngineException
// carrying its code, HTTP status and retryability), the filter, and the helpers that turn one
// into an HTTP answer or a log line.
export {
  EngineException,
  AuthenticationException,
  RateLimitException,
  ValidationException,
  ConnectionException,
  ProviderOverloadedException,
  ContentFilterException,
  ProviderServerException,
  ProviderStreamLimitException,
  UnknownEngineException,
  MissingPackageException,
  DeltaTooLargeException,
} from './engine.exception.js';
export type { EngineExceptionOptions } from './engine.exception.js';
export { SchemaConversionException, ObjectValidationException, formatFieldError } from './object.exception.js';
export type { ObjectFieldError } from './object.exception.js';
export { EngineExceptionFilter } from './engine-exception.filter.js';
export { toHttpException, publicEngineError, describeEngineError } from './engine-http.js';
export { EngineConfigurationException } from './configuration.exception.js';
export { MemoryException, MemoryConnectionException, MemoryStorageException, MemoryValidationException } from './memory.exception.js';
export type { MemoryExceptionOptions } from './memory.exception.js';
export { ToolDefinitionException } from './tool-definition.exception.js';
export { TooManyStreamsException, TokenLimitException } from './limit.exception.js';
export { ReplayUnavailableException } from './replay-unavailable.exception.js';
export { ENGINE_HTTP_STATUS } from './http-status.js';

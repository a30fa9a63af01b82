// @bupple/nestjs-ai-engine/security: ownership and limits beside JsonLimitsGuard and
// applyRequestTimeouts (which the root exports): the scope hook, conversation owners, JSON
// limits, model allow-lists, stream and token caps, sanitised public errors.
export type { EngineScopeHook } from '../scope/engine-scope.js';
export { resolveScope } from '../scope/engine-scope.js';
export { assertValidOwner } from '../memory/validate-message.js';
export { engineMemoryOwnerMigrationSql } from '../memory/stores/postgres-schema.js';
export { JsonLimitsGuard, JSON_LIMITS, DEFAULT_JSON_LIMITS, jsonLimitProblem, requestJsonProblem, jsonLimitException } from './json-limits.js';
export type { JsonLimits } from './json-limits.js';
export { applyRequestTimeouts } from './request-timeouts.js';
export type { RequestTimeoutOptions } from './request-timeouts.js';
export { TooManyStreamsException, TokenLimitException, assertModelAllowed, allowedModels } from './limits.js';
export type { EngineLimitsOptions } from './limits.js';
export { publicEngineError, describeEngineError } from '../errors/engine-http.js';

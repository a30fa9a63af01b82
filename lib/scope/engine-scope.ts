import type { SseRequest } from '../sse/sse-options.interface.js';

/**
 * The module's `scope` hook: who a request acts for (a user id, a tenant, an API key's id),
 * e.g. `(req) => req.user?.id`. Undefined (or `''`) means nobody in particular: the anonymous
 * scope, shared by every request without one. It owns conversations (see
 * `MemoryService.conversationFor`) and streams (resume and stop), and is what the per-scope
 * limits count against.
 */
export type EngineScopeHook = (request: SseRequest) => string | undefined;

/** The scope of a request under `hook`: a non-empty string, or undefined for anonymous. */
export function resolveScope(hook: EngineScopeHook | undefined, request: SseRequest): string | undefined {
  if (!hook) return undefined;
  const scope = hook(request);
  if (scope === undefined || scope === null || scope === '') return undefined;
  if (typeof scope !== 'string') {
    throw new TypeError(`The scope hook must return a string or undefined, not ${typeof scope}.`);
  }
  return scope;
}

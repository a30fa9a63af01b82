import { BadRequestException, Inject, Injectable, Optional, type CanActivate, type ExecutionContext } from '@nestjs/common';

/** Injection token of the limits a `JsonLimitsGuard` created by Nest uses (optional). */
export const JSON_LIMITS = Symbol.for('bupple.nestjs-ai-engine.json-limits');

/** Bounds on a parsed JSON value (a request body or query). */
export interface JsonLimits {
  /** Deepest nesting of arrays and objects accepted (`{}` is depth 1). Default 32. */
  maxDepth?: number;
  /** Most values (objects, arrays, strings, numbers, …) in all. Default 10 000. */
  maxNodes?: number;
  /**
   * Largest body, in bytes, by its `Content-Length` (a body sent without one is measured after
   * parsing, as JSON). Default 1 MiB. The platform's body parser has its own limit (Express
   * 100 kB, Fastify 1 MiB), applied first.
   */
  maxBytes?: number;
}

export const DEFAULT_JSON_LIMITS: Required<JsonLimits> = { maxDepth: 32, maxNodes: 10_000, maxBytes: 1024 * 1024 };

/** What was over a limit, or undefined when the value is within them all. Never recursive, so never a stack overflow. */
export function jsonLimitProblem(value: unknown, limits: JsonLimits = {}): string | undefined {
  const maxDepth = limits.maxDepth ?? DEFAULT_JSON_LIMITS.maxDepth;
  const maxNodes = limits.maxNodes ?? DEFAULT_JSON_LIMITS.maxNodes;
  const stack: [unknown, number][] = [[value, 0]];
  let nodes = 0;
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (++nodes > maxNodes) return `the JSON holds more than ${maxNodes} values`;
    if (typeof current !== 'object' || current === null) continue;
    if (depth + 1 > maxDepth) return `the JSON nests deeper than ${maxDepth} levels`;
    const children = Array.isArray(current) ? current : Object.values(current);
    for (const child of children) stack.push([child, depth + 1]);
  }
  return undefined;
}

type LimitedRequest = { headers?: Record<string, unknown>; body?: unknown; query?: unknown };

/** The problem of a request's body and query under `limits`, or undefined. */
export function requestJsonProblem(request: LimitedRequest, limits: JsonLimits = {}): string | undefined {
  const maxBytes = limits.maxBytes ?? DEFAULT_JSON_LIMITS.maxBytes;
  const declared = Number(request.headers?.['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) return `the body is larger than ${maxBytes} bytes`;
  const body = request.body;
  if (body !== undefined && body !== null && typeof body === 'object') {
    const problem = jsonLimitProblem(body, limits);
    if (problem) return problem.replace('the JSON', 'the body');
    if (!Number.isFinite(declared)) {
      let size: number;
      try {
        size = Buffer.byteLength(JSON.stringify(body) ?? '');
      } catch {
        return 'the body is not JSON';
      }
      if (size > maxBytes) return `the body is larger than ${maxBytes} bytes`;
    }
  }
  const query = request.query;
  if (query !== undefined && query !== null && typeof query === 'object') {
    const problem = jsonLimitProblem(query, limits);
    if (problem) return problem.replace('the JSON', 'the query');
  }
  return undefined;
}

/** The 400 for a request over the JSON limits, in the shape of Nest's validation errors. */
export function jsonLimitException(problem: string): BadRequestException {
  return new BadRequestException({ statusCode: 400, error: 'Bad Request', message: [problem] });
}

/**
 * Answers 400 when a request's JSON body or query nests too deep, holds too many values or
 * is too large, before any pipe runs: class-transformer and class-validator recurse, and a
 * body nested 5 000 levels deep (10 kB) would overflow their stack. Register it globally
 * (`app.useGlobalGuards(new JsonLimitsGuard())`) so it runs before the `ValidationPipe` of
 * every route; `@SseStream()` routes check the same limits by themselves. Express and Fastify.
 */
@Injectable()
export class JsonLimitsGuard implements CanActivate {
  constructor(@Optional() @Inject(JSON_LIMITS) private readonly limits: JsonLimits = {}) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const problem = requestJsonProblem(context.switchToHttp().getRequest<LimitedRequest>(), this.limits);
    if (problem) throw jsonLimitException(problem);
    return true;
  }
}

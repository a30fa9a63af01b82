import { BadRequestException } from '@nestjs/common';
import type { SseRequest } from '@bupple/nestjs-ai-engine';

/** The header the sample takes its user from. */
export const USER_HEADER = 'x-user';

const USER = /^[A-Za-z0-9_.@-]{1,100}$/;

/**
 * The sample's `scope` hook: the user a request acts for, from the `x-user` header. A stand-in
 * for real authentication (an app takes it from its session or token, e.g. `req.user.id`):
 * anyone can send any `x-user`. No header: anonymous (undefined), one shared scope. A header
 * that is not 1–100 letters, digits, `_`, `.`, `@` or `-` is a 400.
 */
export function userOf(request: SseRequest): string | undefined {
  const value = request.headers[USER_HEADER];
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string' || !USER.test(value)) {
    throw new BadRequestException({ statusCode: 400, error: 'Bad Request', message: [`${USER_HEADER} must be 1–100 letters, digits, _, ., @ or -`] });
  }
  return value;
}

import { Logger } from '@nestjs/common';
import { inspect } from 'node:util';
import { redactSecrets } from '../errors/redact.js';

/**
 * A logger for a provider SDK (warnings by default, more with the SDK's own debug setting)
 * that writes through Nest's Logger, context `<context>`, with the key scrubbed.
 */
export function sdkLogger(context: string, secrets: readonly string[]) {
  const logger = new Logger(context);
  const text = (args: unknown[]) =>
    redactSecrets(args.map((arg) => (typeof arg === 'string' ? arg : inspect(arg, { depth: 4, breakLength: Infinity }))).join(' '), secrets);
  return {
    error: (...args: unknown[]) => logger.error(text(args)),
    warn: (...args: unknown[]) => logger.warn(text(args)),
    info: (...args: unknown[]) => logger.log(text(args)),
    debug: (...args: unknown[]) => logger.debug(text(args)),
  };
}

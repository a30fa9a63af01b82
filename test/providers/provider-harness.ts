import 'reflect-metadata';
import type { LoggerService } from '@nestjs/common';
import { startSample, type SampleApp } from '../utils/sample-app.js';

export { awkwardCuts, engineEnv, ScriptedProvider, within, type Step } from './scripted-provider.js';

export type { SampleApp } from '../utils/sample-app.js';

/** A Nest logger that keeps every line (level, context and message) for the test to read. */
export class CapturingLogger implements LoggerService {
  readonly lines: string[] = [];
  private keep(level: string, message: unknown, rest: unknown[]): void {
    this.lines.push(`${level} ${[message, ...rest].map((part) => (typeof part === 'string' ? part : (JSON.stringify(part) ?? String(part)))).join(' ')}`);
  }
  log(message: unknown, ...rest: unknown[]) {
    this.keep('log', message, rest);
  }
  error(message: unknown, ...rest: unknown[]) {
    this.keep('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]) {
    this.keep('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]) {
    this.keep('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]) {
    this.keep('verbose', message, rest);
  }
}

/**
 * Boots the sample app (its AppModule and configureApp, as main.ts does) with exactly these
 * `BUPPLE_*` environment variables: every other `BUPPLE_*` variable is hidden while the app
 * is created, and the environment is restored afterwards. Logs go to `logger` (none by default).
 */
export async function bootSample(env: Record<string, string>, logger: LoggerService | false = false): Promise<SampleApp> {
  const saved = Object.fromEntries(Object.entries(process.env).filter(([name]) => name.startsWith('BUPPLE_')));
  for (const name of Object.keys(saved)) delete process.env[name];
  Object.assign(process.env, env);
  try {
    return await startSample(logger);
  } finally {
    for (const name of Object.keys(env)) delete process.env[name];
    Object.assign(process.env, saved);
  }
}

import { ConfigurableModuleBuilder, type Provider } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { ENGINE_OPTIONS_TOKEN } from './engine.tokens.js';
import { EngineExceptionFilter } from './errors/engine-exception.filter.js';
import type { BuppleEngineModuleOptions } from './bupple-engine.module-options.js';

/** `forRoot({ http })` / `forRootAsync({ http })`: how the module answers plain (non-SSE) HTTP routes. */
export interface EngineHttpOptions {
  /**
   * Registers `EngineExceptionFilter` as a global filter (APP_FILTER), so routes that return
   * `send()` (or throw any engine error) answer 400, 429 with Retry-After, 502, 503, 504… with
   * `{ statusCode, code, message, retryable }` instead of Nest's 500. Default false.
   */
  exceptionFilter?: boolean;
}

/** Options `forRoot()` and `forRootAsync()` take beside the engine options (not passed to a factory). */
export interface BuppleEngineModuleExtras {
  /** Registers the module globally (`@Global()`). Default false. */
  isGlobal?: boolean;
  http?: EngineHttpOptions;
}

export const {
  ConfigurableModuleClass: BuppleEngineConfigurableModule,
  MODULE_OPTIONS_TOKEN: ENGINE_MODULE_OPTIONS,
  OPTIONS_TYPE: ENGINE_MODULE_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: ENGINE_MODULE_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<BuppleEngineModuleOptions>({ moduleName: 'BuppleEngine', optionsInjectionToken: ENGINE_OPTIONS_TOKEN })
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createEngineOptions')
  .setExtras<BuppleEngineModuleExtras>({ isGlobal: false, http: undefined }, (definition, extras) => ({
    ...definition,
    global: extras.isGlobal,
    providers: [...(definition.providers ?? []), ...httpProviders(extras.http)],
  }))
  .build();

function httpProviders(http: EngineHttpOptions | undefined): Provider[] {
  return http?.exceptionFilter === true ? [{ provide: APP_FILTER, useClass: EngineExceptionFilter }] : [];
}

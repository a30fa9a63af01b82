import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { BuppleEngineModuleOptions } from './interfaces/engine-module-options.interface.js';

export const {
  ConfigurableModuleClass: BuppleEngineConfigurableModule,
  MODULE_OPTIONS_TOKEN: ENGINE_MODULE_OPTIONS,
  OPTIONS_TYPE: ENGINE_MODULE_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: ENGINE_MODULE_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<BuppleEngineModuleOptions>({ moduleName: 'BuppleEngine' })
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createEngineOptions')
  .setExtras({ isGlobal: false }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
  .build();

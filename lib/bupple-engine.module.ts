import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { BuppleEngineConfigurableModule, ENGINE_MODULE_OPTIONS } from './bupple-engine.module-definition.js';
import { createDrivers } from './engine/create-drivers.js';
import { EngineService } from './engine.service.js';
import { EngineHealthIndicator } from './health/engine-health.indicator.js';
import { ENGINE_DRIVERS, ENGINE_TELEMETRY } from './engine.tokens.js';
import { EngineTelemetry } from './telemetry/engine-telemetry.js';
import { ConversationStore } from './memory/conversation-store.js';
import { MemoryService } from './memory/memory.service.js';
import type { BuppleEngineModuleOptions } from './bupple-engine.module-options.js';
import { validateEngineOptions } from './options/validate-engine-options.js';
import { SseStreamInterceptor } from './sse/sse-stream.interceptor.js';
import { SseStreams } from './sse/sse-streams.service.js';
import { ToolRegistry } from './tools/tool-registry.service.js';
import { shareClassesAcrossBuilds } from './utils/dual-build.js';

/**
 * Registers EngineService, MemoryService and SseStreams (and the SSE interceptor's settings) from `forRoot(options)` or
 * `forRootAsync({ imports, inject, useFactory | useClass | useExisting })`, with `isGlobal`.
 * Options are validated when the app boots: bad ones stop it with one error listing them all.
 */
@Module({
  imports: [DiscoveryModule],
  providers: [
    {
      provide: ENGINE_DRIVERS,
      inject: [ENGINE_MODULE_OPTIONS],
      useFactory: async (options: BuppleEngineModuleOptions) => {
        validateEngineOptions(options);
        return createDrivers(options.engine);
      },
    },
    {
      provide: ENGINE_TELEMETRY,
      inject: [ENGINE_MODULE_OPTIONS],
      useFactory: async (options: BuppleEngineModuleOptions) => (await EngineTelemetry.load(options.telemetry)) ?? null,
    },
    EngineService,
    MemoryService,
    { provide: ConversationStore, inject: [MemoryService], useFactory: (memory: MemoryService) => memory.store },
    SseStreams,
    SseStreamInterceptor,
    EngineHealthIndicator,
    ToolRegistry,
  ],
  exports: [EngineService, MemoryService, ConversationStore, SseStreams, SseStreamInterceptor, EngineHealthIndicator, ToolRegistry, ENGINE_MODULE_OPTIONS],
})
export class BuppleEngineModule extends BuppleEngineConfigurableModule {}

// the other build's EngineService, MemoryService… resolve to this module's, when an app loads both
shareClassesAcrossBuilds(BuppleEngineModule);

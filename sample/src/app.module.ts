import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerGuard } from '@nestjs/throttler';
import { TerminusModule } from '@nestjs/terminus';
import { BuppleEngineModule } from '@bupple/nestjs-ai-engine';
import { ChatController } from './chat.controller.js';
import { engineOptionsFromEnv } from './config.js';
import { ConversationsController } from './conversations.controller.js';
import { DiagnosticsController, testHooksEnabled } from './diagnostics.controller.js';
import { HealthController } from './health.controller.js';
import { UiChatController } from './ui-chat.controller.js';
import { PageController } from './page.controller.js';
import { SampleTools } from './sample-tools.js';
import { StreamsController } from './streams.controller.js';
import { ExtractController } from './extract.controller.js';
import { SampleThrottlerModule } from './throttle.js';

@Module({
  imports: [BuppleEngineModule.forRootAsync({ useFactory: () => engineOptionsFromEnv() }), TerminusModule, SampleThrottlerModule],
  // every route is rate limited per client (x-user, else IP) by @nestjs/throttler: BUPPLE_SAMPLE_THROTTLE_LIMIT per BUPPLE_SAMPLE_THROTTLE_TTL_MS
  providers: [SampleTools, { provide: APP_GUARD, useClass: ThrottlerGuard }],
  controllers: [
    ChatController,
    ExtractController,
    StreamsController,
    ConversationsController,
    PageController,
    HealthController,
    UiChatController,
    ...(testHooksEnabled() ? [DiagnosticsController] : []),
  ],
})
export class AppModule {}

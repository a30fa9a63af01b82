import { Module } from '@nestjs/common';
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

@Module({
  imports: [BuppleEngineModule.forRootAsync({ useFactory: () => engineOptionsFromEnv() }), TerminusModule],
  providers: [SampleTools],
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

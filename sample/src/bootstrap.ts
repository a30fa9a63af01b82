import { ValidationPipe, type INestApplication } from '@nestjs/common';
import { EngineExceptionFilter } from '@bupple/nestjs-ai-engine';

/** What main.ts and the tests both apply to the app. */
export function configureApp(app: INestApplication): INestApplication {
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
  app.useGlobalFilters(new EngineExceptionFilter());
  app.enableShutdownHooks();
  return app;
}

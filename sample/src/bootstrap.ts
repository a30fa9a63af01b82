import { ValidationPipe, type INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { EngineExceptionFilter } from '@bupple/nestjs-ai-engine';

/** What main.ts and the tests both apply to the app. */
export function configureApp(app: INestApplication): INestApplication {
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
  app.useGlobalFilters(new EngineExceptionFilter());
  app.enableShutdownHooks();
  // the OpenAPI document at /docs-json, Swagger UI at /docs (its assets come from the swagger-ui-dist package)
  const document = SwaggerModule.createDocument(app, new DocumentBuilder().setTitle('bupple nestjs-ai-engine sample').setVersion('1').build());
  SwaggerModule.setup('docs', app, document);
  return app;
}

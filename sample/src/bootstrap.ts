import { ValidationPipe, type INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { applyRequestTimeouts, EngineExceptionFilter, JsonLimitsGuard } from '@bupple/nestjs-ai-engine';

/** What main.ts and the tests both apply to the app. */
export function configureApp(app: INestApplication): INestApplication {
  // before the ValidationPipe: a body nested thousands of levels deep is a 400, not a stack overflow
  app.useGlobalGuards(new JsonLimitsGuard());
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
  app.useGlobalFilters(new EngineExceptionFilter());
  // a client that is slow to send its headers or body is cut after 10 s (answers are not limited)
  applyRequestTimeouts(app.getHttpServer());
  app.enableShutdownHooks();
  // the OpenAPI document at /docs-json, Swagger UI at /docs (its assets come from the swagger-ui-dist package)
  const document = SwaggerModule.createDocument(app, new DocumentBuilder().setTitle('bupple nestjs-ai-engine sample').setVersion('1').build());
  SwaggerModule.setup('docs', app, document);
  return app;
}

import type { JsonSchema } from '../interfaces/tool.interface.js';
import { SSE_EVENT_DATA_SCHEMAS } from './sse-event-schemas.js';

/** The metadata keys `@nestjs/swagger` reads (`DECORATORS.API_RESPONSE` / `API_PRODUCES`). */
const API_RESPONSE = 'swagger/apiResponse';
const API_PRODUCES = 'swagger/apiProduces';

export interface ApiSseResponseOptions {
  /** Default: the status the stream answers with, 200. */
  status?: number;
  description?: string;
  /**
   * Which of the library's events to document (default: all of them), and the app's own
   * events (`sseEvent(name, data)`) with the JSON Schema of their data.
   */
  events?: (string | { name: string; data: JsonSchema; description?: string })[];
}

function eventItem(name: string, data: JsonSchema, description?: string): JsonSchema {
  return {
    title: name,
    ...(description ? { description } : {}),
    type: 'object',
    required: ['event', 'data'],
    properties: {
      event: { const: name },
      id: { type: 'string', description: '`<streamId>-<seq>`: send it back as Last-Event-ID to resume.' },
      data: { type: 'string', contentMediaType: 'application/json', contentSchema: data },
    },
  };
}

/**
 * Documents an `@SseStream()` route for `@nestjs/swagger`: a `text/event-stream` response
 * whose items (OpenAPI 3.2 `itemSchema`) are the route's events, each with the JSON Schema of
 * its data. It sets the metadata `@nestjs/swagger` reads and imports nothing from it, so apps
 * without swagger pay nothing.
 *
 * @example
 * ```ts
 * @Get('stream') @SseStream() @ApiSseResponse({ description: 'The answer, as it is written' })
 * stream(@Query() q: AskDto) { return this.engine.stream([{ role: 'user', content: q.message }]); }
 * ```
 */
export function ApiSseResponse(options: ApiSseResponseOptions = {}): MethodDecorator {
  const items = (options.events ?? Object.keys(SSE_EVENT_DATA_SCHEMAS)).map((event) => {
    if (typeof event !== 'string') return eventItem(event.name, event.data, event.description);
    const data = SSE_EVENT_DATA_SCHEMAS[event];
    if (!data) throw new Error(`@ApiSseResponse(): "${event}" is not an event of the library; give { name, data } for an event of your own.`);
    return eventItem(event, data);
  });
  const names = items.map((item) => item.title as string);
  const response = {
    description: options.description ?? `Server-Sent Events: ${names.join(', ')}.`,
    content: {
      'text/event-stream': {
        schema: { type: 'string', description: `An event stream (\`event:\` / \`id:\` / \`data:\` lines); events: ${names.join(', ')}.` },
        itemSchema: { oneOf: items },
      },
    },
  };
  return (_target, _key, descriptor) => {
    const method = descriptor.value as object;
    const status = options.status ?? 200;
    const responses = (Reflect.getMetadata(API_RESPONSE, method) as Record<string, unknown> | undefined) ?? {};
    Reflect.defineMetadata(API_RESPONSE, { ...responses, [status]: response }, method);
    Reflect.defineMetadata(API_PRODUCES, ['text/event-stream'], method);
    return descriptor;
  };
}

import { SetMetadata } from '@nestjs/common';
import type { ToolDefinition } from './tool-definition.interface.js';

/** Metadata key of `@Tool()`. */
export const TOOL_METADATA = 'bupple:engine:tool';

/** What `@Tool()` takes: a tool definition without `execute` (the method is), and an optional name. */
export interface ToolOptions extends Omit<ToolDefinition, 'execute'> {
  /** The name calls use (`tools: ['name']`). Default: the method's name. */
  name?: string;
}

/**
 * Makes a method of a Nest provider a tool, found when the app boots. The method is called
 * as `method(args, context)` on the provider instance, so it can use injected services:
 *
 * ```ts
 * @Injectable()
 * class WeatherTools {
 *   constructor(private readonly weather: WeatherClient) {}
 *   @Tool({ description: 'The weather in a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } })
 *   forecast(args: { city: string }, { signal }: ToolExecutionContext) {
 *     return this.weather.forecast(args.city, signal);
 *   }
 * }
 * // engine.stream(messages, { tools: ['forecast'], maxSteps: 3 })
 * ```
 */
export function Tool(options: ToolOptions): MethodDecorator {
  return SetMetadata(TOOL_METADATA, options);
}

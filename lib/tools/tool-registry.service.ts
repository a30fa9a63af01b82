import { Injectable, Optional, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import type { ToolDefinition, ToolExecutionContext } from './tool-definition.interface.js';
import { ToolDefinitionException } from './tool-definition.exception.js';
import { ToolMessages } from './tool-messages.js';
import { TOOL_METADATA, type ToolOptions } from './tool.decorator.js';
import { resolveTool, type ResolvedTool, type ToolLookup } from './resolve-tools.js';

/**
 * The tools calls can name (`tools: ['add']`): every `@Tool()` method of the app's providers,
 * found when the app boots (a tool whose schema does not convert stops the boot with an error
 * naming the tool and the field), and tools added with `register()`.
 */
@Injectable()
export class ToolRegistry implements OnModuleInit, ToolLookup {
  private readonly tools = new Map<string, { tool: ResolvedTool; where: string }>();

  constructor(
    @Optional() private readonly discovery?: DiscoveryService,
    @Optional() private readonly scanner?: MetadataScanner,
    @Optional() private readonly reflector?: Reflector,
  ) {}

  onModuleInit(): void {
    if (!this.discovery || !this.scanner) return;
    const reflector = this.reflector ?? new Reflector();
    for (const wrapper of this.discovery.getProviders()) {
      const instance = wrapper.instance as Record<string, unknown> | undefined;
      if (!instance || typeof instance !== 'object' || !wrapper.isDependencyTreeStatic()) continue;
      const prototype = Object.getPrototypeOf(instance) as object | null;
      if (!prototype) continue;
      for (const method of this.scanner.getAllMethodNames(prototype)) {
        const handler = instance[method];
        if (typeof handler !== 'function') continue;
        const options = reflector.get<ToolOptions | undefined>(TOOL_METADATA, handler as () => unknown);
        if (!options) continue;
        const { name = method, ...definition } = options;
        const where = `${String(wrapper.name)}.${method}()`;
        this.add(
          name,
          {
            ...definition,
            execute: (args: unknown, context: ToolExecutionContext) =>
              (handler as (a: unknown, c: ToolExecutionContext) => unknown).call(instance, args, context),
          },
          where,
        );
      }
    }
  }

  /** Adds a tool calls can name. Throws ToolDefinitionException for a bad definition or a name already taken. */
  register(name: string, definition: ToolDefinition): void {
    this.add(name, definition, 'registered');
  }

  get(name: string): ResolvedTool | undefined {
    return this.tools.get(name)?.tool;
  }

  /** Names of the tools, in registration order. */
  names(): string[] {
    return [...this.tools.keys()];
  }

  private add(name: string, definition: ToolDefinition, where: string): void {
    const existing = this.tools.get(name);
    if (existing) throw new ToolDefinitionException(ToolMessages.duplicateTool(name, `${existing.where} and ${where}`), name);
    this.tools.set(name, { tool: resolveTool(name, definition), where });
  }
}

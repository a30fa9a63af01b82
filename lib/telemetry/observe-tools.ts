import { redactSecrets } from '../errors/redact.js';
import type { ToolExecutionContext } from '../tools/tool-definition.interface.js';
import type { ResolvedTool } from '../tools/resolve-tools.js';
import type { EngineTelemetry, TelemetrySpan } from './engine-telemetry.js';

/**
 * The call's tools, each with an `execute_tool {name}` span (GenAI semantic conventions:
 * `gen_ai.operation.name` `execute_tool`, `gen_ai.tool.name`, `gen_ai.tool.call.id`,
 * `gen_ai.tool.description`; `error.type` when it fails) under `parent`, the call's `chat` span,
 * around each run of its `execute`. A run that throws ends its span with `error.type` the
 * error's name; one stopped by its signal (the tool's timeout, or the stream's end) with
 * `timeout` or `aborted`, at that moment, whether or not `execute` ever settles.
 */
export function instrumentTools(tools: Map<string, ResolvedTool>, telemetry: EngineTelemetry, parent: TelemetrySpan): Map<string, ResolvedTool> {
  if (tools.size === 0) return tools;
  const instrumented = new Map<string, ResolvedTool>();
  for (const [name, tool] of tools) {
    const execute = tool.definition.execute;
    if (!execute) {
      instrumented.set(name, tool);
      continue;
    }
    const observed = Object.create(tool) as ResolvedTool;
    observed.definition = {
      ...tool.definition,
      execute: (args: unknown, context: ToolExecutionContext) => {
        const startedAt = performance.now();
        const span = telemetry.startChildSpan(
          parent,
          `execute_tool ${tool.name}`,
          {
            'gen_ai.operation.name': 'execute_tool',
            'gen_ai.tool.name': tool.name,
            'gen_ai.tool.call.id': context.callId,
            'gen_ai.tool.description': tool.description,
            'gen_ai.tool.type': 'function',
            'bupple.tool.step': context.step,
          },
          'internal',
        );
        let ended = false;
        const end = (error?: { type: string; message: string }) => {
          if (ended) return;
          ended = true;
          context.signal.removeEventListener('abort', onAbort);
          if (error) telemetry.fail(span, new Error(redactSecrets(error.message)), error.type);
          span.end();
        };
        // the run's signal fires on the tool's timeout and on the stream's end: the run is over then
        const onAbort = () => {
          const timedOut = performance.now() - startedAt >= tool.timeoutMs - 1;
          end(timedOut ? { type: 'timeout', message: `${tool.name} timed out` } : { type: 'aborted', message: `${tool.name} was aborted` });
        };
        if (context.signal.aborted) onAbort();
        else context.signal.addEventListener('abort', onAbort, { once: true });
        try {
          const value = execute(args, context);
          if (value instanceof Promise || (typeof value === 'object' && value !== null && typeof (value as PromiseLike<unknown>).then === 'function')) {
            return Promise.resolve(value).then(
              (result) => {
                end();
                return result;
              },
              (error: unknown) => {
                end(failureOf(error));
                throw error;
              },
            );
          }
          end();
          return value;
        } catch (error) {
          end(failureOf(error));
          throw error;
        }
      },
    };
    instrumented.set(name, observed);
  }
  return instrumented;
}

function failureOf(error: unknown): { type: string; message: string } {
  return error instanceof Error ? { type: error.name || 'Error', message: error.message } : { type: 'error', message: String(error) };
}

/** Every message of the tool layer, in one place. */
export const ToolMessages = {
  badName: (name: string) => `Tool name "${name}" must be 1–64 letters, digits, _ or -.`,
  badDefinition: (name: string, why: string) => `Tool "${name}": ${why}.`,
  badSchema: (name: string, problems: string[]) => `Tool "${name}" has parameters that cannot be sent: ${problems.join('; ')}.`,
  unknownTool: (name: string, known: string[]) => `Unknown tool "${name}". Registered tools: ${known.map((n) => `"${n}"`).join(', ') || '(none)'}.`,
  badToolChoice: (name: string, known: string[]) =>
    `toolChoice must be auto, none, required or the name of one of the call's tools (${known.join(', ') || 'none given'}), not "${name}".`,
  badMaxSteps: (value: unknown) => `maxSteps must be an integer from 1 to 100, not ${JSON.stringify(value)}.`,
  badArguments: (name: string, problems: string[]) => `Invalid arguments for tool "${name}": ${problems.join('; ')}.`,
  argumentsNotJson: (name: string) => `The arguments of tool "${name}" are not valid JSON.`,
  notFound: (name: string, known: string[]) => `There is no tool named "${name}". Available tools: ${known.join(', ') || '(none)'}.`,
  failed: (name: string, why: string) => `Tool "${name}" failed: ${why}`,
  timedOut: (name: string, ms: number) => `Tool "${name}" did not finish within ${ms} ms.`,
  aborted: (name: string) => `Tool "${name}" was stopped: the stream ended.`,
  denied: (name: string, reason?: string) => `The user denied the call of tool "${name}"${reason ? `: ${reason}` : '.'}`,
  notApproved: (name: string) => `The call of tool "${name}" was not approved.`,
  notExecuted: (name: string) => `The call of tool "${name}" was not executed.`,
  interrupted: (name: string) => `The call of tool "${name}" was interrupted.`,
  duplicateTool: (name: string, where: string) => `Two tools are named "${name}" (${where}); tool names must be unique.`,
  notSerialisable: (name: string) => `Tool "${name}" returned a value that is not JSON.`,
};

/** Every message the library writes, in one place. None may include a secret. */
export const ErrorMessages = {
  unknownEngine: (name: string, configured: string[]) =>
    `Unknown engine "${name}". Configured engines: ${configured.map((n) => `"${n}"`).join(', ') || '(none)'}.`,
  missingPackage: (pkg: string, feature: string) =>
    `The "${pkg}" package is needed for ${feature} but is not installed. Run: npm install ${pkg}`,
  invalidOptions: (problems: string[]) =>
    `Invalid BuppleEngineModule options:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
  noMessages: () => 'messages must be a non-empty array of { role, content }.',
  badMessage: (index: number, why: string) => `messages[${index}]${why.startsWith('.') ? '' : ' '}${why}`,
  authentication: (provider: string, status?: number) =>
    `${provider} rejected the API key${status ? ` (HTTP ${status})` : ''}. Check the engine's apiKey.`,
  rateLimited: (provider: string, retryAfterMs?: number) =>
    `${provider} is rate limiting requests${retryAfterMs !== undefined ? `; retry after ${Math.ceil(retryAfterMs / 1000)} s` : ''}.`,
  badRequest: (provider: string, detail?: string) =>
    `${provider} rejected the request${detail ? `: ${detail}` : '.'}`,
  overloaded: (provider: string) => `${provider} is overloaded; try again later.`,
  serverError: (provider: string, status?: number) =>
    `${provider} failed on its side${status ? ` (HTTP ${status})` : ''}.`,
  connection: (provider: string, detail: string) => `Could not reach ${provider}: ${detail}.`,
  firstByteTimeout: (provider: string, ms: number) => `${provider} did not answer within ${ms} ms.`,
  stalled: (provider: string, ms: number) => `${provider} stream stalled: no data for ${ms} ms.`,
  contentFilter: (provider: string) => `${provider} stopped the answer because of its content policy.`,
  unsupportedPart: (provider: string, part: string) => `${provider} cannot take a message part of type "${part}".`,
  streamFailed: () => 'The stream failed.',
} as const;

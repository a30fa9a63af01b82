/** Every message the library writes, in one place. None may include a secret. */
export const ErrorMessages = {
  unknownEngine: (name: string, configured: string[]) =>
    `Unknown engine "${name}". Configured engines: ${configured.map((n) => `"${n}"`).join(', ') || '(none)'}.`,
  missingPackage: (pkg: string, feature: string) => `The "${pkg}" package is needed for ${feature} but is not installed. Run: npm install ${pkg}`,
  invalidOptions: (problems: string[]) => `Invalid BuppleEngineModule options:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
  noMessages: () => 'messages must be a non-empty array of { role, content }.',
  badMessage: (index: number, why: string) => `messages[${index}]${why.startsWith('.') ? '' : ' '}${why}`,
  authentication: (provider: string, status?: number) => `${provider} rejected the API key${status ? ` (HTTP ${status})` : ''}. Check the engine's apiKey.`,
  rateLimited: (provider: string, retryAfterMs?: number) =>
    `${provider} is rate limiting requests${retryAfterMs !== undefined ? `; retry after ${Math.ceil(retryAfterMs / 1000)} s` : ''}.`,
  badRequest: (provider: string, detail?: string) => `${provider} rejected the request${detail ? `: ${detail}` : '.'}`,
  clientAuthentication: (provider: string) => `${provider} refused the server's credentials.`,
  clientQuota: (provider: string) => `${provider} refused the request: the account's quota is used up.`,
  clientConnection: (provider: string) => `${provider} could not be reached or did not answer in time.`,
  tokenLimit: (limit: number) => `The token budget of this window (${limit} tokens) is used up; try again when it ends.`,
  tooManyStreams: (limit: number) => `Too many streams at once (at most ${limit}); wait for one to end.`,
  modelNotAllowed: (engine: string, allowed: string[]) => `model is not allowed for engine "${engine}"; allowed: ${allowed.map((m) => `"${m}"`).join(', ')}.`,
  overloaded: (provider: string) => `${provider} is overloaded; try again later.`,
  serverError: (provider: string, status?: number) => `${provider} failed on its side${status ? ` (HTTP ${status})` : ''}.`,
  connection: (provider: string, detail: string) => `Could not reach ${provider}: ${detail}.`,
  firstByteTimeout: (provider: string, ms: number) => `${provider} did not answer within ${ms} ms.`,
  stalled: (provider: string, ms: number) => `${provider} stream stalled: no data for ${ms} ms.`,
  contentFilter: (provider: string) => `${provider} stopped the answer because of its content policy.`,
  unsupportedPart: (provider: string, part: string) => `${provider} cannot take a message part of type "${part}".`,
  streamFailed: () => 'The stream failed.',
  internalFailure: (code: string) =>
    code === 'memory_connection' ? 'The conversation store is unreachable; try again later.' : 'The server could not complete the request.',
  memoryInvalidId: (field: string, why: string) => `Invalid ${field}: ${why}.`,
  memoryInvalidMessage: (why: string) => `Invalid conversation message: ${why}.`,
  memoryInvalidOption: (path: string, why: string) => `memory.${path}: ${why}`,
  memoryUnreachable: (store: string, target: string, detail: string, hint?: string) =>
    `The ${store} conversation store at ${target} is unreachable: ${detail}.${hint ? ` ${hint}` : ''}`,
  memoryConnectionLost: (store: string, detail: string) => `The ${store} conversation store failed: ${detail}.`,
  memoryStorage: (store: string, action: string, detail: string) => `The ${store} conversation store could not ${action}: ${detail}.`,
  memoryLockTimeout: (file: string, ms: number) => `Could not lock conversation file ${file} within ${ms} ms (another writer holds it).`,
  memoryTableMissing: (table: string) => `Table ${table} does not exist. Run migrations/engine_memory.sql or set memory.database.createTable: true.`,
  memoryToolRoleMissing: (table: string) =>
    `Table ${table} cannot store tool messages (role "tool"): run migrations/engine_memory_tool_role.sql, or set memory.database.createTable: true.`,
  memoryOwnerColumnMissing: (table: string) =>
    `Table ${table} has no owner column (it was made before conversations had owners). Run migrations/engine_memory_owner.sql or set memory.database.createTable: true.`,
  memoryClosed: (store: string) => `The ${store} conversation store is closed.`,
  partNotAllowedForRole: (provider: string, role: string, part: string) => `${provider} takes only text in ${role} messages, not a part of type "${part}".`,
  imagePartWithoutSource: () => 'an image part needs a url, or base64 data with its mimeType.',
  imageDataWithoutMimeType: () => 'an image part with base64 data needs its mimeType (e.g. image/png).',
  unsupportedAudioFormat: (provider: string, mimeType: string) => `${provider} takes audio as audio/wav or audio/mp3 (audio/mpeg), not "${mimeType}".`,
  streamEndedEarly: (provider: string) => `${provider} ended the stream before the answer was finished.`,
  streamLimit: (provider: string, limit: number) => `${provider} sent an event-stream line or event longer than ${limit} characters; the stream was stopped.`,
  notEventStream: (provider: string, status: number, contentType: string | null) =>
    `${provider} answered HTTP ${status} with ${contentType ? `content type "${contentType}"` : 'no content type'} instead of an event stream.`,
  malformedStream: (provider: string) => `${provider} sent a stream event that is not valid JSON.`,
  providerReportedError: (provider: string, detail: string) => `${provider} reported an error: ${detail}`,
  structuredOutputWeaker: (provider: string, mode: string) =>
    mode === 'json_object'
      ? `${provider} is configured without json_schema structured output (structuredOutput: 'json_object'): the schema was sent in a system message with JSON mode, so the answer is not held to it by the provider.`
      : `${provider} is configured without JSON modes (structuredOutput: 'prompt'): the schema was sent in a system message only, so the answer is not held to it by the provider.`,
  schemaNotStrict: (provider: string) => `${provider} strict structured output takes an object at the schema's root: the schema was sent without strict mode.`,
  optionNotSupported: (provider: string, option: string, detail?: string) =>
    `${provider} does not support ${option}${detail ? ` (${detail})` : ''}; it was not sent.`,
  firstTurnNotUser: (provider: string) =>
    `${provider} needs the conversation to start with a user message (after any system messages), but it starts with an assistant message. ` +
    "Start with the user's message, or move the opening assistant line into a system message.",
  noConversationTurns: (provider: string) => `${provider} needs at least one user or assistant message besides system messages.`,
  imageUrlWithoutMimeType: (provider: string) => `${provider} needs the mimeType of an image given by URL (e.g. image/jpeg).`,
  unsupportedImageType: (provider: string, mimeType: string, allowed: readonly string[]) =>
    `${provider} takes images as ${allowed.join(', ')}, not "${mimeType}".`,
  billing: (provider: string, detail?: string) =>
    `${provider} refused the request for a billing reason${detail ? `: ${detail}` : '.'} Check the account's plan and credit.`,
  promptBlocked: (provider: string, reason: string, detail?: string) => `${provider} blocked the prompt (${reason})${detail ? `: ${detail}` : '.'}`,
  audioWithoutMimeType: () => 'an audio part needs its mimeType (e.g. audio/wav).',
  toolArgsNotObject: (provider: string) => `${provider} takes the arguments of a tool call as a JSON object.`,
  schemaNotConvertible: (provider: string, what: string, field: string, why: string) =>
    `${provider} cannot take the JSON Schema of ${what}: ${field || '(root)'}: ${why}.`,
  toolChoiceUnknown: (provider: string, name: string) => `toolChoice names the tool "${name}", which is not among the tools given to ${provider}.`,
  vertexOnlyOption: (field: string) => `${field} parameter is only supported in Vertex AI, not in the Gemini Developer API`,
  sseResync: () => 'The missed events of this stream are no longer held; ask again.',
  sseReplayUnreachable: (target: string, detail: string) =>
    `The Redis SSE replay store at ${target} is unreachable: ${detail}. Is Redis running? Check sse.replay.redis.url (BUPPLE_SSE_REPLAY_REDIS_URL); streams keep working, resumption stays within this instance.`,
  schemaProblems: (problems: string[]) => `Cannot convert to JSON Schema:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
  objectModeUnknown: (engine: string) =>
    `${engine} did not say how it honoured the JSON schema (a driver without structured output?): the answer is read as JSON and validated here.`,
  objectModeWeak: (engine: string, mode: string) =>
    `${engine} answered in "${mode}" mode: the provider did not enforce the schema, the answer is validated here.`,
  objectRepair: (errors: string[]) =>
    `Your answer does not match the JSON schema:\n${errors.map((e) => `- ${e}`).join('\n')}\nAnswer again with only the corrected JSON.`,
  objectCutOff: () => 'the answer was cut off at the token limit',
  objectNotJson: (reason: string) => `the answer is not JSON: ${reason}`,
  objectInvalid: (errors: string[]) => `The model's answer is not a valid object:\n${errors.map((e) => `  - ${e}`).join('\n')}`,
  sseReplayUnavailable: () => 'The stream replay store is unavailable for now; try again shortly.',
  deltaTooLarge: (provider: string, chars: number, max: number) =>
    `${provider} sent one delta of ${chars} characters, more than engine.maxDeltaChars (${max}); the answer was ended.`,
  deadline: (provider: string, ms: number) => `${provider} did not finish the answer within the overall deadline of ${ms} ms (timeout.totalMs).`,
} as const;

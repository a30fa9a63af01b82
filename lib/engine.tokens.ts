/**
 * Internal injection tokens: never re-exported from the package. Registered symbols, so that
 * the CommonJS and the ESM build of the package (both may load in one process) name the same token.
 */
export const ENGINE_DRIVERS = Symbol.for('bupple.nestjs-ai-engine.drivers');
/** The module options' token (one for both builds, see above). */
export const ENGINE_OPTIONS_TOKEN = Symbol.for('bupple.nestjs-ai-engine.options');
/** The loaded OpenTelemetry instruments, or null (see EngineTelemetry.load). */
export const ENGINE_TELEMETRY = Symbol.for('bupple.nestjs-ai-engine.telemetry');

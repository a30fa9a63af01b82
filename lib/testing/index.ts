// Public API of @bupple/nestjs-ai-engine/testing: helpers for testing your own streaming routes.
export { parseSseBytes, readSseResponse, cutAfter } from './sse-testing.js';
export type { ParsedSseEvent, SseInput, SseResponseResult, ReadSseOptions } from './sse-testing.js';
export { scriptedEngine, waitForRequestEnd } from './scripted-engine.js';
export type { ScriptedEngine } from './scripted-engine.js';
export { OfflineDriver, splitIntoTokens } from '../drivers/offline/offline.driver.js';
export type { OfflineRequestRecord, OfflineRequestState } from '../drivers/offline/offline.driver.js';
export type { OfflineEngineConfig, OfflineFailure, OfflineFailureKind } from '../drivers/offline/offline-engine-config.interface.js';

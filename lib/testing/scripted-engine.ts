import { OfflineDriver } from '../drivers/offline/offline.driver.js';
import type { OfflineEngineConfig } from '../drivers/offline/offline-engine-config.interface.js';
import type { BuppleEngineModuleOptions } from '../bupple-engine.module-options.js';

/** A scripted engine and module options that make it the default engine. */
export interface ScriptedEngine {
  /** The driver: read `driver.requests` / `driver.lastRequest` to see what was asked and whether it was aborted. */
  driver: OfflineDriver;
  /** Pass to `BuppleEngineModule.forRoot()`; spread in your own `sse` or `memory` options. */
  options: BuppleEngineModuleOptions;
}

/**
 * Makes an offline engine that streams what you script (chunks, pace, a failure at chunk
 * N) and records each request, plus module options that use it as the default engine:
 *
 * ```ts
 * const { driver, options } = scriptedEngine({ chunks: ['Hel', 'lo'], tokenDelayMs: 5 });
 * Test.createTestingModule({ imports: [BuppleEngineModule.forRoot(options)], controllers: [ChatController] });
 * ```
 */
export function scriptedEngine(script: OfflineEngineConfig = {}, name = 'scripted'): ScriptedEngine {
  const driver = new OfflineDriver(name, script);
  return { driver, options: { engine: { default: name, drivers: { [name]: driver } } } };
}

/**
 * Waits until the driver's latest request ended (completed, aborted or failed), for at most
 * `timeoutMs`; returns its record. Useful after cutting a connection: the abort reaches the
 * engine a moment later.
 */
export async function waitForRequestEnd(driver: OfflineDriver, timeoutMs = 2000): Promise<OfflineDriver['lastRequest']> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const last = driver.lastRequest;
    if (last && last.state !== 'running') return last;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return driver.lastRequest;
}

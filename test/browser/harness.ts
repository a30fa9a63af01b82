import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext } from 'playwright-core';
import { lastValueFrom, toArray } from 'rxjs';
// the driver's own file, not the whole package: the specs compile faster
import { OfflineDriver } from '../../lib/drivers/offline/offline.driver.js';
import { freePort, TcpProxy } from '../utils/tcp-proxy.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const SAMPLE_MAIN = join(ROOT, 'sample/dist/main.js');
export const OUTPUT_DIR = join(ROOT, 'test-output/browser');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export { freePort };

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The built sample (`node sample/dist/main.js`) as a child process on a fixed port, so it can
 * be killed and started again on the same address. No provider key of the test's environment
 * reaches it: it runs on the offline engine, or on a local fake provider whose key `env` gives.
 */
export class SampleProcess {
  private child?: ChildProcess;
  private output = '';

  constructor(
    readonly port: number,
    private readonly env: Record<string, string>,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** What the process printed (for failure messages). */
  get logs(): string {
    return this.output.slice(-4000);
  }

  /** Starts it and waits until it answers HTTP (at most `timeoutMs`). */
  async start(timeoutMs = 15_000): Promise<void> {
    if (!existsSync(SAMPLE_MAIN)) throw new Error(`${SAMPLE_MAIN} is missing: run "npm run build && npm run build:sample" first.`);
    const env: Record<string, string> = {};
    for (const [name, value] of Object.entries(process.env)) {
      // no provider key and no jest flags reach the sample
      if (value !== undefined && !/_API_KEY$/.test(name) && name !== 'NODE_OPTIONS') env[name] = value;
    }
    const child = spawn(process.execPath, [SAMPLE_MAIN], {
      cwd: ROOT,
      env: { ...env, ...this.env, PORT: String(this.port), HOST: '127.0.0.1', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stdout?.on('data', (data: Buffer) => (this.output += data.toString()));
    child.stderr?.on('data', (data: Buffer) => (this.output += data.toString()));
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`The sample exited (${child.exitCode ?? child.signalCode}):\n${this.logs}`);
      try {
        const response = await fetch(`${this.url}/chat/engines`, { signal: AbortSignal.timeout(1000) });
        await response.body?.cancel();
        if (response.ok) return;
      } catch {
        // not listening yet
      }
      await sleep(100);
    }
    await this.kill();
    throw new Error(`The sample did not answer on ${this.url} within ${timeoutMs} ms:\n${this.logs}`);
  }

  /** Kills it (SIGKILL by default: no graceful shutdown, as a crash) and waits for the exit. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    let timer: NodeJS.Timeout | undefined;
    const exited = new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      timer = setTimeout(resolve, 5000);
    });
    child.kill(signal);
    await exited;
    clearTimeout(timer);
  }
}

/**
 * The network between the browser and the sample: a TCP relay the test can cut. Chromium's
 * offline emulation (`context.setOffline`) fails new requests but lets a response that is
 * already streaming go on, so going offline also cuts the open connections here, as a real
 * network loss would. When the sample is down, connections are cut as they come.
 */
export class NetworkLink extends TcpProxy {
  constructor(port: number, targetPort: number) {
    super('127.0.0.1', targetPort, port);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  open(): Promise<void> {
    return this.up();
  }

  close(): Promise<void> {
    return this.down();
  }
}

/** Headless Chromium from the system package, with a fresh profile; `close()` removes it. */
export async function launchBrowser(): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium package (apt-get install -y chromium) or set CHROMIUM_PATH.`);
  }
  const profile = mkdtempSync(join(tmpdir(), 'bupple-browser-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    timeout: 20_000,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-quic',
      '--no-first-run',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 900, height: 680 },
    locale: 'en-GB',
    timezoneId: 'UTC',
  });
  return {
    context,
    close: async () => {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export function outputPath(name: string): string {
  mkdirSync(OUTPUT_DIR, { recursive: true });
  return join(OUTPUT_DIR, name);
}

/** What one browser spec file runs against: the built sample as a child process, and a Chromium. */
export interface BrowserSuite {
  sample: SampleProcess;
  context: BrowserContext;
  /** Closes the browser, then kills the sample. */
  close(): Promise<void>;
}

/**
 * Starts the built sample on a free port with `env`, then a headless Chromium whose actions
 * wait at most 15 s. A browser that fails to start does not leave the sample running.
 */
export async function startBrowserSuite(env: Record<string, string>): Promise<BrowserSuite> {
  const sample = new SampleProcess(await freePort(), env);
  await sample.start();
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  try {
    browser = await launchBrowser();
  } catch (error) {
    await sample.kill();
    throw error;
  }
  browser.context.setDefaultTimeout(15_000);
  return {
    sample,
    context: browser.context,
    close: async () => {
      await browser.close();
      await sample.kill();
    },
  };
}

/** What the offline engine answers to one fresh question: computed by the same driver, at full speed. */
export async function offlineAnswer(question: string): Promise<string> {
  const driver = new OfflineDriver('offline', { tokenDelayMs: 0 });
  const parts = await lastValueFrom(driver.stream({ messages: [{ role: 'user', content: question }], options: { model: 'offline-1' } }).pipe(toArray()));
  return parts.map((part) => (part.type === 'text-delta' ? part.text : '')).join('');
}

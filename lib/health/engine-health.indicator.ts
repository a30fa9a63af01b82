import { Injectable } from '@nestjs/common';
import { EngineService } from '../engine.service.js';
import { MemoryService } from '../memory/memory.service.js';
import { SseStreams } from '../sse/sse-streams.service.js';

/** The state of one dependency: `up`, or `down` with a message that holds no secret. */
export interface DependencyHealth {
  status: 'up' | 'down';
  message?: string;
}

/** What `EngineHealthIndicator.isHealthy()` checks besides the memory store and the replay store. */
export interface EngineHealthCheckOptions {
  /** How long one check may take before it counts as down, in ms. Default 2000. */
  timeoutMs?: number;
  /**
   * Engines to call with a one-token request (`maxTokens: 1`), e.g. `['openai']`. Off by default:
   * each check is a billed provider call, so keep it for a readiness probe that runs rarely.
   */
  engines?: string[];
}

/** The result, in the shape `@nestjs/terminus` expects of an indicator: `{ [key]: { status, … } }`. */
export type EngineHealthResult<Key extends string = string> = Record<
  Key,
  {
    status: 'up' | 'down';
    memory: DependencyHealth & { store: string };
    replay: DependencyHealth & { driver: string };
    engines?: Record<string, DependencyHealth>;
  }
>;

const HEALTH_KEY = { parentType: 'bupple-health', parentId: 'ping' };

async function within(timeoutMs: number, what: string, check: () => Promise<unknown>): Promise<DependencyHealth> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([check(), timeout]);
    return { status: 'up' };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { status: 'down', message: message.startsWith(what) ? message : `${what}: ${message}` };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A health indicator for `@nestjs/terminus` (and for any readiness route): the memory store
 * answers a read, the replay store (Redis, when configured) answers a PING, and optionally
 * engines answer a one-token request. It imports nothing from terminus: its result has the
 * indicator shape terminus reads, and a `down` status makes `HealthCheckService.check()`
 * answer 503.
 *
 * @example
 * ```ts
 * @Get('health') @HealthCheck()
 * check() { return this.health.check([() => this.engineHealth.isHealthy('engine')]); }
 * ```
 */
@Injectable()
export class EngineHealthIndicator {
  constructor(
    private readonly memory: MemoryService,
    private readonly streams: SseStreams,
    private readonly engine: EngineService,
  ) {}

  async isHealthy<const Key extends string = 'bupple-engine'>(key?: Key, options: EngineHealthCheckOptions = {}): Promise<EngineHealthResult<Key>> {
    const timeoutMs = options.timeoutMs ?? 2000;
    const store = this.memory.store;
    const [memory, replay, engines] = await Promise.all([
      within(timeoutMs, `The ${store.name} memory store`, () => store.list(HEALTH_KEY, { limit: 1 })),
      this.streams.replayDriver === 'redis'
        ? within(timeoutMs, 'The Redis replay store', () => this.streams.pingReplay())
        : Promise.resolve<DependencyHealth>({ status: 'up' }),
      this.checkEngines(options.engines ?? [], timeoutMs),
    ]);
    const parts = [memory, replay, ...Object.values(engines ?? {})];
    const entry: EngineHealthResult<Key>[Key] = {
      status: parts.every((part) => part.status === 'up') ? 'up' : 'down',
      memory: { store: store.name, ...memory },
      replay: { driver: this.streams.replayDriver, ...replay },
    };
    if (engines) entry.engines = engines;
    return { [key ?? 'bupple-engine']: entry } as EngineHealthResult<Key>;
  }

  private async checkEngines(names: string[], timeoutMs: number): Promise<Record<string, DependencyHealth> | undefined> {
    if (names.length === 0) return undefined;
    const results = await Promise.all(
      names.map((name) =>
        within(timeoutMs, `Engine ${name}`, async () => {
          const engine = this.engine.engine(name);
          await new Promise<void>((resolve, reject) =>
            engine
              .send([{ role: 'user', content: 'ping' }], { maxTokens: 1, retry: { maxRetries: 0 }, fallback: [] })
              .subscribe({ error: reject, complete: resolve }),
          );
        }),
      ),
    );
    return Object.fromEntries(names.map((name, i) => [name, results[i]]));
  }
}

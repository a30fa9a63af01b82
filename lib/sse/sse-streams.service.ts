import { Inject, Injectable, Logger, Optional, type BeforeApplicationShutdown, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { defer, mergeMap, type Observable } from 'rxjs';
import { ENGINE_MODULE_OPTIONS } from '../bupple-engine.module-definition.js';
import { ENGINE_TELEMETRY } from '../engine.tokens.js';
import type { EngineTelemetry, TelemetrySpan } from '../telemetry/engine-telemetry.js';
import { ErrorMessages } from '../errors/error-messages.js';
import type { BuppleEngineModuleOptions } from '../bupple-engine.module-options.js';
import {
  DEFAULT_MAX_STREAM_CHARS,
  DEFAULT_MAX_TOTAL_CHARS,
  DEFAULT_REPLAY_TTL_MS,
  MemoryReplayStore,
  type ReplayRecord,
} from './replay/memory-replay-buffer.js';
import { RedisReplayStore } from './replay/redis-replay-store.js';
import type { ReplayStore, SseControlMessage } from './replay/replay-store.js';
import { ReplayUnavailableException } from './replay/replay-unavailable.exception.js';
import { outageRetryAfterMs, reconnectDelay, type RedisTarget } from '../utils/redis-policy.js';
import { parseSseEventId, type SseStreamInfo, type SseStreamState } from './replay/replay-record.js';
import type { SseConnection } from './sse-connection.js';
import { encodeSseEvent } from './sse-encoder.js';
import type { SseReplayOptions, SseRequest } from './sse-options.interface.js';
import { resolveScope } from '../scope/engine-scope.js';
import { TokenWindows } from '../security/limits.js';
import { sseResumeRequest, type SseResumeRequest } from './sse-resume.js';
import type { SseSession, SseSessionHost } from './sse-session.js';

/** How `stop()` went. */
export type SseStopResult = 'stopped' | 'finished' | 'not_found';

const REDIS_MAX_LEN = 20_000;

/** The `resync` event: the events asked for are no longer held; the client should ask again. */
/** A stream id no stream has (ids are base64url): resuming it answers 204 / resync. */
const NO_STREAM = '~none';

/** Where the replay store's Redis is: the cluster, the sentinels, or the URL (default `redis://127.0.0.1:6379`). */
function redisTargetOf(redis: SseReplayOptions['redis']): RedisTarget {
  if (redis?.cluster) return { cluster: redis.cluster };
  if (redis?.sentinel) return { sentinel: redis.sentinel };
  return { url: redis?.url ?? 'redis://127.0.0.1:6379' };
}

function resyncEvent(streamId: string): string {
  return encodeSseEvent({ event: 'resync', data: JSON.stringify({ streamId, message: ErrorMessages.sseResync() }) });
}

/** The key of a scope in per-scope counts; the anonymous scope cannot collide with a named one. */
function scopeKey(scope: string | undefined): string {
  return scope ? `s:${scope}` : 'anonymous';
}

/**
 * A stream is reached only with the scope it was started with: a scoped one never without
 * (or with another) scope, an anonymous one never from a scope (`''` counts as anonymous).
 */
function scopeAllows(streamScope: string | undefined, given: string | undefined): boolean {
  return (streamScope || undefined) === (given || undefined);
}

/**
 * The streams of this app: the ones generating in this process, the replay buffer (in
 * process, or Redis so that every instance shares it), and the two things an app does with
 * a stream besides reading it: `resume()` it from an event id, and `stop()` it.
 *
 * @example
 * ```ts
 * @Get('streams/:streamId')
 * @SseStream()
 * resume(@Param('streamId') id: string, @Headers('last-event-id') lastEventId?: string) {
 *   return this.streams.resume(id, lastEventId);
 * }
 *
 * @Delete('streams/:streamId')
 * @HttpCode(204)
 * async stop(@Param('streamId') id: string) {
 *   if ((await this.streams.stop(id)) === 'not_found') throw new NotFoundException();
 * }
 * ```
 */
@Injectable()
export class SseStreams implements SseSessionHost, OnModuleInit, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger('BuppleSse');
  private readonly sessions = new Map<string, SseSession>();
  /** Streams generating per scope (see `runningFor`). */
  private readonly perScope = new Map<string, number>();
  /** Tokens used per scope and window (`limits.tokensPerWindow`). */
  private readonly tokens?: TokenWindows;
  /** The streams of this process (and, with the memory driver, the finished ones too). */
  private readonly local: MemoryReplayStore;
  private readonly replay: SseReplayOptions;
  private readonly moduleOptions?: BuppleEngineModuleOptions;
  private redis?: RedisReplayStore;
  /** The Redis store while it has not connected yet (down at startup): retried in the background. */
  private pendingRedis?: RedisReplayStore;
  private connectTimer?: NodeJS.Timeout;
  private shutDown = false;
  private readonly followers = new Set<{ end: () => void }>();

  /** Request spans of the streams generating here, for their end event (OpenTelemetry). */
  private readonly spans = new WeakMap<SseSession, TelemetrySpan>();
  /** The latest stream per resume key (scope and key), in this process. */
  private readonly links = new Map<string, string>();
  private readonly linkOf = new Map<string, string>();

  constructor(
    @Optional() @Inject(ENGINE_MODULE_OPTIONS) moduleOptions?: BuppleEngineModuleOptions,
    @Optional() @Inject(ENGINE_TELEMETRY) private readonly telemetry?: EngineTelemetry | null,
  ) {
    this.moduleOptions = moduleOptions;
    const budget = moduleOptions?.limits?.tokensPerWindow;
    if (budget) this.tokens = new TokenWindows(budget.windowMs);
    this.replay = moduleOptions?.sse?.replay ?? {};
    const redis = this.replay.driver === 'redis';
    this.local = new MemoryReplayStore(
      {
        ttlMs: this.replay.ttlMs ?? DEFAULT_REPLAY_TTL_MS,
        maxStreamChars: this.replay.maxStreamChars ?? DEFAULT_MAX_STREAM_CHARS,
        maxTotalChars: this.replay.maxTotalChars ?? DEFAULT_MAX_TOTAL_CHARS,
        keepFinished: !redis,
      },
      (message) => this.onControl(message),
    );
  }

  async onModuleInit(): Promise<void> {
    if (this.replay.driver !== 'redis') return;
    const store = new RedisReplayStore(
      {
        ...redisTargetOf(this.replay.redis),
        keyPrefix: this.replay.redis?.keyPrefix ?? 'bupple:sse:',
        ttlMs: this.replay.ttlMs ?? DEFAULT_REPLAY_TTL_MS,
        maxLen: REDIS_MAX_LEN,
        policy: {
          connectTimeoutMs: this.replay.redis?.connectTimeoutMs,
          commandTimeoutMs: this.replay.redis?.commandTimeoutMs,
          maxReconnectDelayMs: this.replay.redis?.maxReconnectDelayMs,
        },
      },
      this.logger,
      (message) => this.onControl(message),
    );
    // a replay store that is down must not stop the app: streams still work, it connects once Redis is there
    this.pendingRedis = store;
    await this.connectRedis(store, 1);
  }

  private async connectRedis(store: RedisReplayStore, attempt: number): Promise<void> {
    try {
      await store.connect();
      if (this.shutDown) return;
      this.pendingRedis = undefined;
      this.redis = store;
      if (attempt > 1) this.logger.log(`SSE replay store (Redis): connected after ${attempt} attempts.`);
    } catch (error) {
      if (this.shutDown) return;
      if (attempt === 1) this.logger.error((error as Error).message);
      this.connectTimer = setTimeout(() => void this.connectRedis(store, attempt + 1), reconnectDelay(attempt, store.policy));
      this.connectTimer.unref();
    }
  }

  /**
   * Whether resuming and stopping streams held by other instances works now: always with the
   * memory driver; with Redis, whether the replay store is connected and answering (false
   * while it is down or hangs, true again once it is back, without a restart).
   */
  get replayReady(): boolean {
    if (this.replay.driver !== 'redis') return true;
    return this.redis?.ready === true;
  }

  /** Runs a replay-store read; a store that is away is a ReplayUnavailableException (503 with Retry-After), never a raw error. */
  private async read<T>(run: (store: ReplayStore) => Promise<T>): Promise<T> {
    const store = this.store;
    if (!store?.ready) throw this.unavailable();
    try {
      return await run(store);
    } catch (error) {
      throw this.unavailable(error);
    }
  }

  /** A read of the shared store (Redis), undefined with the memory driver (this process already answered). */
  private async remote<T>(run: (redis: ReplayStore) => Promise<T>): Promise<T | undefined> {
    if (this.replay.driver !== 'redis') return undefined;
    return this.read(run);
  }

  private unavailable(cause?: unknown): ReplayUnavailableException {
    const policy = (this.redis ?? this.pendingRedis)?.policy;
    return new ReplayUnavailableException(ErrorMessages.sseReplayUnavailable(), {
      retryAfter: policy ? outageRetryAfterMs(policy) : 1000,
      cause,
    });
  }

  /** Before the HTTP server closes (it waits for open responses): end every stream of this process. */
  beforeApplicationShutdown(): void {
    for (const session of [...this.sessions.values()]) session.dispose();
    for (const follower of [...this.followers]) follower.end();
  }

  async onApplicationShutdown(): Promise<void> {
    this.shutDown = true;
    if (this.connectTimer) clearTimeout(this.connectTimer);
    this.connectTimer = undefined;
    this.beforeApplicationShutdown();
    await this.local.close();
    await this.pendingRedis?.close();
    this.pendingRedis = undefined;
    await this.redis?.close();
    this.redis = undefined;
  }

  /** Where finished streams are kept for resumption: `memory` (this process) or `redis`. */
  get replayDriver(): 'memory' | 'redis' {
    return this.replay.driver === 'redis' ? 'redis' : 'memory';
  }

  /** Resolves when the Redis replay store answers a PING; rejects when it is not connected or fails. */
  async pingReplay(): Promise<void> {
    if (!this.redis) throw new Error('The Redis replay store is not connected');
    await this.redis.ping();
  }

  /**
   * The request's scope under the `sse.scope` option, else the module's `scope` hook
   * (undefined: anonymous): what `stop(streamId, streams.scopeOf(req))` needs.
   */
  scopeOf(request: SseRequest): string | undefined {
    return resolveScope(this.moduleOptions?.sse?.scope ?? this.moduleOptions?.scope, request);
  }

  /** Number of streams generating in this process. */
  get running(): number {
    return this.sessions.size;
  }

  /**
   * What is known of a stream: here, in the replay buffer, or in Redis. Undefined when the
   * stream is unknown, or was started with another scope. Throws a ReplayUnavailableException
   * (503 `replay_unavailable`) when the answer is in Redis and Redis is away.
   */
  async info(streamId: string, scope?: string): Promise<SseStreamInfo | undefined> {
    const local = this.sessions.get(streamId);
    if (local?.replay) return scopeAllows(local.scope, scope) ? local.replay : undefined;
    const record = this.local.buffer.get(streamId);
    if (record) return scopeAllows(record.scope, scope) ? record : undefined;
    const remote = await this.remote((redis) => redis.info(streamId));
    return remote && scopeAllows(remote.scope, scope) ? remote : undefined;
  }

  /**
   * Stops a running generation (the provider request is aborted), here or, with Redis, on
   * whichever instance runs it. `finished` when it had already ended, `not_found` when it is
   * unknown or its scope is not `scope`. Throws a ReplayUnavailableException while Redis is away.
   */
  async stop(streamId: string, scope?: string): Promise<SseStopResult> {
    const local = this.sessions.get(streamId);
    if (local) {
      if (!scopeAllows(local.scope, scope)) return 'not_found';
      local.stop();
      return 'stopped';
    }
    const record = this.local.buffer.get(streamId);
    if (record) return scopeAllows(record.scope, scope) ? 'finished' : 'not_found';
    const remote = await this.remote((redis) => redis.info(streamId));
    if (!remote || !scopeAllows(remote.scope, scope)) return 'not_found';
    if (remote.state !== 'running') return 'finished';
    await this.remote((redis) => redis.publish({ type: 'stop', streamId }));
    return 'stopped';
  }

  /**
   * Return this from an `@SseStream()` handler to resume a stream on that response: the
   * events after `lastEventId` (all of them without one), then live ones while it runs.
   * `scope` defaults to the route's `scope` option.
   */
  resume(streamId: string, lastEventId?: string, scope?: string): Observable<SseResumeRequest> {
    return sseResumeRequest(streamId, lastEventId, scope, scope !== undefined);
  }

  // ---- internal: used by SseSession and SseStreamInterceptor ----

  register(session: SseSession): void {
    this.sessions.set(session.streamId, session);
    const key = scopeKey(session.scope);
    this.perScope.set(key, (this.perScope.get(key) ?? 0) + 1);
    if (!this.telemetry) return;
    this.telemetry.activeStreams.add?.(1);
    const span = this.telemetry.activeSpan();
    if (span) {
      span.addEvent('bupple.sse.start', { 'bupple.sse.stream_id': session.streamId });
      this.spans.set(session, span);
    }
  }

  unregister(session: SseSession): void {
    if (this.sessions.get(session.streamId) !== session) return;
    this.sessions.delete(session.streamId);
    const linkKey = this.linkOf.get(session.streamId);
    if (linkKey !== undefined) {
      this.linkOf.delete(session.streamId);
      if (this.links.get(linkKey) === session.streamId) this.links.delete(linkKey);
    }
    const key = scopeKey(session.scope);
    const left = (this.perScope.get(key) ?? 1) - 1;
    if (left > 0) this.perScope.set(key, left);
    else this.perScope.delete(key);
    this.tokens?.add(key, session.tokensUsed);
    if (!this.telemetry) return;
    this.telemetry.activeStreams.add?.(-1);
    this.spans.get(session)?.addEvent('bupple.sse.end', { 'bupple.sse.stream_id': session.streamId, 'bupple.sse.events_sent': session.replay?.lastSeq ?? 0 });
  }

  link(session: SseSession, key: string): void {
    const linkKey = `${session.scope ?? ''}\u0000${key}`;
    this.links.set(linkKey, session.streamId);
    this.linkOf.set(session.streamId, linkKey);
    void this.redis
      ?.link(linkKey, session.streamId)
      .catch((error: unknown) => this.logger.warn(`Could not link stream ${session.streamId}: ${(error as Error).message}`));
  }

  /**
   * Resumes the stream running for `key` (a route's `resumeKey`, e.g. a chat id) from its
   * start, here or on another instance (Redis replay store); when none runs, the route answers
   * 204. For `useChat({ resume: true })`: `GET /api/chat/:id/stream`.
   */
  resumeLatest(key: string, scope?: string): Observable<SseResumeRequest> {
    return defer(() => this.latestRunning(key, scope)).pipe(
      mergeMap((streamId) => sseResumeRequest(streamId ?? NO_STREAM, undefined, scope, scope !== undefined)),
    );
  }

  /** Stops the stream running for `key` (see `resumeLatest`), here or on another instance; `not_found` when none runs. */
  async stopLatest(key: string, scope?: string): Promise<SseStopResult> {
    const streamId = await this.latestRunning(key, scope);
    return streamId ? this.stop(streamId, scope) : 'not_found';
  }

  /** The id of the stream running for `key` under `scope`, if one runs. */
  private async latestRunning(key: string, scope: string | undefined): Promise<string | undefined> {
    const linkKey = `${scope ?? ''}\u0000${key}`;
    const local = this.links.get(linkKey);
    if (local && this.sessions.has(local)) return local;
    if (!this.redis?.ready) return undefined;
    const remote = await this.redis.linked(linkKey);
    return remote && (await this.redis.info(remote))?.state === 'running' ? remote : undefined;
  }

  /** Tokens `scope` used in its current window, and the ms until the window ends (`limits.tokensPerWindow`; undefined without it). */
  tokenWindow(scope: string | undefined): { used: number; resetInMs: number } | undefined {
    return this.tokens?.state(scopeKey(scope));
  }

  /** Number of streams generating in this process for `scope` (undefined: the anonymous scope). */
  runningFor(scope: string | undefined): number {
    return this.perScope.get(scopeKey(scope)) ?? 0;
  }

  openRecord(session: SseSession): ReplayRecord {
    const record = this.local.open(session.streamId, session.scope, session.resumable);
    this.redis?.start(record);
    return record;
  }

  recordEvent(session: SseSession, text: string): void {
    const record = session.replay!;
    this.local.appendTo(record, text);
    if (this.redis && record.storesEvents) this.redis.append(record.streamId, record.lastSeq, text);
  }

  closeRecord(session: SseSession, state: SseStreamState): void {
    const record = session.replay!;
    this.redis?.finish(record.streamId, state, record.lastSeq);
    this.local.finishRecord(record, state);
  }

  /** Where the streams that do not run here are found: Redis (every instance), else this process. */
  private get store(): ReplayStore | undefined {
    if (this.replay.driver !== 'redis') return this.local;
    return this.redis;
  }

  /**
   * Serves a reconnection on `connection`: replays the events after `lastEventId`'s seq and
   * follows the stream live (here, or through Redis), or answers `resync` / 204.
   */
  async attach(connection: SseConnection, streamId: string, afterSeq: number, scope: string | undefined): Promise<void> {
    this.telemetry?.resumes.add?.(1);
    this.telemetry?.activeSpan()?.addEvent('bupple.sse.resume', { 'bupple.sse.stream_id': streamId, 'bupple.sse.after_seq': afterSeq });
    const local = this.sessions.get(streamId);
    if (local && local.replay && !local.isEnded) {
      if (!scopeAllows(local.scope, scope)) return this.resync(connection, streamId);
      const slice = this.local.buffer.slice(local.replay, afterSeq);
      if (slice.kind === 'gone') return this.resync(connection, streamId);
      connection.commit();
      connection.write(slice.events.join(''));
      local.attach(connection);
      return;
    }
    // a running stream of this process is served above; any other, from the store (the same steps for memory and Redis)
    if (this.replay.driver === 'redis' || this.local.buffer.get(streamId)) return this.attachStored(connection, streamId, afterSeq, scope);
    return this.resync(connection, streamId);
  }

  /** Serves a resume from the replay store: what it holds after `afterSeq`, then (running elsewhere) live events. */
  private async attachStored(connection: SseConnection, streamId: string, afterSeq: number, scope: string | undefined): Promise<void> {
    const info = await this.read((store) => store.info(streamId));
    const store = this.store!;
    if (connection.isEnded) return;
    if (!info || !scopeAllows(info.scope, scope)) return this.resync(connection, streamId);
    // an aborted answer is incomplete: the client must ask again, even if it saw every event
    if (info.state === 'aborted') return this.resync(connection, streamId);
    if (info.state !== 'running' && afterSeq >= info.lastSeq) return connection.noContent();
    if (!info.storesEvents) return this.resync(connection, streamId);
    const slice = (await this.read((s) => s.range(streamId, afterSeq)))!;
    if (connection.isEnded) return;
    if (slice.kind === 'gone') return this.resync(connection, streamId);
    connection.commit();
    if (slice.end !== undefined) {
      connection.end(slice.events.join(''));
      return;
    }
    if (slice.events.length > 0) connection.write(slice.events.join(''));
    store.publish({ type: 'attach', streamId }).catch(() => undefined);
    const following = { end: (): void => undefined };
    const cancel = store.follow(streamId, slice.cursor, {
      onText: (text) => connection.write(text),
      onEnd: (state) => {
        this.followers.delete(following);
        if (state === 'expired') connection.end(resyncEvent(streamId));
        else connection.end();
      },
    });
    // shutdown: stop following and end the response (the client reconnects elsewhere)
    following.end = () => {
      cancel();
      this.followers.delete(following);
      connection.end('', true);
      store.publish({ type: 'detach', streamId }).catch(() => undefined);
    };
    this.followers.add(following);
    connection.onLost = () => {
      cancel();
      this.followers.delete(following);
      store.publish({ type: 'detach', streamId }).catch(() => undefined);
    };
  }

  private resync(connection: SseConnection, streamId: string): void {
    if (connection.isEnded) return;
    // a UI message stream client (useChat) takes 204 for "nothing to resume", and knows no resync event
    if (connection.protocol === 'ui-message') return connection.noContent();
    connection.commit();
    connection.end(resyncEvent(streamId));
  }

  private onControl(message: SseControlMessage): void {
    const session = this.sessions.get(message.streamId);
    if (!session) return;
    if (message.type === 'stop') session.stop();
    else if (message.type === 'attach') session.remoteFollow(1);
    else if (message.type === 'detach') session.remoteFollow(-1);
  }

  /** Parses a `Last-Event-ID` value; undefined when it is not one of ours. */
  static parseEventId(id: string | undefined): { streamId: string; seq: number } | undefined {
    return parseSseEventId(id);
  }
}

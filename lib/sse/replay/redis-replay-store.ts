import type { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { ErrorMessages } from '../../errors/error-messages.js';
import { redactSecrets } from '../../errors/redact.js';
import { loadPackage } from '../../utils/load-package.js';
import {
  createRedisClient,
  describeRedisTarget,
  isTransientRedisReply,
  redisPolicy,
  RedisOutageLog,
  redisTargetSecrets,
  type RedisConnectionPolicy,
  type RedisConnectionRole,
  type RedisTarget,
} from '../../utils/redis-policy.js';
import type { SseStreamInfo, SseStreamState } from './replay-record.js';
import type { ReplayFollowHandlers, ReplayRange, ReplayStore, SseControlMessage } from './replay-store.js';

export type { SseControlMessage } from './replay-store.js';
/** @deprecated the ReplayStore's ReplayFollowHandlers. */
export type RedisFollowHandlers = ReplayFollowHandlers;

export interface RedisReplayOptions extends RedisTarget {
  keyPrefix: string;
  ttlMs: number;
  /** Most entries kept per stream (XADD MAXLEN ~). */
  maxLen: number;
  /** Shorthand for `policy.connectTimeoutMs`. */
  connectTimeoutMs?: number;
  /** Timeouts and reconnection (see RedisConnectionPolicy); defaults for what is left out. */
  policy?: Partial<RedisConnectionPolicy>;
}

/** What the store remembers of a stream to repair its record after writes were lost. */
interface Tracked {
  scope: string;
  storesEvents: boolean;
  lastSeq: number;
  state: SseStreamState;
  /** Some of its writes were dropped (Redis was away): its meta (and end) are written again. */
  stale: boolean;
}

/** Streams ended while Redis was away whose end is still to be written, at most. */
const MAX_STALE_ENDED = 10_000;

type Entry = [id: string, fields: string[]];
type Pipeline = ReturnType<Redis['pipeline']>;
/** A write waiting for the next pipeline, and the stream it is for. */
interface Op {
  streamId: string;
  write(pipeline: Pipeline): void;
}

function disconnect(client: Redis | undefined): void {
  if (client && client.status !== 'end') client.disconnect(false);
}

/**
 * Replay store in Redis, shared by every app instance. Per stream:
 * - `<prefix><id>:e`, a Redis Stream of the encoded events with explicit ids `<seq>-0`, and
 *   an end marker `<lastSeq>-1` with field `end` = the final state;
 * - `<prefix><id>:m`, a hash `st` (state), `sc` (scope), `se` (events kept: 1/0), `ls` (last seq).
 * Writes of one event-loop turn go out in one pipeline. Followers on other instances read
 * with `XRANGE` and then `XREAD BLOCK` on their own connection. Stops and follower counts
 * travel on the `<prefix>control` pub/sub channel.
 */
export class RedisReplayStore implements ReplayStore {
  readonly shared = true;
  private client?: Redis;
  private subscriber?: Redis;
  private readonly followers = new Set<Redis>();
  private queue: Op[] = [];
  private touched = new Set<string>();
  private scheduled = false;
  private closed = false;
  private readonly channel: string;
  private readonly flushNow = () => this.flush();
  readonly policy: RedisConnectionPolicy;
  private readonly outage: RedisOutageLog;
  /** Running streams, and ended ones whose end could not be written yet. */
  private readonly tracked = new Map<string, Tracked>();
  private staleEnded = 0;
  /** A pipeline is in flight while the outage lasts: at most one (it probes Redis). */
  private probing = false;
  private probeTimer?: NodeJS.Timeout;
  private replyErrors = 0;
  private replyErrorLoggedAt = 0;
  private ioredis?: Parameters<typeof createRedisClient>[0];
  /** A Redis Cluster: keys hash-tagged per stream, one pipeline per stream. */
  private readonly cluster: boolean;
  private readonly secrets: string[];
  /** A cluster's round of pipelines under way (see flush). */
  private inFlight?: Promise<unknown>;

  constructor(
    private readonly options: RedisReplayOptions,
    private readonly logger: Logger,
    private readonly onControl: (message: SseControlMessage) => void,
  ) {
    this.channel = `${options.keyPrefix}control`;
    this.policy = redisPolicy({ connectTimeoutMs: options.connectTimeoutMs, ...options.policy });
    this.cluster = options.cluster !== undefined;
    this.secrets = redisTargetSecrets(options);
    this.outage = new RedisOutageLog('SSE replay store', logger);
  }

  /** Connects (and subscribes to the control channel); throws when Redis does not answer in time. */
  async connect(): Promise<void> {
    const ioredis = await loadPackage('ioredis', 'the Redis SSE replay store', () => import('ioredis'));
    this.ioredis = ioredis;
    const timeout = this.policy.connectTimeoutMs;
    const withTimeout = async (client: Redis) => {
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          client.connect(),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error(`no answer within ${timeout} ms`)), timeout);
          }),
        ]);
      } catch (error) {
        disconnect(client);
        throw new Error(ErrorMessages.sseReplayUnreachable(this.target(), this.redact((error as Error).message)), { cause: error });
      } finally {
        clearTimeout(timer);
      }
    };
    const client = this.make('bupple-sse-replay', 'command');
    await withTimeout(client);
    const subscriber = this.make('bupple-sse-control', 'subscriber');
    try {
      await withTimeout(subscriber);
      subscriber.on('message', (channel: string, message: string) => {
        if (channel !== this.channel) return;
        try {
          const parsed = JSON.parse(message) as SseControlMessage;
          if (typeof parsed?.streamId === 'string') this.onControl(parsed);
        } catch {
          // not ours
        }
      });
      await subscriber.subscribe(this.channel);
    } catch (error) {
      disconnect(client);
      disconnect(subscriber);
      throw error;
    }
    if (this.closed) {
      disconnect(client);
      disconnect(subscriber);
      return;
    }
    this.client = client;
    this.subscriber = subscriber;
  }

  /** A connection under the policy (see createRedisClient); the command one reports readiness. */
  private make(name: string, role: RedisConnectionRole): Redis {
    let everReady = false;
    const client = createRedisClient(this.ioredis!, this.options, this.policy, role, {
      name,
      // reconnect a connection that worked, forever (capped backoff); one that never did fails at once
      shouldReconnect: (times) => !this.closed && everReady && times <= this.policy.maxReconnectAttempts,
    }) as Redis;
    client.on('ready', () => {
      everReady = true;
      if (role === 'command') this.up();
    });
    client.on('error', (error: Error) => {
      if (everReady && role !== 'blocking') this.outage.failure(this.redact(error.message), 0);
    });
    return client;
  }

  private redact(message: string): string {
    return redactSecrets(message, this.secrets);
  }

  /** One PING on the command connection (callers bound the wait). */
  async ping(): Promise<void> {
    if (!this.client || this.closed) throw new Error('The Redis replay store is closed');
    await this.command(() => this.client!.ping());
  }

  /**
   * True while Redis answers: connected, and no outage under way (a Redis that hangs keeps
   * the connection but times out; that counts as down until a command succeeds again). In a
   * cluster: while the cluster client is ready; a slot whose master is away answers 503 on its own.
   */
  get ready(): boolean {
    if (this.client === undefined || this.closed || this.client.status !== 'ready') return false;
    // a cluster: one master away fails only its slots' commands (503 each), the others keep working
    return this.cluster || !this.outage.down;
  }

  /** Writes that failed during the outage under way (0 when none is). */
  get failedWrites(): number {
    return this.outage.failed;
  }

  private target(): string {
    if (!this.options.url) return describeRedisTarget(this.options, 'redis://127.0.0.1:6379');
    try {
      const url = new URL(this.options.url);
      return `${url.hostname}:${url.port || 6379}`;
    } catch {
      return 'the configured URL';
    }
  }

  /** `<prefix><id>:e` on one node; `<prefix>{<id>}:e` in a cluster (both keys of a stream in one slot). */
  eventsKey(streamId: string): string {
    return `${this.options.keyPrefix}${this.tag(streamId)}:e`;
  }

  /** `<prefix><id>:m` on one node; `<prefix>{<id>}:m` in a cluster. */
  metaKey(streamId: string): string {
    return `${this.options.keyPrefix}${this.tag(streamId)}:m`;
  }

  private tag(streamId: string): string {
    return this.cluster ? `{${streamId}}` : streamId;
  }

  start(info: SseStreamInfo): void {
    if (!this.client) return;
    const meta = this.metaKey(info.streamId);
    this.tracked.set(info.streamId, { scope: info.scope ?? '', storesEvents: info.storesEvents, lastSeq: 0, state: 'running', stale: false });
    this.enqueue(info.streamId, (p) => p.hset(meta, 'st', 'running', 'sc', info.scope ?? '', 'se', info.storesEvents ? '1' : '0', 'ls', '0'));
  }

  append(streamId: string, seq: number, text: string): void {
    if (!this.client) return;
    const tracked = this.tracked.get(streamId);
    if (tracked) tracked.lastSeq = seq;
    const key = this.eventsKey(streamId);
    this.enqueue(streamId, (p) => p.xadd(key, 'MAXLEN', '~', this.options.maxLen, `${seq}-0`, 'e', text));
  }

  finish(streamId: string, state: SseStreamState, lastSeq: number): void {
    if (!this.client) return;
    const tracked = this.tracked.get(streamId);
    if (tracked) {
      tracked.state = state;
      tracked.lastSeq = lastSeq;
    }
    const key = this.eventsKey(streamId);
    const meta = this.metaKey(streamId);
    this.enqueue(streamId, (p) => {
      p.xadd(key, `${lastSeq}-1`, 'end', state);
      p.hset(meta, 'st', state, 'ls', String(lastSeq));
    });
  }

  publish(message: SseControlMessage): Promise<unknown> {
    return this.client ? this.client.publish(this.channel, JSON.stringify(message)) : Promise.resolve();
  }

  /** Remembers `streamId` as the latest stream of `key` (e.g. a chat), for `ttlMs`. */
  async link(key: string, streamId: string): Promise<void> {
    await this.client?.set(`${this.options.keyPrefix}link:${key}`, streamId, 'PX', this.options.ttlMs);
  }

  /** The latest stream linked to `key`, if any. */
  async linked(key: string): Promise<string | undefined> {
    return (await this.client?.get(`${this.options.keyPrefix}link:${key}`)) ?? undefined;
  }

  async info(streamId: string): Promise<SseStreamInfo | undefined> {
    if (!this.client) return undefined;
    const meta = await this.command(() => this.client!.hgetall(this.metaKey(streamId)));
    if (!meta || meta.st === undefined) return undefined;
    return {
      streamId,
      state: meta.st as SseStreamState,
      scope: meta.sc ? meta.sc : undefined,
      storesEvents: meta.se === '1',
      lastSeq: Number(meta.ls ?? 0),
    };
  }

  /** Events after `afterSeq` held now; `end` when the end marker was among them. */
  async range(streamId: string, afterSeq: number): Promise<ReplayRange> {
    // from just after `<afterSeq>-0`: the end marker `<afterSeq>-1`, or the event `<afterSeq+1>-0`
    const entries = (await this.command(() => this.client!.xrange(this.eventsKey(streamId), `${afterSeq}-1`, '+'))) as Entry[];
    const lastId = `${afterSeq}-0`;
    if (entries.length > 0) {
      const [ms, sq] = entries[0][0].split('-').map(Number);
      const next = (ms === afterSeq && sq === 1) || (ms === afterSeq + 1 && sq === 0);
      if (!next) return { kind: 'gone' };
    } else if (afterSeq > 0) {
      // nothing after: is afterSeq itself still held (or was everything trimmed/expired)?
      const own = (await this.command(() => this.client!.xrange(this.eventsKey(streamId), lastId, lastId))) as Entry[];
      if (own.length === 0) return { kind: 'gone' };
    }
    const events: string[] = [];
    let end: SseStreamState | undefined;
    let last = lastId;
    let seq = afterSeq;
    for (const [id, fields] of entries) {
      // every event in order, or the end marker right after the last one: a hole (writes lost while Redis was away) is `gone`
      if (id !== `${seq + 1}-0` && id !== `${seq}-1`) return { kind: 'gone' };
      if (id === `${seq + 1}-0`) seq++;
      last = id;
      const parsed = pairs(fields);
      if (parsed.end !== undefined) {
        end = parsed.end as SseStreamState;
        break;
      }
      if (parsed.e !== undefined) events.push(parsed.e);
    }
    return { kind: 'events', events, end, cursor: last };
  }

  /** Follows the stream live from `lastId` on a connection of its own; returns a cancel function. */
  follow(streamId: string, lastId: string, handlers: ReplayFollowHandlers): () => void {
    // its own connection: XREAD BLOCK 2000 needs more than the command timeout; no reconnect (the client resumes again)
    const connection = this.make('bupple-sse-follow', 'blocking');
    connection.connect().catch(() => undefined);
    this.followers.add(connection);
    let cancelled = false;
    const cancel = () => {
      if (cancelled) return;
      cancelled = true;
      this.followers.delete(connection);
      disconnect(connection);
    };
    const key = this.eventsKey(streamId);
    const loop = async () => {
      let cursor = lastId;
      let seq = Number(lastId.split('-')[0]);
      while (!cancelled) {
        const result = (await connection.xread('COUNT', 1000, 'BLOCK', 2000, 'STREAMS', key, cursor)) as [string, Entry[]][] | null;
        if (cancelled) return;
        if (!result) {
          if (!(await this.command(() => this.client!.exists(this.metaKey(streamId))))) {
            cancel();
            handlers.onEnd('expired');
            return;
          }
          continue;
        }
        let text = '';
        for (const [id, fields] of result[0][1]) {
          if (id !== `${seq + 1}-0` && id !== `${seq}-1`) {
            // a hole: events lost while Redis was away; the client must ask again
            if (text) handlers.onText(text);
            cancel();
            handlers.onEnd('expired');
            return;
          }
          if (id === `${seq + 1}-0`) seq++;
          cursor = id;
          const parsed = pairs(fields);
          if (parsed.end !== undefined) {
            if (text) handlers.onText(text);
            cancel();
            handlers.onEnd(parsed.end as SseStreamState);
            return;
          }
          if (parsed.e !== undefined) text += parsed.e;
        }
        if (text) handlers.onText(text);
      }
    };
    loop().catch((error: unknown) => {
      if (cancelled) return;
      this.logger.warn(`SSE replay store (Redis): following ${streamId} failed: ${this.redact((error as Error).message)}`);
      cancel();
      handlers.onEnd('aborted');
    });
    return cancel;
  }

  async close(): Promise<void> {
    if (this.inFlight) await this.inFlight;
    if (this.queue.length > 0) this.flush();
    this.closed = true;
    if (this.probeTimer) clearTimeout(this.probeTimer);
    this.probeTimer = undefined;
    for (const follower of this.followers) disconnect(follower);
    this.followers.clear();
    const client = this.client;
    const subscriber = this.subscriber;
    this.client = undefined;
    this.subscriber = undefined;
    if (subscriber) await subscriber.quit().catch(() => disconnect(subscriber));
    if (client) await client.quit().catch(() => disconnect(client));
  }

  private enqueue(streamId: string, op: (pipeline: ReturnType<Redis['pipeline']>) => void): void {
    if (!this.client || this.closed) return;
    this.queue.push({ streamId, write: op });
    this.touched.add(streamId);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flushNow);
    }
  }

  /** One read for a resume or a stop; a failure that is not Redis's answer counts for the outage. */
  private async command<T>(run: () => Promise<T>): Promise<T> {
    try {
      const result = await run();
      if (this.outage.down) this.up();
      return result;
    } catch (error) {
      if ((error as Error)?.name !== 'ReplyError' || isTransientRedisReply(error)) {
        this.outage.failure(this.redact((error as Error).message));
        this.armProbe();
      }
      throw error;
    }
  }

  /**
   * One pipeline per event-loop turn for every stream; keys live `ttlMs` past the last write.
   * While Redis is away the writes are dropped (counted, logged once per outage) and the
   * streams they were for are marked stale: their state is written again once Redis is back,
   * and a resume that misses the dropped events answers `resync`.
   */
  private flush(): void {
    this.scheduled = false;
    const client = this.client;
    if (!client || this.queue.length === 0 || this.inFlight) return;
    const ops = this.queue;
    const streams = [...this.touched];
    this.queue = [];
    this.touched = new Set();
    if (client.status !== 'ready' || (this.outage.down && this.probing)) {
      this.dropped(streams, ops.length, client.status !== 'ready' ? `connection ${client.status}` : 'no answer');
      return;
    }
    if (!this.cluster) {
      this.send(client, streams, ops);
      return;
    }
    // a cluster: one pipeline per stream (its keys share a slot), so that a master away fails
    // only its own streams; the cluster client does not keep two pipelines to a node in order,
    // so the next round goes out once this one is answered (the writes meanwhile join it)
    const byStream = new Map<string, Op[]>();
    for (const op of ops) {
      const list = byStream.get(op.streamId);
      if (list) list.push(op);
      else byStream.set(op.streamId, [op]);
    }
    this.inFlight = Promise.allSettled(streams.map((streamId) => this.send(client, [streamId], byStream.get(streamId) ?? []))).then(() => {
      this.inFlight = undefined;
      if (this.queue.length > 0 && !this.scheduled) {
        this.scheduled = true;
        setImmediate(this.flushNow);
      }
    });
  }

  /** One pipeline: the writes, the repairs of stale streams, the TTLs; then the bookkeeping of what became of it. */
  private send(client: Redis, streams: string[], ops: Op[]): Promise<void> {
    const pipeline = client.pipeline();
    for (const op of ops) op.write(pipeline);
    for (const streamId of streams) {
      const tracked = this.tracked.get(streamId);
      if (tracked?.stale) this.repairOps(pipeline, streamId, tracked);
      pipeline.pexpire(this.eventsKey(streamId), this.options.ttlMs);
      pipeline.pexpire(this.metaKey(streamId), this.options.ttlMs);
    }
    if (this.outage.down) this.probing = true;
    return pipeline.exec().then(
      (results) => {
        this.probing = false;
        // not Redis's answer: the connection went away with the pipeline under way (or the slot is changing hands)
        const lost = results?.find(([error]) => error && (error.name !== 'ReplyError' || isTransientRedisReply(error)));
        if (lost) return this.dropped(streams, ops.length, this.redact(lost[0]!.message));
        this.up();
        for (const streamId of streams) {
          const tracked = this.tracked.get(streamId);
          if (!tracked) continue;
          if (tracked.stale && tracked.state !== 'running') this.staleEnded--;
          tracked.stale = false;
          if (tracked.state !== 'running') this.tracked.delete(streamId);
        }
        const failed = results?.filter(([error]) => error && !/equal or smaller/.test(error.message)) ?? [];
        if (failed.length > 0) this.replyError(String(failed[0][0]?.message), failed.length);
      },
      (error: unknown) => {
        this.probing = false;
        this.dropped(streams, ops.length, this.redact((error as Error).message));
      },
    );
  }

  private dropped(streams: string[], count: number, detail: string): void {
    this.outage.failure(detail, count);
    for (const streamId of streams) {
      const tracked = this.tracked.get(streamId);
      if (!tracked || tracked.stale) continue;
      tracked.stale = true;
      if (tracked.state !== 'running' && ++this.staleEnded > MAX_STALE_ENDED) this.forgetOldestEnded();
    }
    this.armProbe();
  }

  /** Writes a stale stream's meta (and its end) again; its events lost meanwhile stay lost (resume: `resync`). */
  private repairOps(pipeline: ReturnType<Redis['pipeline']>, streamId: string, tracked: Tracked): void {
    pipeline.hset(this.metaKey(streamId), 'st', tracked.state, 'sc', tracked.scope, 'se', tracked.storesEvents ? '1' : '0', 'ls', String(tracked.lastSeq));
    // an end already written answers "ID equal or smaller": harmless, not counted
    if (tracked.state !== 'running') pipeline.xadd(this.eventsKey(streamId), `${tracked.lastSeq}-1`, 'end', tracked.state);
  }

  private forgetOldestEnded(): void {
    for (const [streamId, tracked] of this.tracked) {
      if (tracked.state === 'running' || !tracked.stale) continue;
      this.tracked.delete(streamId);
      this.staleEnded--;
      return;
    }
  }

  /** Redis answers again: end the outage, and write the stale streams' records again. */
  private up(): void {
    if (!this.outage.down) return;
    this.outage.recovered();
    if (this.probeTimer) clearTimeout(this.probeTimer);
    this.probeTimer = undefined;
    for (const [streamId, tracked] of this.tracked) if (tracked.stale) this.enqueue(streamId, () => undefined);
  }

  /** While down with nothing else to write, a PING now and then finds out when Redis is back. */
  private armProbe(): void {
    if (this.probeTimer || this.closed) return;
    this.probeTimer = setTimeout(() => {
      this.probeTimer = undefined;
      const client = this.client;
      if (!this.outage.down || !client || this.closed) return;
      if (client.status !== 'ready') return this.armProbe();
      client.ping().then(
        () => this.up(),
        () => this.armProbe(),
      );
    }, this.policy.maxReconnectDelayMs);
    this.probeTimer.unref();
  }

  /** Redis refused a write (not an outage): logged at most once a minute, with the count. */
  private replyError(message: string, count: number): void {
    this.replyErrors += count;
    const now = Date.now();
    if (now - this.replyErrorLoggedAt < 60_000) return;
    this.logger.warn(`SSE replay store (Redis): ${this.replyErrors} write(s) refused since the last report: ${this.redact(message)}`);
    this.replyErrorLoggedAt = now;
    this.replyErrors = 0;
  }
}

function pairs(fields: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) out[fields[i]] = fields[i + 1];
  return out;
}

import type { Logger } from '@nestjs/common';
import type { Redis, RedisOptions } from 'ioredis';
import { ErrorMessages } from '../../errors/error-messages.js';
import { redactSecrets } from '../../errors/redact.js';
import { loadPackage } from '../../utils/load-package.js';
import type { ReplaySlice, SseStreamInfo, SseStreamState } from './replay-record.js';

/** A message on the control channel: stop a stream, or a follower came / left. */
export interface SseControlMessage {
  type: 'stop' | 'attach' | 'detach';
  streamId: string;
}

export interface RedisReplayOptions {
  url: string;
  keyPrefix: string;
  ttlMs: number;
  /** Most entries kept per stream (XADD MAXLEN ~). */
  maxLen: number;
  connectTimeoutMs?: number;
}

/** What a follower gets: encoded event text, and the end of the stream. */
export interface RedisFollowHandlers {
  onText(text: string): void;
  onEnd(state: SseStreamState | 'expired'): void;
}

type Entry = [id: string, fields: string[]];

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
export class RedisReplayStore {
  private client?: Redis;
  private subscriber?: Redis;
  private readonly followers = new Set<Redis>();
  private queue: ((pipeline: ReturnType<Redis['pipeline']>) => void)[] = [];
  private touched = new Set<string>();
  private scheduled = false;
  private closed = false;
  private readonly channel: string;
  private readonly flushNow = () => this.flush();

  constructor(
    private readonly options: RedisReplayOptions,
    private readonly logger: Logger,
    private readonly onControl: (message: SseControlMessage) => void,
  ) {
    this.channel = `${options.keyPrefix}control`;
  }

  /** Connects (and subscribes to the control channel); throws when Redis does not answer in time. */
  async connect(): Promise<void> {
    const ioredis = await loadPackage('ioredis', 'the Redis SSE replay store', () => import('ioredis'));
    const RedisClass = (ioredis.Redis ?? ioredis.default) as unknown as new (url: string, options: RedisOptions) => Redis;
    const timeout = this.options.connectTimeoutMs ?? 2000;
    const make = (name: string) => {
      let everReady = false;
      const client = new RedisClass(this.options.url, {
        lazyConnect: true,
        connectTimeout: timeout,
        maxRetriesPerRequest: 1,
        connectionName: name,
        // reconnect a connection that worked; one that never did fails at once
        retryStrategy: (times: number) => (this.closed || !everReady || times > 20 ? null : Math.min(times * 200, 2000)),
      });
      client.on('ready', () => {
        everReady = true;
      });
      client.on('error', (error: Error) => {
        if (everReady) this.logger.warn(`SSE replay store (Redis): ${redactSecrets(error.message)}`);
      });
      return client;
    };
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
        throw new Error(ErrorMessages.sseReplayUnreachable(this.target(), redactSecrets((error as Error).message)), { cause: error });
      } finally {
        clearTimeout(timer);
      }
    };
    const client = make('bupple-sse-replay');
    await withTimeout(client);
    const subscriber = make('bupple-sse-control');
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

  /** One PING on the command connection (callers bound the wait). */
  async ping(): Promise<void> {
    if (!this.client || this.closed) throw new Error('The Redis replay store is closed');
    await this.client.ping();
  }

  get ready(): boolean {
    return this.client !== undefined && !this.closed;
  }

  private target(): string {
    try {
      const url = new URL(this.options.url);
      return `${url.hostname}:${url.port || 6379}`;
    } catch {
      return 'the configured URL';
    }
  }

  private eventsKey(streamId: string): string {
    return `${this.options.keyPrefix}${streamId}:e`;
  }

  private metaKey(streamId: string): string {
    return `${this.options.keyPrefix}${streamId}:m`;
  }

  start(info: SseStreamInfo): void {
    const meta = this.metaKey(info.streamId);
    this.enqueue(info.streamId, (p) => p.hset(meta, 'st', 'running', 'sc', info.scope ?? '', 'se', info.storesEvents ? '1' : '0', 'ls', '0'));
  }

  append(streamId: string, seq: number, text: string): void {
    const key = this.eventsKey(streamId);
    this.enqueue(streamId, (p) => p.xadd(key, 'MAXLEN', '~', this.options.maxLen, `${seq}-0`, 'e', text));
  }

  finish(streamId: string, state: SseStreamState, lastSeq: number): void {
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
    const meta = await this.client.hgetall(this.metaKey(streamId));
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
  async range(streamId: string, afterSeq: number): Promise<ReplaySlice & { end?: SseStreamState; lastId: string }> {
    // from just after `<afterSeq>-0`: the end marker `<afterSeq>-1`, or the event `<afterSeq+1>-0`
    const entries = (await this.client!.xrange(this.eventsKey(streamId), `${afterSeq}-1`, '+')) as Entry[];
    const lastId = `${afterSeq}-0`;
    if (entries.length > 0) {
      const [ms, sq] = entries[0][0].split('-').map(Number);
      const next = (ms === afterSeq && sq === 1) || (ms === afterSeq + 1 && sq === 0);
      if (!next) return { kind: 'gone', lastId };
    } else if (afterSeq > 0) {
      // nothing after: is afterSeq itself still held (or was everything trimmed/expired)?
      const own = (await this.client!.xrange(this.eventsKey(streamId), lastId, lastId)) as Entry[];
      if (own.length === 0) return { kind: 'gone', lastId };
    }
    const events: string[] = [];
    let end: SseStreamState | undefined;
    let last = lastId;
    for (const [id, fields] of entries) {
      last = id;
      const parsed = pairs(fields);
      if (parsed.end !== undefined) {
        end = parsed.end as SseStreamState;
        break;
      }
      if (parsed.e !== undefined) events.push(parsed.e);
    }
    return { kind: 'events', events, nextSeq: afterSeq + events.length + 1, end, lastId: last };
  }

  /** Follows the stream live from `lastId` on a connection of its own; returns a cancel function. */
  follow(streamId: string, lastId: string, handlers: RedisFollowHandlers): () => void {
    const connection = this.client!.duplicate({ connectionName: 'bupple-sse-follow', lazyConnect: false });
    connection.on('error', () => undefined);
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
      while (!cancelled) {
        const result = (await connection.xread('COUNT', 1000, 'BLOCK', 2000, 'STREAMS', key, cursor)) as [string, Entry[]][] | null;
        if (cancelled) return;
        if (!result) {
          if (!(await this.client?.exists(this.metaKey(streamId)))) {
            cancel();
            handlers.onEnd('expired');
            return;
          }
          continue;
        }
        let text = '';
        for (const [id, fields] of result[0][1]) {
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
      this.logger.warn(`SSE replay store (Redis): following ${streamId} failed: ${redactSecrets((error as Error).message)}`);
      cancel();
      handlers.onEnd('aborted');
    });
    return cancel;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.queue.length > 0) this.flush();
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
    if (!this.client) return;
    this.queue.push(op);
    this.touched.add(streamId);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flushNow);
    }
  }

  /** One pipeline per event-loop turn for every stream; keys live `ttlMs` past the last write. */
  private flush(): void {
    this.scheduled = false;
    const client = this.client;
    if (!client || this.queue.length === 0) return;
    const pipeline = client.pipeline();
    for (const op of this.queue) op(pipeline);
    for (const streamId of this.touched) {
      pipeline.pexpire(this.eventsKey(streamId), this.options.ttlMs);
      pipeline.pexpire(this.metaKey(streamId), this.options.ttlMs);
    }
    this.queue = [];
    this.touched = new Set();
    pipeline.exec().then(
      (results) => {
        const failed = results?.find(([error]) => error);
        if (failed) this.logger.warn(`SSE replay store (Redis): a write failed: ${redactSecrets(String(failed[0]?.message))}`);
      },
      (error: unknown) => this.logger.warn(`SSE replay store (Redis): writes failed: ${redactSecrets((error as Error).message)}`),
    );
  }
}

function pairs(fields: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) out[fields[i]] = fields[i + 1];
  return out;
}

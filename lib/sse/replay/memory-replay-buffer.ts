import type { ReplaySlice, SseStreamInfo, SseStreamState } from './replay-record.js';
import type { ReplayFollowHandlers, ReplayRange, ReplayStore, SseControlMessage } from './replay-store.js';

export const DEFAULT_REPLAY_TTL_MS = 300_000;
export const DEFAULT_MAX_STREAM_CHARS = 1024 * 1024;
export const DEFAULT_MAX_TOTAL_CHARS = 64 * 1024 * 1024;

/** One stream's events in process: the encoded event strings, oldest first. */
export class ReplayRecord implements SseStreamInfo {
  state: SseStreamState = 'running';
  lastSeq = 0;
  /** seq of `events[head]`. */
  firstSeq = 1;
  events: string[] = [];
  head = 0;
  chars = 0;
  expiresAt = Infinity;

  constructor(
    readonly streamId: string,
    readonly scope: string | undefined,
    readonly storesEvents: boolean,
  ) {}
}

export interface MemoryReplayLimits {
  ttlMs: number;
  maxStreamChars: number;
  maxTotalChars: number;
  /** Keep finished streams (memory driver); false when Redis keeps them. */
  keepFinished: boolean;
}

/**
 * The in-process replay buffer: per stream, the encoded event strings (no copies, no JSON),
 * bounded per stream and in total; finished streams are dropped after the retention window
 * by one shared, unref'd sweep timer.
 */
export class MemoryReplayBuffer {
  private readonly records = new Map<string, ReplayRecord>();
  private totalChars = 0;
  private sweepTimer?: NodeJS.Timeout;

  constructor(private readonly limits: MemoryReplayLimits) {}

  get size(): number {
    return this.records.size;
  }

  create(streamId: string, scope: string | undefined, storesEvents: boolean): ReplayRecord {
    const record = new ReplayRecord(streamId, scope, storesEvents);
    this.records.set(streamId, record);
    return record;
  }

  /** Appends the event with seq `record.lastSeq + 1` (the caller numbers events). */
  append(record: ReplayRecord, text: string): void {
    record.lastSeq++;
    if (!record.storesEvents) {
      record.firstSeq = record.lastSeq + 1;
      return;
    }
    record.events.push(text);
    record.chars += text.length;
    this.totalChars += text.length;
    if (record.chars > this.limits.maxStreamChars) this.trim(record, this.limits.maxStreamChars);
    if (this.totalChars > this.limits.maxTotalChars) this.evict(record);
  }

  finish(record: ReplayRecord, state: SseStreamState): void {
    record.state = state;
    if (!this.limits.keepFinished) {
      this.drop(record);
      return;
    }
    record.expiresAt = Date.now() + this.limits.ttlMs;
    // compact: the array may have a dead head
    if (record.head > 0) {
      record.events = record.events.slice(record.head);
      record.head = 0;
    }
    this.armSweep();
  }

  get(streamId: string): ReplayRecord | undefined {
    const record = this.records.get(streamId);
    if (record && record.expiresAt <= Date.now()) {
      this.drop(record);
      return undefined;
    }
    return record;
  }

  /** The events after `afterSeq`. */
  slice(record: ReplayRecord, afterSeq: number): ReplaySlice {
    if (afterSeq >= record.lastSeq) return { kind: 'events', events: [], nextSeq: record.lastSeq + 1 };
    if (afterSeq + 1 < record.firstSeq) return { kind: 'gone' };
    const from = record.head + (afterSeq + 1 - record.firstSeq);
    return { kind: 'events', events: record.events.slice(from), nextSeq: record.lastSeq + 1 };
  }

  drop(record: ReplayRecord): void {
    if (this.records.get(record.streamId) === record) this.records.delete(record.streamId);
    this.totalChars -= record.chars;
    record.chars = 0;
    record.events = [];
    record.head = 0;
    record.firstSeq = record.lastSeq + 1;
  }

  close(): void {
    if (this.sweepTimer) clearTimeout(this.sweepTimer);
    this.sweepTimer = undefined;
    for (const record of [...this.records.values()]) this.drop(record);
  }

  /** Drops the oldest events of a stream until it holds at most `max` characters. */
  private trim(record: ReplayRecord, max: number): void {
    while (record.chars > max && record.head < record.events.length) {
      const text = record.events[record.head];
      record.events[record.head] = '';
      record.head++;
      record.firstSeq++;
      record.chars -= text.length;
      this.totalChars -= text.length;
    }
    if (record.head > 1024 && record.head * 2 > record.events.length) {
      record.events = record.events.slice(record.head);
      record.head = 0;
    }
  }

  /** Over the total: finished streams go first (oldest first), then running ones are trimmed. */
  private evict(current: ReplayRecord): void {
    for (const record of this.records.values()) {
      if (this.totalChars <= this.limits.maxTotalChars) return;
      if (record.state !== 'running') this.drop(record);
    }
    for (const record of this.records.values()) {
      if (this.totalChars <= this.limits.maxTotalChars) return;
      if (record !== current) this.trim(record, record.chars / 2);
    }
    if (this.totalChars > this.limits.maxTotalChars) this.trim(current, current.chars / 2);
  }

  private armSweep(): void {
    if (this.sweepTimer) return;
    const delay = Math.max(1000, Math.min(this.limits.ttlMs, 30_000));
    this.sweepTimer = setTimeout(() => {
      this.sweepTimer = undefined;
      const now = Date.now();
      let finished = 0;
      for (const record of [...this.records.values()]) {
        if (record.expiresAt <= now) this.drop(record);
        else if (record.state !== 'running') finished++;
      }
      if (finished > 0) this.armSweep();
    }, delay);
    this.sweepTimer.unref();
  }
}

/**
 * The in-process ReplayStore over a MemoryReplayBuffer: the streams of this process, found by
 * id; followers are told of each event as it is appended; control messages and links stay in
 * this process. `SseStreams` also uses its buffer directly for the streams generating here (no
 * lookup per event).
 */
export class MemoryReplayStore implements ReplayStore {
  readonly shared = false;
  readonly ready = true;
  readonly buffer: MemoryReplayBuffer;
  private readonly followers = new Map<string, Set<ReplayFollowHandlers>>();
  private readonly links = new Map<string, string>();

  constructor(
    limits: MemoryReplayLimits,
    private readonly onControl: (message: SseControlMessage) => void = () => undefined,
  ) {
    this.buffer = new MemoryReplayBuffer(limits);
  }

  /** Creates a stream's record (what `start` does), and returns it. */
  open(streamId: string, scope: string | undefined, storesEvents: boolean): ReplayRecord {
    return this.buffer.create(streamId, scope, storesEvents);
  }

  start(info: SseStreamInfo): void {
    this.open(info.streamId, info.scope, info.storesEvents);
  }

  append(streamId: string, seq: number, text: string): void {
    const record = this.buffer.get(streamId);
    if (record && seq === record.lastSeq + 1) this.appendTo(record, text);
  }

  /** Appends the next event to a record held here, and tells its followers. */
  appendTo(record: ReplayRecord, text: string): void {
    this.buffer.append(record, text);
    const followers = this.followers.get(record.streamId);
    if (followers) for (const follower of followers) follower.onText(text);
  }

  finish(streamId: string, state: SseStreamState): void {
    const record = this.buffer.get(streamId);
    if (record) this.finishRecord(record, state);
  }

  finishRecord(record: ReplayRecord, state: SseStreamState): void {
    this.buffer.finish(record, state);
    const followers = this.followers.get(record.streamId);
    this.followers.delete(record.streamId);
    if (followers) for (const follower of followers) follower.onEnd(state);
  }

  async info(streamId: string): Promise<SseStreamInfo | undefined> {
    return this.buffer.get(streamId);
  }

  async range(streamId: string, afterSeq: number): Promise<ReplayRange> {
    const record = this.buffer.get(streamId);
    if (!record) return { kind: 'gone' };
    const slice = this.buffer.slice(record, afterSeq);
    if (slice.kind === 'gone') return slice;
    return { kind: 'events', events: slice.events, end: record.state === 'running' ? undefined : record.state, cursor: String(record.lastSeq) };
  }

  follow(streamId: string, _cursor: string, handlers: ReplayFollowHandlers): () => void {
    const record = this.buffer.get(streamId);
    if (!record || record.state !== 'running') {
      queueMicrotask(() => handlers.onEnd(record ? record.state : 'expired'));
      return () => undefined;
    }
    let set = this.followers.get(streamId);
    if (!set) this.followers.set(streamId, (set = new Set()));
    set.add(handlers);
    return () => {
      set.delete(handlers);
      if (set.size === 0 && this.followers.get(streamId) === set) this.followers.delete(streamId);
    };
  }

  async publish(message: SseControlMessage): Promise<void> {
    this.onControl(message);
  }

  async link(key: string, streamId: string): Promise<void> {
    this.links.set(key, streamId);
  }

  /** The latest stream of `key`, while its record is held. */
  async linked(key: string): Promise<string | undefined> {
    const streamId = this.links.get(key);
    if (streamId !== undefined && !this.buffer.get(streamId)) this.links.delete(key);
    return this.links.get(key);
  }

  async close(): Promise<void> {
    for (const [, set] of this.followers) for (const follower of set) follower.onEnd('aborted');
    this.followers.clear();
    this.links.clear();
    this.buffer.close();
  }
}

import { randomUUID } from 'node:crypto';
import { constants as fsConstants, type Stats } from 'node:fs';
import { access, link, mkdir, open, readFile, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorMessages } from '../../errors/error-messages.js';
import type { ConversationKey, ConversationMessage, ListMessagesOptions, NewConversationMessage } from '../conversation-message.interface.js';
import { ConversationStore } from '../conversation-store.js';
import { MemoryException, MemoryStorageException } from '../errors/memory.exception.js';
import type { FileStoreOptions } from '../memory-options.interface.js';
import { assertValidKey, assertValidLimit, ownerOfKey, prepareMessage } from '../validate-message.js';
import { encodeFileName } from './file-name.js';
import { parseRecord, serializeRecord } from './message-record.js';

const NEWLINE = 0x0a;
const CHUNK = 64 * 1024;
/** Append handles kept open (one per recently written conversation). */
const MAX_OPEN_FILES = 64;

/** An open conversation file and what is known of its end. */
interface FileTail {
  fh: FileHandle;
  ino: number;
  size: number;
  lastSeq: number;
  endsWithNewline: boolean;
}

/** A lock file this process holds: its handle and inode (to remove only our own). */
interface HeldLock {
  fh: FileHandle;
  ino: number;
}

/** Default directory, relative to the working directory. */
export const DEFAULT_FILE_STORE_PATH = 'engine-memory';

/**
 * Keeps each conversation in its own append-only JSON-lines file,
 * `<path>/<parentType>/<parentId>.jsonl`, or `<path>/%o/<owner>/<parentType>/<parentId>.jsonl`
 * for a conversation with an owner (names encoded by `encodeFileName`, so no id can leave the
 * directory, and `%o` is never an encoded name).
 *
 * Writers (requests of this process and other processes) take a lock file
 * (`<file>.lock`, created with O_EXCL) for the moment of an append: find the last record's
 * `seq` (kept from the previous append while the file's inode and size are unchanged, else read
 * from the end of the file), then write every new record in ONE `write()` call on an O_APPEND
 * descriptor (kept open for the 64 most recently written conversations). Nothing is ever
 * rewritten, and an append costs the same at message 10 000 as at message 1. A write that fails
 * half-way is cut off again (the file is truncated back to its length before the write, under
 * the lock). A line torn by a crash is skipped on read and the next append starts on a new line.
 * A lock left behind by a crashed writer is removed once it is older than `lockStaleMs`, or at
 * once when its process (same host) is gone.
 *
 * Readers take no lock: they see whole records only (a record still being written is an
 * incomplete last line, skipped).
 */
export class FileConversationStore extends ConversationStore {
  readonly name: string = 'file';
  /** The directory holding the conversations (absolute). */
  readonly directory: string;
  private readonly lockTimeoutMs: number;
  private readonly lockStaleMs: number;
  private readonly createdDirectories = new Set<string>();
  /** Appends of this process to one file wait for each other before taking the lock file. */
  private readonly queues = new Map<string, Promise<unknown>>();
  /** Open append handles, least recently used first. */
  private readonly tails = new Map<string, FileTail>();
  private connecting?: Promise<void>;
  private closed = false;

  constructor(options: FileStoreOptions = {}) {
    super();
    this.directory = resolve(options.path ?? DEFAULT_FILE_STORE_PATH);
    this.lockTimeoutMs = options.lockTimeoutMs ?? 5000;
    this.lockStaleMs = options.lockStaleMs ?? 10_000;
  }

  /** Creates the directory if needed and checks that it can be written. */
  override connect(): Promise<void> {
    this.connecting ??= (async () => {
      try {
        await mkdir(this.directory, { recursive: true });
        await access(this.directory, fsConstants.W_OK | fsConstants.R_OK);
      } catch (error) {
        this.connecting = undefined;
        throw this.storageError('open its directory', error);
      }
    })();
    return this.connecting;
  }

  /** The file of a conversation (absolute path). */
  fileOf(key: ConversationKey): string {
    assertValidKey(key);
    const owner = ownerOfKey(key);
    const base = owner === undefined ? this.directory : join(this.directory, '%o', encodeFileName(owner));
    return join(base, encodeFileName(key.parentType), `${encodeFileName(key.parentId)}.jsonl`);
  }

  async appendMany(key: ConversationKey, messages: NewConversationMessage[]): Promise<ConversationMessage[]> {
    const file = this.fileOf(key);
    const prepared = messages.map(prepareMessage);
    if (prepared.length === 0) return [];
    this.assertOpen();
    await this.connect();
    return this.exclusive(file, async () => {
      const tail = await this.tailOf(file);
      const createdAt = new Date().toISOString();
      const stored: ConversationMessage[] = prepared.map((message, i) => ({
        ...message,
        seq: tail.lastSeq + 1 + i,
        createdAt,
      }));
      const lines = prepared.map((message, i) => `${serializeRecord(tail.lastSeq + 1 + i, message, createdAt)}\n`);
      // After a torn line (a crash mid-write), start on a new line so that line stays apart.
      const text = (tail.size > 0 && !tail.endsWithNewline ? '\n' : '') + lines.join('');
      const bytes = Buffer.from(text, 'utf8');
      try {
        // One write() call on the O_APPEND descriptor: the whole batch lands at the end at once.
        const { bytesWritten } = await tail.fh.write(bytes, 0, bytes.length);
        if (bytesWritten !== bytes.length) {
          throw Object.assign(new Error(`short write (${bytesWritten} of ${bytes.length} bytes)`), { code: 'EIO' });
        }
      } catch (error) {
        // Never leave half a record: cut the file back (we hold the lock, nobody wrote after us).
        await tail.fh.truncate(tail.size).catch(() => this.forget(file));
        throw this.storageError('append to the conversation', error);
      }
      tail.size += bytes.length;
      tail.lastSeq += prepared.length;
      tail.endsWithNewline = true;
      return stored;
    });
  }

  async list(key: ConversationKey, options: ListMessagesOptions = {}): Promise<ConversationMessage[]> {
    const file = this.fileOf(key);
    assertValidLimit(options.limit);
    this.assertOpen();
    await this.connect();
    if (options.limit === 0) return [];
    try {
      if (options.limit !== undefined) return await readLastRecords(file, options.limit);
      const text = await readFile(file, 'utf8');
      const messages: ConversationMessage[] = [];
      for (const line of text.split('\n')) {
        if (line.length === 0) continue;
        const message = parseRecord(line);
        if (message) messages.push(message);
      }
      return messages;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw this.storageError('read the conversation', error);
    }
  }

  async clear(key: ConversationKey): Promise<void> {
    const file = this.fileOf(key);
    this.assertOpen();
    await this.connect();
    await this.exclusive(file, async () => {
      await this.forget(file);
      try {
        await unlink(file);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw this.storageError('delete the conversation', error);
      }
    });
  }

  /** Waits for the appends under way; later calls fail. */
  override async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.queues.values()]);
    await Promise.allSettled([...this.tails.keys()].map((file) => this.forget(file)));
  }

  private assertOpen(): void {
    if (this.closed) throw new MemoryStorageException(ErrorMessages.memoryClosed(this.name), { store: this.name });
  }

  /**
   * The open append handle of a file and what is known of its end, checked against the file
   * on disk (called holding the lock). The cached `lastSeq` is reused only while the file is
   * the same one (inode) with the same size: any append by another process, or a clear,
   * makes us read the tail again.
   */
  private async tailOf(file: string): Promise<FileTail> {
    let onDisk: Stats | undefined;
    try {
      onDisk = await stat(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw this.storageError('open the conversation', error);
    }
    let tail = this.tails.get(file);
    if (tail && (!onDisk || onDisk.ino !== tail.ino)) {
      await this.forget(file);
      tail = undefined;
    }
    if (!tail) {
      let fh: FileHandle;
      try {
        // 'a+': O_APPEND | O_CREAT | O_RDWR — every write goes to the end, and the tail can be read.
        fh = await open(file, 'a+', 0o600);
      } catch (error) {
        throw this.storageError('open the conversation', error);
      }
      try {
        const { ino, size } = await fh.stat();
        tail = { fh, ino, size, ...(await readLastRecord(fh, size)) };
      } catch (error) {
        await fh.close().catch(() => undefined);
        throw this.storageError('read the conversation', error);
      }
      this.tails.set(file, tail);
      // Keep at most MAX_OPEN_FILES handles: close the least recently used ones that no append
      // of this process is using right now (those hold their file's queue).
      for (const candidate of [...this.tails.keys()]) {
        if (this.tails.size <= MAX_OPEN_FILES) break;
        if (candidate !== file && !this.queues.has(candidate)) await this.forget(candidate);
      }
    } else {
      // Most recently used last.
      this.tails.delete(file);
      this.tails.set(file, tail);
      if (onDisk!.size !== tail.size) {
        try {
          Object.assign(tail, { size: onDisk!.size }, await readLastRecord(tail.fh, onDisk!.size));
        } catch (error) {
          await this.forget(file);
          throw this.storageError('read the conversation', error);
        }
      }
    }
    return tail;
  }

  /** Closes and drops the cached handle of a file. */
  private async forget(file: string): Promise<void> {
    const tail = this.tails.get(file);
    if (!tail) return;
    this.tails.delete(file);
    await tail.fh.close().catch(() => undefined);
  }

  /** Runs `work` holding this process's queue for `file` and the lock file shared with other processes. */
  private exclusive<T>(file: string, work: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(file) ?? Promise.resolve();
    const run = previous.then(async () => {
      await this.ensureDirectory(dirname(file));
      const lock = await this.acquireLock(file);
      try {
        return await work();
      } finally {
        await this.releaseLock(file, lock);
      }
    });
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    this.queues.set(file, settled);
    void settled.then(() => {
      if (this.queues.get(file) === settled) this.queues.delete(file);
    });
    return run;
  }

  private async ensureDirectory(dir: string): Promise<void> {
    if (this.createdDirectories.has(dir)) return;
    try {
      await mkdir(dir, { recursive: true });
    } catch (error) {
      throw this.storageError('create a directory', error);
    }
    this.createdDirectories.add(dir);
  }

  private async acquireLock(file: string): Promise<HeldLock> {
    const lockPath = `${file}.lock`;
    const deadline = Date.now() + this.lockTimeoutMs;
    let delay = 1;
    for (;;) {
      try {
        const fh = await open(lockPath, 'wx', 0o600);
        try {
          // Who holds it, for stale-lock detection by other processes.
          await fh.write(`${process.pid}\n${hostname()}\n`);
          const { ino } = await fh.stat();
          return { fh, ino };
        } catch (error) {
          await fh.close().catch(() => undefined);
          await unlink(lockPath).catch(() => undefined);
          throw error;
        }
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') {
          // The directory went away (removed by hand): create it again.
          this.createdDirectories.delete(dirname(file));
          await this.ensureDirectory(dirname(file));
          continue;
        }
        if (code !== 'EEXIST') throw this.storageError('lock the conversation', error);
      }
      if (await this.breakStaleLock(lockPath)) continue;
      if (Date.now() >= deadline) {
        throw new MemoryStorageException(ErrorMessages.memoryLockTimeout(this.hidePath(file), this.lockTimeoutMs), {
          store: this.name,
        });
      }
      await sleep(delay + Math.random() * delay);
      delay = Math.min(delay * 2, 25);
    }
  }

  /** Removes a lock left by a crashed writer. True when the caller should try to lock again at once. */
  private async breakStaleLock(lockPath: string): Promise<boolean> {
    let seen: Stats;
    let content: string;
    try {
      seen = await stat(lockPath);
      content = await readFile(lockPath, 'utf8');
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'ENOENT';
    }
    const [pid, host] = content.split('\n');
    const ownerGone = host === hostname() && pid !== undefined && /^\d+$/.test(pid) && !isProcessAlive(Number(pid));
    const tooOld = Date.now() - Number(seen.mtimeMs) > this.lockStaleMs;
    if (!ownerGone && !tooOld) return false;
    // Move it aside first, then make sure it is the lock judged stale and not a fresh one that
    // replaced it meanwhile (if it is fresh, put it back).
    const aside = `${lockPath}.${randomUUID()}.stale`;
    try {
      await rename(lockPath, aside);
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'ENOENT';
    }
    try {
      const moved = await stat(aside);
      if (moved.ino !== seen.ino || moved.mtimeMs !== seen.mtimeMs) {
        await link(aside, lockPath).catch(() => undefined);
        return false;
      }
      return true;
    } finally {
      await unlink(aside).catch(() => undefined);
    }
  }

  private async releaseLock(file: string, lock: HeldLock): Promise<void> {
    const lockPath = `${file}.lock`;
    try {
      // Only remove our own lock file (after being judged stale it may have been replaced).
      if ((await stat(lockPath)).ino === lock.ino) await unlink(lockPath);
    } catch {
      // Gone already: nothing to release.
    } finally {
      await lock.fh.close().catch(() => undefined);
    }
  }

  /** Replaces the store's directory in a text with `<memory.file.path>`. */
  private hidePath(text: string): string {
    return text.split(this.directory).join('<memory.file.path>');
  }

  private storageError(action: string, error: unknown): MemoryException {
    if (error instanceof MemoryException) return error;
    const e = error as NodeJS.ErrnoException;
    const raw = e.code ? `${e.code} ${e.message.replace(/^[A-Z]+: /, '')}` : String(e?.message ?? error);
    // Messages can reach clients (stream_error events): name files relative to the store's directory.
    const detail = this.hidePath(raw);
    return new MemoryStorageException(ErrorMessages.memoryStorage(this.name, action, detail), {
      store: this.name,
      cause: error,
      retryable: e.code === 'EBUSY' || e.code === 'EAGAIN' || e.code === 'EMFILE' || e.code === 'ENFILE',
    });
  }
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Walks a file backwards, line by line, from its end: yields each line (without its new line)
 * newest first. Memory use is bounded by the longest line plus one chunk.
 */
async function* linesBackwards(fh: FileHandle, size: number): AsyncGenerator<Buffer> {
  let position = size;
  let pending = Buffer.alloc(0);
  for (;;) {
    let end = pending.length;
    for (;;) {
      const newline = pending.lastIndexOf(NEWLINE, end - 1);
      if (newline === -1) break;
      yield pending.subarray(newline + 1, end);
      end = newline;
    }
    pending = pending.subarray(0, end);
    if (position === 0) {
      if (pending.length > 0) yield pending;
      return;
    }
    const length = Math.min(CHUNK, position);
    position -= length;
    const chunk = Buffer.allocUnsafe(length);
    let read = 0;
    while (read < length) {
      const { bytesRead } = await fh.read(chunk, read, length - read, position + read);
      if (bytesRead === 0) break;
      read += bytesRead;
    }
    pending = Buffer.concat([chunk.subarray(0, read), pending]);
  }
}

/** The `seq` of the last complete record (0 if none), and whether the file ends with a new line. */
async function readLastRecord(fh: FileHandle, size: number): Promise<{ lastSeq: number; endsWithNewline: boolean }> {
  if (size === 0) return { lastSeq: 0, endsWithNewline: true };
  const last = Buffer.alloc(1);
  await fh.read(last, 0, 1, size - 1);
  const endsWithNewline = last[0] === NEWLINE;
  for await (const line of linesBackwards(fh, size)) {
    if (line.length === 0) continue;
    const record = parseRecord(line.toString('utf8'));
    if (record) return { lastSeq: record.seq, endsWithNewline };
  }
  return { lastSeq: 0, endsWithNewline };
}

/** The last `limit` complete records of a file, oldest first, reading only the end of the file. */
async function readLastRecords(file: string, limit: number): Promise<ConversationMessage[]> {
  const fh = await open(file, 'r');
  try {
    const { size } = await fh.stat();
    const found: ConversationMessage[] = [];
    for await (const line of linesBackwards(fh, size)) {
      if (line.length === 0) continue;
      const record = parseRecord(line.toString('utf8'));
      if (record) found.push(record);
      if (found.length === limit) break;
    }
    return found.reverse();
  } finally {
    await fh.close();
  }
}

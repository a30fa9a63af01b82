import { constants as fsConstants } from 'node:fs';
import { access, mkdir, readFile, unlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { ErrorMessages } from '../../errors/error-messages.js';
import type { ConversationKey, ConversationMessage, ListMessagesOptions, NewConversationMessage } from '../conversation-message.interface.js';
import { ConversationStore } from '../conversation-store.js';
import { MemoryException, MemoryStorageException } from '../errors/memory.exception.js';
import type { FileStoreOptions } from '../memory-options.interface.js';
import { assertValidKey, assertValidLimit, ownerOfKey, prepareMessage } from '../validate-message.js';
import { FileLock } from './file-lock.js';
import { encodeFileName } from './file-name.js';
import { readLastRecords } from './file-read-backwards.js';
import { FileTailCache } from './file-tail-cache.js';
import { parseRecord, serializeRecord } from './message-record.js';

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
 *
 * The pieces: the lock file is `FileLock` (file-lock.ts), the open handles and last `seq`s
 * `FileTailCache` (file-tail-cache.ts), the reads from the end file-read-backwards.ts.
 */
export class FileConversationStore extends ConversationStore {
  readonly name: string = 'file';
  /** The directory holding the conversations (absolute). */
  readonly directory: string;
  private readonly createdDirectories = new Set<string>();
  /** Appends of this process to one file wait for each other before taking the lock file. */
  private readonly queues = new Map<string, Promise<unknown>>();
  /** Open append handles and each file's last seq. */
  private readonly tails: FileTailCache;
  /** The lock file shared with other processes. */
  private readonly lock: FileLock;
  private connecting?: Promise<void>;
  private closed = false;

  constructor(options: FileStoreOptions = {}) {
    super();
    this.directory = resolve(options.path ?? DEFAULT_FILE_STORE_PATH);
    const lockTimeoutMs = options.lockTimeoutMs ?? 5000;
    this.tails = new FileTailCache({ failed: (action, error) => this.storageError(action, error), inUse: (file) => this.queues.has(file) });
    this.lock = new FileLock({
      timeoutMs: lockTimeoutMs,
      staleMs: options.lockStaleMs ?? 10_000,
      recreateDirectory: async (file) => {
        this.createdDirectories.delete(dirname(file));
        await this.ensureDirectory(dirname(file));
      },
      failed: (error) => this.storageError('lock the conversation', error),
      timedOut: (file) =>
        new MemoryStorageException(ErrorMessages.memoryLockTimeout(this.hidePath(file), lockTimeoutMs), {
          store: this.name,
        }),
    });
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
      const tail = await this.tails.get(file);
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
        await tail.fh.truncate(tail.size).catch(() => this.tails.forget(file));
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
      await this.tails.forget(file);
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
    await this.tails.closeAll();
  }

  private assertOpen(): void {
    if (this.closed) throw new MemoryStorageException(ErrorMessages.memoryClosed(this.name), { store: this.name });
  }

  /** Runs `work` holding this process's queue for `file` and the lock file shared with other processes. */
  private exclusive<T>(file: string, work: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(file) ?? Promise.resolve();
    const run = previous.then(async () => {
      await this.ensureDirectory(dirname(file));
      const lock = await this.lock.acquire(file);
      try {
        return await work();
      } finally {
        await this.lock.release(file, lock);
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

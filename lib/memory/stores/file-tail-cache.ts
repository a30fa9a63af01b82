import type { Stats } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { readLastRecord } from './file-read-backwards.js';

/** An open conversation file and what is known of its end. */
export interface FileTail {
  fh: FileHandle;
  ino: number;
  size: number;
  lastSeq: number;
  endsWithNewline: boolean;
}

/** Append handles kept open (one per recently written conversation), by default. */
const MAX_OPEN_FILES = 64;

/**
 * The open O_APPEND handles of the most recently written files, with each file's last `seq`,
 * so an append costs the same at message 10 000 as at message 1. Least recently used first;
 * at most `maxOpen` (a file in use is never closed).
 */
export class FileTailCache {
  private readonly tails = new Map<string, FileTail>();

  constructor(
    private readonly options: {
      /** The error for a failed file operation (`action`: what was being done). */
      failed(action: string, error: unknown): Error;
      /** Whether an append of this process is using the file (its handle must stay open). */
      inUse(file: string): boolean;
      maxOpen?: number;
    },
  ) {}

  /**
   * The open append handle of a file and what is known of its end, checked against the file
   * on disk (called holding the file's lock). The cached `lastSeq` is reused only while the
   * file is the same one (inode) with the same size: any append by another process, or a
   * clear, makes it read the tail again.
   */
  async get(file: string): Promise<FileTail> {
    let onDisk: Stats | undefined;
    try {
      onDisk = await stat(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw this.options.failed('open the conversation', error);
    }
    let tail = this.tails.get(file);
    if (tail && (!onDisk || onDisk.ino !== tail.ino)) {
      await this.forget(file);
      tail = undefined;
    }
    if (!tail) return this.open(file);
    // Most recently used last.
    this.tails.delete(file);
    this.tails.set(file, tail);
    if (onDisk!.size !== tail.size) {
      try {
        Object.assign(tail, { size: onDisk!.size }, await readLastRecord(tail.fh, onDisk!.size));
      } catch (error) {
        await this.forget(file);
        throw this.options.failed('read the conversation', error);
      }
    }
    return tail;
  }

  /** Closes and drops the cached handle of a file. */
  async forget(file: string): Promise<void> {
    const tail = this.tails.get(file);
    if (!tail) return;
    this.tails.delete(file);
    await tail.fh.close().catch(() => undefined);
  }

  /** Closes every handle. */
  async closeAll(): Promise<void> {
    await Promise.allSettled([...this.tails.keys()].map((file) => this.forget(file)));
  }

  private async open(file: string): Promise<FileTail> {
    let fh: FileHandle;
    try {
      // 'a+': O_APPEND | O_CREAT | O_RDWR — every write goes to the end, and the tail can be read.
      fh = await open(file, 'a+', 0o600);
    } catch (error) {
      throw this.options.failed('open the conversation', error);
    }
    let tail: FileTail;
    try {
      const { ino, size } = await fh.stat();
      tail = { fh, ino, size, ...(await readLastRecord(fh, size)) };
    } catch (error) {
      await fh.close().catch(() => undefined);
      throw this.options.failed('read the conversation', error);
    }
    this.tails.set(file, tail);
    // Keep at most maxOpen handles: close the least recently used ones that no append of this
    // process is using right now.
    const max = this.options.maxOpen ?? MAX_OPEN_FILES;
    for (const candidate of [...this.tails.keys()]) {
      if (this.tails.size <= max) break;
      if (candidate !== file && !this.options.inUse(candidate)) await this.forget(candidate);
    }
    return tail;
  }
}

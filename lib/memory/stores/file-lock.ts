import { randomUUID } from 'node:crypto';
import type { Stats } from 'node:fs';
import { link, open, readFile, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';

/** A lock file this process holds: its handle and inode (to remove only our own). */
export interface HeldLock {
  fh: FileHandle;
  ino: number;
}

/** How `FileLock` waits, and how it reports what went wrong (the store's own errors). */
export interface FileLockOptions {
  /** Give up after this long. */
  timeoutMs: number;
  /** A lock older than this is a crashed writer's, and removed. */
  staleMs: number;
  /** The file's directory is missing (removed by hand): create it again. */
  recreateDirectory(file: string): Promise<void>;
  /** The error for a failed lock operation. */
  failed(error: unknown): Error;
  /** The error when the lock stayed taken for `timeoutMs`. */
  timedOut(file: string): Error;
}

/**
 * A lock shared by every process writing a file: `<file>.lock`, created with O_EXCL, holding
 * the writer's pid and host. A lock left by a crashed writer is removed once older than
 * `staleMs`, or at once when its process (same host) is gone. Waits with a jittered backoff
 * (1 ms doubling up to 25 ms) until `timeoutMs`.
 */
export class FileLock {
  constructor(private readonly options: FileLockOptions) {}

  async acquire(file: string): Promise<HeldLock> {
    const lockPath = `${file}.lock`;
    const deadline = Date.now() + this.options.timeoutMs;
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
          await this.options.recreateDirectory(file);
          continue;
        }
        if (code !== 'EEXIST') throw this.options.failed(error);
      }
      if (await this.breakStale(lockPath)) continue;
      if (Date.now() >= deadline) throw this.options.timedOut(file);
      await sleep(delay + Math.random() * delay);
      delay = Math.min(delay * 2, 25);
    }
  }

  async release(file: string, lock: HeldLock): Promise<void> {
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

  /** Removes a lock left by a crashed writer. True when the caller should try to lock again at once. */
  private async breakStale(lockPath: string): Promise<boolean> {
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
    const tooOld = Date.now() - Number(seen.mtimeMs) > this.options.staleMs;
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
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

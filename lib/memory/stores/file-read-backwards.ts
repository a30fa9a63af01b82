import { open, type FileHandle } from 'node:fs/promises';
import type { ConversationMessage } from '../conversation-message.interface.js';
import { parseRecord } from './message-record.js';

// Reading a JSON-lines conversation file from its end: the file store's last `seq` and its
// `list({ limit })` read only the end of the file, however long it is.

const NEWLINE = 0x0a;
const CHUNK = 64 * 1024;

/**
 * Walks a file backwards, line by line, from its end: yields each line (without its new line)
 * newest first. Memory use is bounded by the longest line plus one chunk.
 */
export async function* linesBackwards(fh: FileHandle, size: number): AsyncGenerator<Buffer> {
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
export async function readLastRecord(fh: FileHandle, size: number): Promise<{ lastSeq: number; endsWithNewline: boolean }> {
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
export async function readLastRecords(file: string, limit: number): Promise<ConversationMessage[]> {
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

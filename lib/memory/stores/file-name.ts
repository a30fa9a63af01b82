import { createHash } from 'node:crypto';

/** Longest encoded name kept as it is; longer ones become a hash (file names are limited to 255 bytes). */
const MAX_ENCODED_LENGTH = 150;

/**
 * Turns an id into a file name that is the same for one id only, on every file system:
 * lower-case letters, digits, `-` and `_` stay; every other byte of its UTF-8 form becomes
 * `%XX` (upper-case letters too, so ids that differ only in case stay apart on
 * case-insensitive file systems). A name that would be too long becomes `%h-` and the SHA-256
 * of the id (encoded names never contain `%h`). The result never contains `/`, `\` or `.`.
 */
export function encodeFileName(id: string): string {
  let out = '';
  for (const byte of Buffer.from(id, 'utf8')) {
    const safe = (byte >= 0x61 && byte <= 0x7a) || (byte >= 0x30 && byte <= 0x39) || byte === 0x2d || byte === 0x5f;
    out += safe ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  if (out.length > MAX_ENCODED_LENGTH) {
    return `%h-${createHash('sha256').update(id, 'utf8').digest('hex')}`;
  }
  return out;
}

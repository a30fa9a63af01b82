/** One Server-Sent Event, ready to encode. `data` is sent as it is (already JSON, or text). */
export interface EncodableSseEvent {
  id?: string;
  event?: string;
  data: string;
  retry?: number;
}

const LINE_BREAKS = /\r\n|\r|\n/;
const FIELD_FORBIDDEN = /[\r\n\0]/g;

/** `event` and `id` may hold no CR, LF or NUL (WHATWG HTML, 9.2): those characters are removed. */
export function sanitizeField(value: string): string {
  return value.replace(FIELD_FORBIDDEN, '');
}

/**
 * Encodes an event as the spec wants it: `field: value` lines (with the space, so a value's
 * own leading space survives), data split into one `data:` line per line of the value
 * (CR, LF and CRLF all break lines), and a blank line to dispatch it.
 */
export function encodeSseEvent(event: EncodableSseEvent): string {
  let out = '';
  if (event.id !== undefined) out += `id: ${sanitizeField(event.id)}\n`;
  if (event.event !== undefined) out += `event: ${sanitizeField(event.event)}\n`;
  if (event.retry !== undefined) out += `retry: ${Math.max(0, Math.floor(event.retry))}\n`;
  const data = event.data;
  if (data.indexOf('\n') === -1 && data.indexOf('\r') === -1) return `${out}data: ${data}\n\n`;
  for (const line of data.split(LINE_BREAKS)) out += `data: ${line}\n`;
  return `${out}\n`;
}

/** A comment line (ignored by clients; keeps proxies from timing the connection out). */
export function encodeSseComment(text: string): string {
  return `: ${text.replace(/[\r\n]+/g, ' ')}\n\n`;
}

/** The `retry:` field on its own: the client's reconnection delay. */
export function encodeSseRetry(ms: number): string {
  return `retry: ${Math.max(0, Math.floor(ms))}\n\n`;
}

/**
 * Event ids: `<streamId>-<seq>`. The stream id is 1–64 characters (it may hold `-`), the
 * sequence number 1–12 ASCII digits (a trillion events per stream; an exact JavaScript number).
 * The server writes them with `formatEventId`; the server (reading `Last-Event-ID`) and the
 * client read them with `parseEventId`.
 */

/** Longest stream id an event id may carry. */
export const MAX_STREAM_ID_LENGTH = 64;

/** Most digits a sequence number may have. */
export const MAX_SEQ_DIGITS = 12;

const SEQ = /^[0-9]{1,12}$/;

/** `<streamId>-<seq>`. */
export function formatEventId(streamId: string, seq: number): string {
  return `${streamId}-${seq}`;
}

/** Splits `<streamId>-<seq>`; undefined when `id` is not one. */
export function parseEventId(id: string | undefined | null): { streamId: string; seq: number } | undefined {
  if (!id) return undefined;
  const dash = id.lastIndexOf('-');
  if (dash <= 0 || dash > MAX_STREAM_ID_LENGTH) return undefined;
  const tail = id.slice(dash + 1);
  if (!SEQ.test(tail)) return undefined;
  return { streamId: id.slice(0, dash), seq: Number(tail) };
}

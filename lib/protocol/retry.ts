/**
 * What is worth trying again, and when: the one definition for the engine (provider
 * statuses), the SSE layer and the browser client (the server's own statuses).
 */

/** HTTP statuses worth retrying (after a delay): 408, 409, 425, 429 and every 5xx. */
export function isRetryableHttpStatus(status: number | undefined): boolean {
  return status === 408 || status === 409 || status === 425 || status === 429 || (status !== undefined && status >= 500);
}

/** Something that has headers: a WHATWG `Headers`, a Node header record, or nothing. */
export type HeaderSource = { get(name: string): string | null } | Record<string, string | string[] | undefined> | undefined | null;

function header(headers: HeaderSource, name: string): string | undefined {
  if (!headers) return undefined;
  if (typeof (headers as { get?: unknown }).get === 'function') return (headers as { get(name: string): string | null }).get(name) ?? undefined;
  const record = headers as Record<string, string | string[] | undefined>;
  const value = record[name] ?? record[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/** A `Retry-After` value, as seconds (decimals allowed) or an HTTP date, in ms; undefined when absent or unreadable. */
export function parseRetryAfterValue(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (value === null || value === undefined) return undefined;
  const trimmed = value.trim();
  if (trimmed === '') return undefined;
  if (/^[0-9]+(\.[0-9]+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  if (/^[+-]?[0-9.]+$/.test(trimmed)) return undefined; // a negative or malformed number is not a date
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * The delay asked for before the next try, in ms, from response headers: `retry-after-ms`
 * (OpenAI), then `retry-after` as seconds or as an HTTP date. Undefined when absent or unreadable.
 */
export function parseRetryAfter(headers: HeaderSource, now: number = Date.now()): number | undefined {
  const msText = header(headers, 'retry-after-ms');
  if (msText !== undefined && msText.trim() !== '') {
    const ms = Number(msText);
    if (Number.isFinite(ms) && ms >= 0) return ms;
  }
  return parseRetryAfterValue(header(headers, 'retry-after'), now);
}

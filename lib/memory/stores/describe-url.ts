/**
 * A connection URL without its credentials, for error messages: `redis://127.0.0.1:6379/0`.
 * Also returns the password so it can be redacted from driver messages.
 */
export function describeUrl(url: string | undefined, fallback: string): { target: string; secrets: string[] } {
  if (!url) return { target: fallback, secrets: [] };
  try {
    const parsed = new URL(url);
    const secrets = [parsed.password, decodeURIComponent(parsed.password)].filter((s) => s.length > 0);
    return { target: `${parsed.protocol}//${parsed.host}${parsed.pathname === '/' ? '' : parsed.pathname}`, secrets };
  } catch {
    return { target: '(unparseable URL)', secrets: [url] };
  }
}

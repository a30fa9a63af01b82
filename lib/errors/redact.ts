/**
 * Removes anything that looks like a credential from text that may reach a log, an error
 * message or a client: bearer tokens, `sk-…`-style keys, `key=` query parameters, and the
 * exact secrets passed in.
 */
export function redactSecrets(text: string, secrets: readonly (string | undefined)[] = []): string {
  let out = text;
  for (const secret of secrets) {
    if (secret && secret.length >= 4) out = out.split(secret).join('[redacted]');
  }
  return out
    .replace(/\b(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}/gi, '$1[redacted]')
    .replace(/\b(sk|pk|rk|sess)-[A-Za-z0-9_-]{8,}/g, '$1-[redacted]')
    .replace(/([?&](?:key|api_key|apikey|access_token)=)[^&\s"']+/gi, '$1[redacted]')
    .replace(/\bAIza[0-9A-Za-z_-]{20,}/g, '[redacted]');
}

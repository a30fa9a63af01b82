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

/** A provider error body with every secret (and anything that looks like one) removed. */
export function redactBody(body: unknown, secrets: readonly (string | undefined)[]): unknown {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return redactSecrets(body, secrets);
  try {
    return JSON.parse(redactSecrets(JSON.stringify(body), secrets));
  } catch {
    return undefined;
  }
}

/**
 * The innermost message of an error's cause chain (e.g. `connect ECONNREFUSED 127.0.0.1:9`),
 * duck-typed because Node's network errors may come from another realm.
 */
export function rootCauseMessage(error: unknown): string {
  let current: unknown = error;
  let message = 'unknown error';
  for (let depth = 0; depth < 8 && typeof current === 'object' && current !== null; depth++) {
    const { message: text, code, errors, cause } = current as { message?: unknown; code?: unknown; errors?: unknown; cause?: unknown };
    if (typeof text === 'string' && text) message = text;
    else if (typeof code === 'string') message = code;
    current = cause ?? (Array.isArray(errors) ? errors[0] : undefined);
  }
  return message;
}

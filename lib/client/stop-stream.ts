/**
 * Asks the server to stop a generation: `DELETE` on the route's stop URL, with the stream's
 * headers and credentials. Fire and forget: the answer's body is discarded and a failure is
 * ignored (the stream is closed on this side already; the server also stops once every
 * client is gone).
 */
export function sendStop(fetchImpl: typeof fetch, url: string | URL, headers: Headers, credentials: RequestCredentials | undefined): void {
  fetchImpl(String(url), { method: 'DELETE', headers, credentials })
    .then((response) => response.body?.cancel())
    .catch(() => undefined);
}

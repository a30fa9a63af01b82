/** Options of one `@SseStream()` route; module-wide defaults come from the `sse` module option. */
export interface SseStreamOptions {
  /** Reconnection delay written as `retry:` when the stream starts, in ms. Default 3000. */
  retryMs?: number;
  /**
   * Send `start` (and the 200 headers) at once instead of waiting until the provider
   * accepted the request. Waiting lets a provider failure get a real HTTP status.
   */
  startImmediately?: boolean;
  /**
   * Close the stream when this many characters are waiting for a slow client. Default 4 MiB.
   */
  maxPendingLength?: number;
}

/** `sse` section of the module options: defaults for every `@SseStream()` route. */
export type SseModuleOptions = SseStreamOptions;

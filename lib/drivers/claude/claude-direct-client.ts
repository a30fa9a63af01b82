import type { ProviderTransport } from '../transport/provider-transport.js';
import type { ClaudeStreamOpener } from './claude-api.types.js';

/** Anthropic's own endpoint, when the config names no `baseURL`. */
export const CLAUDE_BASE_URL = 'https://api.anthropic.com';

/** The API version `@anthropic-ai/sdk` 1.x sends (`anthropic-version`), and so the one this driver speaks. */
export const CLAUDE_API_VERSION = '2026-10-21';

/** What the direct client needs from the engine's config. */
export interface ClaudeDirectClientOptions {
  baseURL?: string;
  /**
   * Sent as `Authorization: Bearer …`, as the SDK 1.x sends an API key (not `x-api-key`).
   * Undefined (a caller that skipped the options' validation): no Authorization header, and no
   * environment variable read for one.
   */
  apiKey?: string;
}

/** `baseURL` + `/v1/messages`, joined as the SDK joins them (one slash between; a path in `baseURL` kept). */
export function claudeMessagesUrl(baseURL: string | undefined): URL {
  const base = baseURL || CLAUDE_BASE_URL;
  return new URL(base.endsWith('/') ? `${base}v1/messages` : `${base}/v1/messages`);
}

/**
 * The streamed Messages request, built without the SDK: one `POST {baseURL}/v1/messages` over
 * the provider transport, with the URL and the headers computed once (the engine's `headers`
 * are added by the transport, the ones here win). The SDK's per-request work (its header
 * merging, logging, request options, a WHATWG body per answer) was about a tenth of the
 * relay's CPU per request in `node bench/profile.mjs claude requests` (its own code; a fifth
 * with what it called). What goes over the wire is the request the SDK
 * sends: the URL, `Authorization: Bearer <key>`, `anthropic-version`, the JSON body with
 * `stream: true`, `content-type` and `accept` as the SDK sets them, and
 * `x-stainless-retry-count: 0` (the SDK never retries here: every attempt is its first). The
 * SDK's other telemetry headers (`user-agent`, `x-stainless-*` platform details) are not sent.
 * As the SDK does, the two header parameters of `messages.create` that may come in through
 * `providerOptions`, `workspace_id` and `user_profile_id`, leave the body and are sent as
 * `anthropic-workspace-id` and `anthropic-user-profile-id`.
 */
export function claudeDirectClient(transport: Pick<ProviderTransport, 'request'>, options: ClaudeDirectClientOptions): ClaudeStreamOpener {
  const url = claudeMessagesUrl(options.baseURL);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json',
    'anthropic-version': CLAUDE_API_VERSION,
    'x-stainless-retry-count': '0',
  };
  if (options.apiKey !== undefined) headers.authorization = `Bearer ${options.apiKey}`;
  return (body, signal) => {
    let sent = headers;
    let params = body;
    if ('workspace_id' in body || 'user_profile_id' in body) {
      const { workspace_id: workspaceId, user_profile_id: userProfileId, ...rest } = body;
      params = rest;
      sent = { ...headers };
      if (userProfileId !== undefined && userProfileId !== null) sent['anthropic-user-profile-id'] = String(userProfileId);
      if (workspaceId !== undefined && workspaceId !== null) sent['anthropic-workspace-id'] = String(workspaceId);
    }
    return transport.request(url, { method: 'POST', headers: sent, body: JSON.stringify({ ...params, stream: true }), signal });
  };
}

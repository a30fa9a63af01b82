import Anthropic from '@anthropic-ai/sdk';
import type { IncomingHttpHeaders } from 'node:http';
import { FakeProviderServer, sendJsonError, sleep, sseFrame, startEventStream } from '../../../test/utils/fake-provider-server.js';
import { createProviderTransport, ProviderResponseError, readEventStream, type ProviderTransport } from '../transport/provider-transport.js';
import { ValidationException } from '../../errors/engine.exception.js';
import type { ClaudeRequestBody } from './claude-api.types.js';
import { createClaudeDriver } from './claude.driver.js';
import { CLAUDE_API_VERSION, CLAUDE_BASE_URL, claudeDirectClient, claudeMessagesUrl } from './claude-direct-client.js';

const KEY = 'sk-ant-api03-Zq7TESTKEYnotreal0123456789abcdefXYZ';
const body: ClaudeRequestBody = { model: 'claude-sonnet-5-5', max_tokens: 64, messages: [{ role: 'user', content: 'Grüße 👩‍🚀' }] };

/** What the SDK itself would request: its own client, sending over the same transport. */
function sdkClient(transport: ProviderTransport, baseURL: string): Anthropic {
  return new Anthropic({ apiKey: KEY, baseURL, maxRetries: 0, fetch: transport.eventStreamFetch });
}

/** The headers that say something to the API or to a gateway (not the SDK's telemetry, nor the connection's). */
function wireHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const kept: IncomingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (name === 'user-agent' || name === 'connection' || name === 'host') continue;
    if (name.startsWith('x-stainless-') && name !== 'x-stainless-retry-count') continue;
    kept[name] = value;
  }
  return kept;
}

describe('claudeMessagesUrl', () => {
  it('joins baseURL and /v1/messages with one slash, keeping a path in baseURL', () => {
    expect(claudeMessagesUrl(undefined).href).toBe(`${CLAUDE_BASE_URL}/v1/messages`);
    expect(claudeMessagesUrl('').href).toBe('https://api.anthropic.com/v1/messages');
    expect(claudeMessagesUrl('http://127.0.0.1:8080').href).toBe('http://127.0.0.1:8080/v1/messages');
    expect(claudeMessagesUrl('http://127.0.0.1:8080/').href).toBe('http://127.0.0.1:8080/v1/messages');
    expect(claudeMessagesUrl('https://gateway.example/anthropic').href).toBe('https://gateway.example/anthropic/v1/messages');
    expect(claudeMessagesUrl('https://gateway.example/anthropic/').href).toBe('https://gateway.example/anthropic/v1/messages');
  });

  it.each([
    'https://api.anthropic.com',
    'http://127.0.0.1:8080',
    'http://127.0.0.1:8080/',
    'https://gateway.example/anthropic',
    'https://gateway.example/anthropic/',
  ])('gives the URL the SDK builds from %s', (baseURL) => {
    expect(claudeMessagesUrl(baseURL).href).toBe(new Anthropic({ apiKey: KEY, baseURL }).buildURL('/v1/messages', undefined));
  });

  it('fails at once on a baseURL that is no URL', () => {
    expect(() => claudeMessagesUrl('not a url')).toThrow('Invalid URL');
  });
});

describe('claudeDirectClient against a local server', () => {
  const server = new FakeProviderServer();
  let transport: ProviderTransport;

  beforeAll(async () => {
    await server.start();
  });
  afterAll(async () => {
    await server.stop();
  });
  beforeEach(() => {
    server.requests.length = 0;
    transport = createProviderTransport({ headers: { 'x-gateway-key': 'gw-1', 'anthropic-version': '2023-06-01' } });
    server.respond((_req, res) => {
      startEventStream(res);
      res.end(sseFrame({ type: 'message_stop' }, 'message_stop'));
    });
  });
  afterEach(() => transport.close());

  it('sends POST /v1/messages with the key as a bearer token, the API version, the JSON body with stream: true; the engine headers added, its own winning', async () => {
    const open = claudeDirectClient(transport, { baseURL: server.url, apiKey: KEY });
    const response = await open(body, new AbortController().signal);
    const events: string[] = [];
    await readEventStream(response, ({ event }) => {
      events.push(event);
    });
    expect(events).toEqual(['message_stop']);

    const request = server.lastRequest;
    expect(request.method).toBe('POST');
    expect(request.url).toBe('/v1/messages');
    expect(request.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(request.headers['x-api-key']).toBeUndefined();
    expect(request.headers['anthropic-version']).toBe(CLAUDE_API_VERSION);
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers.accept).toBe('application/json');
    expect(request.headers['x-stainless-retry-count']).toBe('0');
    expect(request.headers['x-gateway-key']).toBe('gw-1');
    expect(request.body).toEqual({ ...body, stream: true });
    // the body given is not changed
    expect(body).not.toHaveProperty('stream');
  });

  it('sends to a path in baseURL, with or without a trailing slash', async () => {
    for (const baseURL of [`${server.url}/gateway/anthropic`, `${server.url}/gateway/anthropic/`]) {
      const response = await claudeDirectClient(transport, { baseURL, apiKey: KEY })(body, new AbortController().signal);
      await readEventStream(response, () => undefined);
      expect(server.lastRequest.url).toBe('/gateway/anthropic/v1/messages');
    }
  });

  it.each([
    ['a plain body', body],
    [
      'a body with the header parameters workspace_id and user_profile_id',
      { ...body, workspace_id: 'wrkspc_01', user_profile_id: 'uprof_01', service_tier: 'auto' },
    ],
  ])('sends what the SDK sends for %s, but its telemetry', async (_what, given) => {
    const direct = claudeDirectClient(transport, { baseURL: server.url, apiKey: KEY });
    await readEventStream(await direct(given, new AbortController().signal), () => undefined);
    const sdk = sdkClient(transport, server.url);
    const params = { ...given, stream: true } as unknown as Parameters<typeof sdk.messages.create>[0] & { stream: true };
    await readEventStream(await sdk.messages.create(params).asResponse(), () => undefined);

    const [ours, theirs] = server.requests;
    expect(ours.url).toBe(theirs.url);
    expect(ours.method).toBe(theirs.method);
    expect(ours.body).toEqual(theirs.body);
    expect(wireHeaders(ours.headers)).toEqual(wireHeaders(theirs.headers));
  });

  it('moves workspace_id and user_profile_id from the body to their headers, as the SDK does', async () => {
    const open = claudeDirectClient(transport, { baseURL: server.url, apiKey: KEY });
    await readEventStream(await open({ ...body, workspace_id: 'wrkspc_01', user_profile_id: 'uprof_01' }, new AbortController().signal), () => undefined);
    // a null one leaves the body and sends no header
    await readEventStream(await open({ ...body, workspace_id: null }, new AbortController().signal), () => undefined);
    const [both, nulled] = server.requests;
    expect(both.headers['anthropic-workspace-id']).toBe('wrkspc_01');
    expect(both.headers['anthropic-user-profile-id']).toBe('uprof_01');
    expect(both.body).toEqual({ ...body, stream: true });
    expect(nulled.headers['anthropic-workspace-id']).toBeUndefined();
    expect(nulled.body).toEqual({ ...body, stream: true });
  });

  it('sends no Authorization header without a key', async () => {
    const open = claudeDirectClient(transport, { baseURL: server.url });
    await readEventStream(await open(body, new AbortController().signal), () => undefined);
    expect(server.lastRequest.headers.authorization).toBeUndefined();
  });

  it('rejects an error status with the transport’s ProviderResponseError (status and body)', async () => {
    server.respond((_req, res) => sendJsonError(res, 529, { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }));
    const error = await claudeDirectClient(transport, { baseURL: server.url, apiKey: KEY })(body, new AbortController().signal).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderResponseError);
    expect((error as ProviderResponseError).status).toBe(529);
    expect((error as ProviderResponseError).bodyText).toContain('overloaded_error');
  });

  it('aborts the request when the signal aborts before the answer: it rejects with the reason, and the connection is closed', async () => {
    server.respond(() => undefined); // never answers
    const open = claudeDirectClient(transport, { baseURL: server.url, apiKey: KEY });
    const controller = new AbortController();
    const pending = open(body, controller.signal).catch((e: unknown) => e);
    while (server.requests.length === 0) await sleep(5);
    const reason = new Error('the caller left');
    controller.abort(reason);
    expect(await pending).toBe(reason);
    await server.lastRequest.aborted;
    expect(server.lastRequest.wasAborted()).toBe(true);
  });

  it('sends nothing when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('gone'));
    const error = await claudeDirectClient(transport, { baseURL: server.url, apiKey: KEY })(body, controller.signal).catch((e: unknown) => e);
    expect((error as Error).message).toBe('gone');
    await sleep(20);
    expect(server.requests).toHaveLength(0);
  });
});

describe('createClaudeDriver', () => {
  it('fails at startup with a ValidationException on a baseURL that is no URL (a caller that skipped the options’ validation), naming no key', async () => {
    const error = await createClaudeDriver('claude', { apiKey: KEY, baseURL: 'not a url' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationException);
    expect((error as ValidationException).message).toBe('Invalid BuppleEngineModule options:\n  - engine.claude: Invalid URL');
    expect((error as ValidationException).engine).toBe('claude');
  });
});

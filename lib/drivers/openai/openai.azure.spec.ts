import { FakeProviderServer, sendJsonError, sseFrame, startEventStream } from '../../../test/utils/fake-provider-server.js';
import { collect } from '../../../test/utils/driver-outcome.js';
import { AuthenticationException } from '../../errors/engine.exception.js';
import { createOpenAIDriver } from './openai.driver.js';

/**
 * Azure OpenAI and the compatible servers' settings, against a local server in Azure's format:
 * the deployment URL, `api-version`, the `api-key` header, extra headers per engine.
 */
const KEY = 'azure-key-0123456789abcdef0123456789';
const server = new FakeProviderServer();

beforeAll(async () => {
  await server.start();
});
afterAll(() => server.stop());
beforeEach(() => {
  server.requests.length = 0;
  server.respond((_req, res) => {
    startEventStream(res, { 'apim-request-id': 'req-azure-1' });
    res.write(sseFrame({ id: '', object: '', created: 0, model: '', choices: [], prompt_filter_results: [{ prompt_index: 0, content_filter_results: {} }] }));
    res.write(
      sseFrame({
        id: 'c1',
        object: 'chat.completion.chunk',
        model: 'gpt-4o-mini',
        choices: [{ index: 0, delta: { content: 'Hej' }, finish_reason: null, content_filter_results: {} }],
      }),
    );
    res.write(sseFrame({ id: 'c1', object: 'chat.completion.chunk', model: 'gpt-4o-mini', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }));
    res.end('data: [DONE]\n\n');
  });
});

describe('Azure OpenAI (engine option azure)', () => {
  it('posts to the deployment URL with api-version and the key in api-key, and streams the answer', async () => {
    const driver = await createOpenAIDriver('azure', {
      apiKey: KEY,
      baseURL: server.url,
      azure: { apiVersion: '2024-10-21', deployment: 'chat-prod' },
      headers: { 'x-ms-client-request-id': 'bupple-1' },
    });
    try {
      const outcome = await collect(driver.stream({ messages: [{ role: 'user', content: 'hi' }], options: { model: 'gpt-4o-mini' } }));
      expect(outcome.error).toBeUndefined();
      expect(outcome.parts.filter((p) => p.type === 'text-delta')).toEqual([{ type: 'text-delta', text: 'Hej' }]);
      const request = server.lastRequest;
      expect(request.method).toBe('POST');
      expect(request.url).toBe('/openai/deployments/chat-prod/chat/completions?api-version=2024-10-21');
      expect(request.headers['api-key']).toBe(KEY);
      expect(String(request.headers.authorization ?? '')).not.toContain(KEY);
      expect(request.headers['x-ms-client-request-id']).toBe('bupple-1');
      expect(request.body.stream).toBe(true);
    } finally {
      driver.close();
    }
  });

  it('without a deployment, the call model names it', async () => {
    const driver = await createOpenAIDriver('azure', { apiKey: KEY, baseURL: `${server.url}/`, azure: { apiVersion: '2025-01-01-preview' } });
    try {
      await collect(driver.stream({ messages: [{ role: 'user', content: 'hi' }], options: { model: 'gpt-4o' } }));
      expect(server.lastRequest.url).toBe('/openai/deployments/gpt-4o/chat/completions?api-version=2025-01-01-preview');
    } finally {
      driver.close();
    }
  });

  it("maps Azure's 401 body like OpenAI's, without the key", async () => {
    server.respond((_req, res) =>
      sendJsonError(res, 401, { error: { code: '401', message: 'Access denied due to invalid subscription key or wrong API endpoint.' } }),
    );
    const driver = await createOpenAIDriver('azure', { apiKey: KEY, baseURL: server.url, azure: { apiVersion: '2024-10-21', deployment: 'd' } });
    try {
      const outcome = await collect(driver.stream({ messages: [{ role: 'user', content: 'hi' }], options: { model: 'm' } }));
      expect(outcome.error).toBeInstanceOf(AuthenticationException);
      expect(JSON.stringify(outcome.error)).not.toContain(KEY);
    } finally {
      driver.close();
    }
  });
});

import 'reflect-metadata';
import { FakeProviderServer } from '../utils/fake-provider-server.js';
import { bootSample, type SampleApp } from '../providers/provider-harness.js';
import { WIRES, type EngineName } from '../providers/provider-wire.js';
import { dataOf, postSse } from '../utils/sse-client.js';

/** A contact whose JSON has escapes, a surrogate pair and non-ASCII text: sent one character per delta. */
const CONTACT = { name: 'Zoë "Z" O\'Neil 😀', email: 'zoe@example.com', company: 'Back\\slash & Co', tags: ['a\nb', 'é'] };
const TEXT = JSON.stringify(CONTACT);

describe.each(['openai', 'claude', 'gemini'] as EngineName[])('POST /extract/stream through %s (its wire format)', (engine) => {
  const wire = WIRES[engine];
  const server = new FakeProviderServer();
  let sample: SampleApp;

  beforeAll(async () => {
    await server.start();
    server.respond((_req, res) => {
      wire.startStream(res);
      // every character its own delta: cuts inside strings, escapes, the surrogate pair
      const frames = wire.frames([...TEXT.split('')], { promptTokens: 5, completionTokens: 7, totalTokens: 12 });
      res.write(frames.opening);
      for (const frame of frames.deltas) res.write(frame);
      res.end(frames.closing);
    });
    sample = await bootSample({
      ...wire.extraEnv,
      [`${wire.envPrefix}_API_KEY`]: wire.apiKey,
      [`${wire.envPrefix}_BASE_URL`]: wire.baseURL(server.url),
      [`${wire.envPrefix}_MODEL`]: wire.model,
      BUPPLE_DEFAULT_ENGINE_DRIVER: engine,
    });
  });
  afterAll(async () => {
    await sample?.app.close();
    await server.stop();
  });

  it('reads the object split at every character and validates it; the request carries the schema', async () => {
    const result = await postSse(`${sample.base}/extract/stream`, { text: 'anything', engine });
    expect(dataOf(result, 'stream_error')).toEqual([]);
    expect(dataOf(result, 'object')[0]).toEqual({ object: CONTACT });
    const partials = dataOf(result, 'object_partial');
    expect(partials.length).toBeGreaterThan(0);
    const body = server.lastRequest.body;
    const sent = JSON.stringify(body);
    if (engine === 'gemini') {
      expect(body.generationConfig.responseMimeType).toBe('application/json');
      expect(body.generationConfig.responseSchema).toMatchObject({ type: expect.stringMatching(/object/i) });
    }
    if (engine === 'claude') expect(sent).toContain('"additionalProperties":false');
    if (engine === 'openai') {
      // strict structured output: every property required, optionals nullable, no extra properties
      const format = body.response_format;
      expect(format).toMatchObject({ type: 'json_schema', json_schema: { name: 'ContactDto', strict: true } });
      const schema = format.json_schema.schema;
      expect(schema.additionalProperties).toBe(false);
      expect([...schema.required].sort()).toEqual(Object.keys(schema.properties).sort());
      expect(JSON.stringify(schema.properties.email)).toContain('null');
      expect(dataOf(result, 'warning')).toEqual([]);
    }
  });
});

import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { EngineService } from '@bupple/nestjs-ai-engine';
import { OfflineDriver } from '@bupple/nestjs-ai-engine/drivers';
import { streamChat } from '@bupple/nestjs-ai-engine/client';
import { dataOf, postSse } from '../utils/sse-client.js';
import { startOfflineSample } from '../utils/sample-app.js';

const TEXT = 'Please meet Grace Hopper from Remington Rand Inc. Write to grace@example.com or call +1 212 555 0199. #navy #compilers';
const CONTACT = { name: 'Grace Hopper', email: 'grace@example.com', phone: '+1 212 555 0199', company: 'Remington Rand Inc.', tags: ['navy', 'compilers'] };

describe('sample /extract (structured output, offline engine)', () => {
  let app: INestApplication;
  let base: string;
  let offline: OfflineDriver;

  beforeAll(async () => {
    ({ app, base, offline } = await startOfflineSample({ tokenDelayMs: 8 }));
  });
  afterAll(() => app.close());

  const post = (path: string, body: unknown) =>
    fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('POST /extract answers with the validated contact and the mode used', async () => {
    const response = await post('/extract', { text: TEXT, engine: 'offline' });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ contact: CONTACT, engine: 'offline', model: 'offline-1', mode: 'native', warnings: [] });
    expect(offline.lastRequest?.state).toBe('completed');
  });

  it('POST /extract/stream: object_partial events that grow, then object, then complete', async () => {
    const result = await postSse(`${base}/extract/stream`, { text: TEXT });
    expect(result.status).toBe(200);
    const names = result.events.map((e) => e.event);
    expect(names[0]).toBe('start');
    expect(names.slice(-2)).toEqual(['object', 'complete']);
    const partials = dataOf(result, 'object_partial').map((d) => d.object as Record<string, unknown>);
    expect(partials.length).toBeGreaterThan(1);
    // each partial only adds to the one before
    for (let i = 1; i < partials.length; i++) {
      for (const [key, value] of Object.entries(partials[i - 1])) {
        if (typeof value === 'string') expect(String(partials[i][key])).toContain(value);
      }
    }
    expect(dataOf(result, 'object')[0]).toEqual({ object: CONTACT });
    expect(dataOf(result, 'complete')[0]).toMatchObject({ finishReason: 'stop' });
  });

  it('an invalid answer after the stream started is a stream_error with code object_validation and the field paths', async () => {
    // the offline engine scripted to answer with a contact that breaks the DTO's rules, twice (repair included)
    const bad = new OfflineDriver('offline', { tokenDelayMs: 0, object: { name: '', email: 'not-an-email', tags: 'x' } });
    app.get(EngineService).register('offline', bad);
    try {
      const result = await postSse(`${base}/extract/stream`, { text: TEXT });
      const error = dataOf(result, 'stream_error')[0] as { code: string; errors: { path: string }[] };
      expect(error.code).toBe('object_validation');
      expect(error.errors.map((e) => e.path)).toEqual(expect.arrayContaining(['name', 'email', 'tags']));
      expect(bad.requests).toHaveLength(2);
      expect(String(bad.requests[1].messages.at(-1)!.content)).toContain('email: email must be an email');
    } finally {
      app.get(EngineService).register('offline', offline);
    }
  });

  it('the client: onObjectPartial, onObject, and an async iterator of the objects', async () => {
    const partials: unknown[] = [];
    let final: unknown;
    const stream = streamChat({
      url: `${base}/extract/stream`,
      body: { text: TEXT },
      onObjectPartial: ({ object }) => partials.push(object),
      onObject: ({ object }) => (final = object),
    });
    await stream.done;
    expect(partials.length).toBeGreaterThan(1);
    expect(final).toEqual(CONTACT);

    const seen: unknown[] = [];
    for await (const object of streamChat({ url: `${base}/extract/stream`, body: { text: TEXT } }).objects()) seen.push(object);
    expect(seen.length).toBeGreaterThan(2);
    expect(seen.at(-1)).toEqual(CONTACT);
    expect(seen[0]).toEqual({});
  });

  it('answers 400 with field messages on a bad body', async () => {
    const response = await post('/extract', { text: 42, extra: true });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { message: string[] };
    expect(body.message).toEqual(expect.arrayContaining(['property extra should not exist', 'text must be a string']));
    expect((await post('/extract', { text: 'x', engine: 'nope' })).status).toBe(400);
  });
});

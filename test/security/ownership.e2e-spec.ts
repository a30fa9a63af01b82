import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { EngineService } from '@bupple/nestjs-ai-engine';
import { OfflineDriver } from '@bupple/nestjs-ai-engine/drivers';
import { requirePostgres, requireRedis, uniqueSuffix } from '../memory/services.js';
import { read, seqsOf, sleep, tokens, waitFor } from '../sse/sse-test-app.js';
import { startSample } from '../utils/sample-app.js';

/**
 * The ownership table, checked against the sample (user from `x-user`, no header: anonymous)
 * with each conversation store, the real Redis and PostgreSQL included: who can do what to
 * whose conversation and stream. Every row is a request and the answer it must get.
 */

type Actor = 'alice' | 'bob' | 'anonymous';
const ACTORS: Actor[] = ['alice', 'bob', 'anonymous'];
const headersOf = (actor: Actor): Record<string, string> => (actor === 'anonymous' ? {} : { 'x-user': actor });

const answer = tokens(200);
const suffix = uniqueSuffix();
const ENV = [
  'BUPPLE_MEMORY_DRIVER',
  'BUPPLE_MEMORY_FILE_PATH',
  'BUPPLE_MEMORY_REDIS_URL',
  'BUPPLE_MEMORY_REDIS_KEY',
  'BUPPLE_MEMORY_DATABASE_URL',
  'BUPPLE_MEMORY_DB_TABLE_NAME',
  'BUPPLE_MEMORY_DB_CREATE_TABLE',
  'BUPPLE_SSE_REPLAY_DRIVER',
  'BUPPLE_SSE_REPLAY_REDIS_URL',
  'BUPPLE_SSE_GRACE_MS',
  'BUPPLE_SSE_KEEPALIVE_MS',
];

interface Backend {
  name: string;
  env: () => Promise<Record<string, string>>;
  cleanup?: () => Promise<void>;
}

const fileDir = mkdtempSync(join(tmpdir(), 'bupple-owner-'));
const table = `bupple_owner_${suffix}`;
const BACKENDS: Backend[] = [
  { name: 'in-process memory', env: async () => ({ BUPPLE_MEMORY_DRIVER: 'memory' }) },
  {
    name: 'file',
    env: async () => ({ BUPPLE_MEMORY_DRIVER: 'file', BUPPLE_MEMORY_FILE_PATH: fileDir }),
    cleanup: async () => rmSync(fileDir, { recursive: true, force: true }),
  },
  {
    name: 'Redis (memory and replay)',
    env: async () => {
      const url = await requireRedis();
      return {
        BUPPLE_MEMORY_DRIVER: 'redis',
        BUPPLE_MEMORY_REDIS_URL: url,
        BUPPLE_MEMORY_REDIS_KEY: `bupple_owner_${suffix}:`,
        BUPPLE_SSE_REPLAY_DRIVER: 'redis',
        BUPPLE_SSE_REPLAY_REDIS_URL: url,
      };
    },
    cleanup: async () => {
      const { Redis } = await import('ioredis');
      const redis = new Redis(await requireRedis());
      const keys = await redis.keys(`bupple_owner_${suffix}:*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
    },
  },
  {
    name: 'PostgreSQL',
    env: async () => ({
      BUPPLE_MEMORY_DRIVER: 'database',
      BUPPLE_MEMORY_DATABASE_URL: await requirePostgres(),
      BUPPLE_MEMORY_DB_TABLE_NAME: table,
      BUPPLE_MEMORY_DB_CREATE_TABLE: 'true',
    }),
    cleanup: async () => {
      const client = new pg.Client({ connectionString: await requirePostgres() });
      await client.connect();
      await client.query(`DROP TABLE IF EXISTS "${table}"`);
      await client.end();
    },
  },
];

describe.each(BACKENDS)('ownership of conversations and streams in the sample ($name)', (backend) => {
  let app: INestApplication;
  let base: string;
  let slow: OfflineDriver;
  const saved: Record<string, string | undefined> = {};
  const table: string[] = [];

  beforeAll(async () => {
    for (const name of ENV) saved[name] = process.env[name];
    Object.assign(process.env, { BUPPLE_SSE_GRACE_MS: '5000', BUPPLE_SSE_KEEPALIVE_MS: '0' }, await backend.env());
    ({ app, base } = await startSample());
    slow = new OfflineDriver('offline', { tokenDelayMs: 15, chunks: answer.chunks });
    app.get(EngineService).register('offline', slow);
  });
  afterAll(async () => {
    await app?.close();
    for (const name of ENV) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
    await backend.cleanup?.();
    if (table.length > 0) process.stdout.write(`\nOwnership table (${backend.name}):\n${table.join('\n')}\n`);
  });

  /** GET /conversations/:id/messages as `actor`: the messages (`role:content`), or null for a 404. */
  const messagesOf = async (actor: Actor, id: string) => {
    const response = await fetch(`${base}/conversations/${id}/messages`, { headers: headersOf(actor) });
    if (response.status === 404) return null;
    expect(response.status).toBe(200);
    return ((await response.json()) as { messages: { role: string; content: string }[] }).messages.map((m) => `${m.role}:${m.content}`);
  };
  /** Status, headers that could tell (length, type) and body of a request, with the id in it replaced. */
  const answerOf = async (actor: Actor, method: 'GET' | 'DELETE', id: string) => {
    const response = await fetch(method === 'GET' ? `${base}/conversations/${id}/messages` : `${base}/conversations/${id}`, {
      method,
      headers: headersOf(actor),
    });
    const body = (await response.text()).replaceAll(id, 'ID');
    return { status: response.status, type: response.headers.get('content-type'), length: body.length, body };
  };
  const say = async (actor: Actor, id: string, content: string) => {
    const response = await fetch(`${base}/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headersOf(actor) },
      body: JSON.stringify({ messages: [{ role: 'user', content }], conversationId: id, engine: 'offline', options: { maxTokens: 2 } }),
    });
    expect(response.status).toBe(200);
  };
  const note = (row: string) => table.push(row);

  it("a conversation id is namespaced by user: read, write, clear reach only one's own; someone else's id is a 404, exactly like an unused one", async () => {
    const id = `c-${suffix}`;
    const unused = `unused-${suffix}`;
    await say('alice', id, 'alice secret');
    await say('anonymous', id, 'anonymous note');
    const alices = (await messagesOf('alice', id))!;
    expect(alices[0]).toBe('user:alice secret');
    expect(alices).toHaveLength(2);
    // bob reads and clears alice's id: 404, the same answer (status, type, length, body) as for an id nobody used
    for (const method of ['GET', 'DELETE'] as const) {
      const onAlices = await answerOf('bob', method, id);
      expect(onAlices.status).toBe(404);
      expect(onAlices).toEqual(await answerOf('bob', method, unused));
      expect(onAlices.body).not.toContain('alice');
    }
    expect(await messagesOf('alice', id)).toEqual(alices);
    note('| actor | alice\'s conversation "c" | anonymous\'s conversation "c" |');
    note('|---|---|---|');
    // bob writes into "c": his own; alice's history is untouched and is not his history
    await say('bob', id, 'bob here');
    const bobs = (await messagesOf('bob', id))!;
    expect(bobs[0]).toBe('user:bob here');
    expect(bobs).toHaveLength(2);
    expect(bobs.join('\n')).not.toContain('alice secret');
    expect(await messagesOf('alice', id)).toEqual(alices);
    // bob and anonymous clear their own "c": alice's stays
    expect((await fetch(`${base}/conversations/${id}`, { method: 'DELETE', headers: headersOf('bob') })).status).toBe(204);
    expect(await messagesOf('bob', id)).toBeNull();
    expect(await messagesOf('alice', id)).toEqual(alices);
    const anonymous = (await messagesOf('anonymous', id))!;
    expect(anonymous[0]).toBe('user:anonymous note');
    expect(await messagesOf('alice', id)).not.toContain('user:anonymous note');
    expect((await fetch(`${base}/conversations/${id}`, { method: 'DELETE', headers: headersOf('anonymous') })).status).toBe(204);
    expect(await messagesOf('anonymous', id)).toBeNull();
    expect(await messagesOf('alice', id)).toEqual(alices);
    note('| alice | read 200 / write / clear 204 (her own) | cannot reach (her "c" is hers) |');
    note(
      '| bob | read 404, clear 404 (the same answer as for an unused id; alice\'s untouched); a write goes to his own "c" (the id is namespaced), which he then reads 200 and clears 204 | cannot reach |',
    );
    note('| anonymous (no x-user) | cannot reach (404, as bob) | read / write / clear (shared by every anonymous client) |');
    note('| anyone | an unused or cleared id: read 404, clear 404 | |');
    // alice clears hers
    expect((await fetch(`${base}/conversations/${id}`, { method: 'DELETE', headers: headersOf('alice') })).status).toBe(204);
    expect(await messagesOf('alice', id)).toBeNull();
  });

  it('a bad x-user is a 400, never a conversation of its own', async () => {
    for (const user of ['a b', 'x'.repeat(101), 'ü', 'a/b']) {
      const response = await fetch(`${base}/conversations/c1/messages`, { headers: { 'x-user': user } });
      expect(response.status).toBe(400);
    }
  });

  it('a stream is resumed and stopped only by the user who started it (404 for anyone else, as for an unknown id)', async () => {
    note('');
    note("| actor | alice's running stream: GET /chat/streams/:id | DELETE /chat/streams/:id | reconnect to /chat/stream with its Last-Event-ID |");
    note('|---|---|---|---|');
    const first = await read(`${base}/chat/stream?message=hi`, { stopAfter: 4, headers: headersOf('alice') });
    const { streamId } = seqsOf(first.events);
    expect(streamId).toBeDefined();
    const lastEventId = first.events.at(-1)!.id!;
    await sleep(50);
    const running = slow.lastRequest!;
    expect(running.state).toBe('running');
    for (const actor of ['bob', 'anonymous'] as Actor[]) {
      const resume = await fetch(`${base}/chat/streams/${streamId}`, { headers: headersOf(actor) });
      expect(resume.status).toBe(404);
      expect(await resume.text()).not.toContain('alice');
      const stop = await fetch(`${base}/chat/streams/${streamId}`, { method: 'DELETE', headers: headersOf(actor) });
      expect(stop.status).toBe(404);
      const reconnect = await read(`${base}/chat/stream?message=hi`, { lastEventId, headers: headersOf(actor) });
      expect(reconnect.events.map((e) => e.event)).toEqual(['resync']);
      // same answers as for a stream nobody started
      expect((await fetch(`${base}/chat/streams/AAAAAAAAAAAAAAAA`, { headers: headersOf(actor) })).status).toBe(404);
      expect((await fetch(`${base}/chat/streams/AAAAAAAAAAAAAAAA`, { method: 'DELETE', headers: headersOf(actor) })).status).toBe(404);
      note(`| ${actor} | 404 | 404 (generation goes on) | resync, nothing replayed |`);
    }
    expect(running.state).toBe('running');
    // alice resumes (the events after hers), and stops it
    const resumed = await read(`${base}/chat/streams/${streamId}`, { lastEventId, stopAfter: 2, headers: headersOf('alice') });
    expect(resumed.status).toBe(200);
    expect(seqsOf(resumed.events).seqs[0]).toBe(seqsOf(first.events).seqs.at(-1)! + 1);
    expect((await fetch(`${base}/chat/streams/${streamId}`, { method: 'DELETE', headers: headersOf('alice') })).status).toBe(204);
    expect(await waitFor(() => running.state === 'aborted', 2000)).toBe(true);
    note('| alice | 200, the events after her Last-Event-ID | 204, provider request aborted | the rest of the answer |');
  });

  it('an anonymous stream is not reachable from a user either', async () => {
    const first = await read(`${base}/chat/stream?message=hi`, { stopAfter: 3 });
    const { streamId } = seqsOf(first.events);
    const running = slow.lastRequest!;
    expect((await fetch(`${base}/chat/streams/${streamId}`, { method: 'DELETE', headers: headersOf('alice') })).status).toBe(404);
    expect((await fetch(`${base}/chat/streams/${streamId}`, { headers: headersOf('alice') })).status).toBe(404);
    expect(running.state).toBe('running');
    expect((await fetch(`${base}/chat/streams/${streamId}`, { method: 'DELETE' })).status).toBe(204);
    expect(await waitFor(() => running.state === 'aborted', 2000)).toBe(true);
    note('| alice, bob | on an anonymous stream: 404 | 404 | resync |');
  });

  it.each(ACTORS)('%s can use every route without reaching anyone else', async (actor) => {
    const id = `own-${actor}-${suffix}`;
    await say(actor, id, `${actor} only`);
    for (const other of ACTORS.filter((a) => a !== actor)) expect(await messagesOf(other, id)).toBeNull();
    expect((await messagesOf(actor, id))![0]).toBe(`user:${actor} only`);
  });
});

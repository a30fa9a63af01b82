import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { DefaultChatTransport, type UIMessage } from 'ai';
import pg from 'pg';
import { EngineService, MemoryService } from '@bupple/nestjs-ai-engine';
import { OfflineDriver } from '@bupple/nestjs-ai-engine/drivers';
import { POSTGRES_UNAVAILABLE, REDIS_UNAVAILABLE, REDIS_URL, requirePostgres, requireRedis, uniqueSuffix } from '../memory/services.js';
import { asJson, NodeChat } from './node-chat.js';
import { startSample } from '../utils/sample-app.js';

/**
 * useChat's messages round-trip through conversation memory, in each of the four stores: the
 * ai package's own chat (AbstractChat, what useChat wraps) talks to the sample's POST /api/chat,
 * and GET /api/chat/:id/messages gives back the same UIMessages (ids, parts: text, file,
 * reasoning, tool parts with input/output/state, source-url, step-start).
 */
const suffix = uniqueSuffix();
const dir = mkdtempSync(join(tmpdir(), 'bupple-ui-mem-'));
const table = `bupple_test_ui_${suffix}`;
const PNG = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

const stores: [string, () => Promise<Record<string, string>> | Record<string, string>, boolean][] = [
  ['in-process', () => ({ BUPPLE_MEMORY_DRIVER: 'memory' }), false],
  ['file', () => ({ BUPPLE_MEMORY_DRIVER: 'file', BUPPLE_MEMORY_FILE_PATH: dir }), false],
  [
    'redis',
    async () => ({ BUPPLE_MEMORY_DRIVER: 'redis', BUPPLE_MEMORY_REDIS_URL: await requireRedis(), BUPPLE_MEMORY_REDIS_KEY: `bupple-test-ui-${suffix}:` }),
    Boolean(REDIS_UNAVAILABLE),
  ],
  [
    'postgres',
    async () => ({
      BUPPLE_MEMORY_DRIVER: 'database',
      BUPPLE_MEMORY_DATABASE_URL: await requirePostgres(),
      BUPPLE_MEMORY_DB_TABLE_NAME: table,
      BUPPLE_MEMORY_DB_CREATE_TABLE: 'true',
    }),
    Boolean(POSTGRES_UNAVAILABLE),
  ],
];

afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  if (!POSTGRES_UNAVAILABLE) {
    const client = new pg.Client({ connectionString: await requirePostgres() });
    await client.connect();
    await client.query(`DROP TABLE IF EXISTS "${table}"`);
    await client.end();
  }
  if (!REDIS_UNAVAILABLE) {
    const { Redis } = await import('ioredis');
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`bupple-test-ui-${suffix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  }
});

describe.each(stores)('UIMessages in conversation memory: %s store', (name, envOf, unavailable) => {
  let app: INestApplication;
  let base: string;
  const saved = { ...process.env };
  const chatId = `ui-${name}-${suffix}`;

  beforeAll(async () => {
    if (unavailable) return;
    Object.assign(process.env, await envOf(), { BUPPLE_DEFAULT_ENGINE_DRIVER: 'offline' });
    ({ app, base } = await startSample());
    const engine = app.get(EngineService);
    engine.register('offline', new OfflineDriver('offline', { tokenDelayMs: 0 }));
    engine.register(
      'scripted',
      new OfflineDriver('scripted', {
        tokenDelayMs: 0,
        steps: [
          {
            reasoning: 'Weighing the sources first.',
            text: 'SSE is a one-way HTTP stream.',
            sources: [{ url: 'https://html.spec.whatwg.org/', title: 'HTML' }],
          },
        ],
      }),
    );
    engine.register('slow', new OfflineDriver('slow', { tokenDelayMs: 25 }));
  }, 30_000);

  afterAll(async () => {
    await app?.close();
    process.env = saved;
  });

  const messagesOf = async (id: string) => (await (await fetch(`${base}/api/chat/${encodeURIComponent(id)}/messages`)).json()) as UIMessage[];
  const records = (id: string) => app.get(MemoryService).conversation('ui-chat', id).getMessages();
  const newChat = (id: string, messages: UIMessage[] = []) => new NodeChat({ id, messages, transport: new DefaultChatTransport({ api: `${base}/api/chat` }) });
  const strip = (m: UIMessage) => ({ id: m.id, role: m.role, parts: m.parts });

  (unavailable ? it.skip : it)(
    'text with a file, a server tool loop, reasoning and a source: GET /api/chat/:id/messages gives back what the chat holds; each answer stored once, with its id',
    async () => {
      const chat = newChat(chatId);
      await chat.sendMessage({ text: 'What is SSE?', files: [{ type: 'file', mediaType: 'image/png', filename: 'dot.png', url: PNG }] });
      await chat.settled();
      await chat.sendMessage({ text: 'Please add 2 and 3' }, { body: { tools: ['add'] } });
      await chat.settled();
      await chat.sendMessage({ text: 'Cite a source' }, { body: { engine: 'scripted' } });
      await chat.settled();
      expect(chat.status).toBe('ready');
      const client = asJson(chat.messages);
      expect(client.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant', 'user', 'assistant']);
      const tool = client[3].parts.find((p) => p.type === 'tool-add');
      expect(tool).toMatchObject({ state: 'output-available', input: { a: 2, b: 3 }, output: { sum: 5 } });
      expect(client[5].parts.map((p) => p.type)).toEqual(['step-start', 'reasoning', 'text', 'source-url']);

      const stored = await messagesOf(chatId);
      expect(stored.map(strip)).toEqual(client.map(strip));
      for (const i of [1, 3, 5]) expect((stored[i].metadata as { usage?: unknown }).usage).toEqual((client[i].metadata as { usage?: unknown }).usage);

      // stored once: one record per user message; the plain answer is one record, the tool loop one answer's records
      const rows = await records(chatId);
      expect(rows.map((r) => r.role)).toEqual(['user', 'assistant', 'user', 'assistant', 'tool', 'assistant', 'user', 'assistant']);
      expect(rows.filter((r) => r.role === 'user').map((r) => r.id)).toEqual([client[0].id, client[2].id, client[4].id]);
      expect(rows[1].metadata.ui).toMatchObject({ id: client[1].id });

      // the history from memory carries the file and the tool loop to the provider
      const next = newChat(chatId, chat.messages);
      await next.sendMessage({ text: 'And now?' });
      await next.settled();
      expect((await messagesOf(chatId)).map(strip)).toEqual(asJson(next.messages).map(strip));
    },
    40_000,
  );

  (unavailable ? it.skip : it)('an answer stopped midway is stored once, flagged incomplete, with the start chunk id and the text the client got', async () => {
    const id = `${chatId}-stop`;
    const chat = newChat(id);
    void chat.sendMessage({ text: 'Please write a long answer about streams and stopping them' }, { body: { engine: 'slow' } });
    const deadline = Date.now() + 10_000;
    const shownText = () => (chat.messages[1]?.parts.find((p) => p.type === 'text') as { text?: string } | undefined)?.text ?? '';
    while (Date.now() < deadline && shownText().length <= 10) await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await fetch(`${base}/api/chat/${id}/stream`, { method: 'DELETE' })).status).toBe(204);
    await chat.settled();
    const shown = (chat.messages[1].parts.find((p) => p.type === 'text') as { text: string }).text;
    let stored: UIMessage[] = [];
    for (let i = 0; i < 50 && stored.length < 2; i++) {
      stored = await messagesOf(id);
      if (stored.length < 2) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(stored).toHaveLength(2);
    expect(stored[1].id).toBe(chat.messages[1].id);
    expect(stored[1].metadata).toMatchObject({ incomplete: true, interruptedBy: 'aborted' });
    const text = (stored[1].parts.find((p) => p.type === 'text') as { text: string }).text;
    expect(shown.startsWith(text) || text.startsWith(shown)).toBe(true);
    expect((await records(id)).filter((r) => r.role === 'assistant')).toHaveLength(1);
  });

  (unavailable ? it.skip : it)(
    'rows stored without UI parts (older rows, the event protocol) read back as UIMessages, and the chat goes on from them',
    async () => {
      const id = `${chatId}-old`;
      const conversation = app.get(MemoryService).conversation('ui-chat', id);
      await conversation.recordInput([{ role: 'user', content: 'Old question' }]);
      await conversation.recordAnswer({
        content: 'Old answer',
        complete: true,
        engine: 'offline',
        model: 'offline-1',
        finishReason: 'stop',
        usage: null,
        durationMs: 1,
      });
      await conversation.recordInput([{ role: 'user', content: 'add 1 and 2' }]);
      await conversation.recordAnswer({
        content: 'add returned {"sum":3}.',
        complete: true,
        engine: 'offline',
        model: 'offline-1',
        finishReason: 'stop',
        usage: null,
        durationMs: 1,
        messages: [
          { role: 'assistant', content: [{ type: 'tool-call', id: 'c1', name: 'add', args: { a: 1, b: 2 } }] },
          { role: 'tool', content: [{ type: 'tool-result', id: 'c1', name: 'add', result: { sum: 3 } }] },
          { role: 'assistant', content: 'add returned {"sum":3}.' },
        ],
      });
      const old = await messagesOf(id);
      expect(old.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
      expect(old[1].parts).toEqual([{ type: 'step-start' }, { type: 'text', text: 'Old answer', state: 'done' }]);
      expect(old[3].parts).toEqual([
        { type: 'step-start' },
        { type: 'tool-add', toolCallId: 'c1', state: 'output-available', input: { a: 1, b: 2 }, output: { sum: 3 } },
        { type: 'step-start' },
        { type: 'text', text: 'add returned {"sum":3}.', state: 'done' },
      ]);
      const chat = newChat(id, old);
      await chat.sendMessage({ text: 'Next question' });
      await chat.settled();
      expect(chat.messages).toHaveLength(6);
      expect((await messagesOf(id)).map(strip)).toEqual(asJson(chat.messages).map(strip));
    },
  );
});

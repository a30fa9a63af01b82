import 'reflect-metadata';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Test } from '@nestjs/testing';
import { ENGINE_MODULE_OPTIONS } from '../../lib/bupple-engine.module-definition.js';
import type { BuppleEngineModuleOptions } from '../../lib/bupple-engine.module-options.js';
import {
  Conversation,
  ConversationStore,
  FileConversationStore,
  InMemoryConversationStore,
  MemoryConnectionException,
  MemoryService,
  MemoryValidationException,
  type MemoryModuleOptions,
} from '../../lib/memory/index.js';
import { describeRedis, REDIS_URL, requireRedis, uniqueSuffix } from './services.js';
import { freePort } from '../utils/tcp-proxy.js';

async function createApp(memory?: MemoryModuleOptions) {
  const options: BuppleEngineModuleOptions = { engine: { offline: true }, memory };
  const moduleRef = await Test.createTestingModule({
    providers: [{ provide: ENGINE_MODULE_OPTIONS, useValue: options }, MemoryService],
  }).compile();
  const app = moduleRef.createNestApplication();
  return { app, memory: app.get(MemoryService) };
}

describe('MemoryService', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('uses the in-process store by default and hands out a new, independent handle per call', async () => {
    const { app, memory } = await createApp();
    await app.init();
    try {
      expect(memory.store).toBeInstanceOf(InMemoryConversationStore);
      const a = memory.conversation('chat', '1');
      const b = memory.conversation('chat', '1');
      expect(a).toBeInstanceOf(Conversation);
      expect(a).not.toBe(b);
      // 20 "requests" at once, each on its own conversation: none sees another's messages.
      await Promise.all(
        Array.from({ length: 20 }, async (_, i) => {
          const c = memory.conversation('chat', `req-${i}`);
          await c.recordInput([{ role: 'user', content: `question ${i}` }]);
          await c.recordAnswer({
            content: `answer ${i}`,
            complete: true,
            engine: 'offline',
            model: 'offline-1',
            finishReason: 'stop',
            usage: null,
            durationMs: 1,
          });
        }),
      );
      for (let i = 0; i < 20; i++) {
        expect(await memory.conversation('chat', `req-${i}`).toEngineMessages()).toEqual([
          { role: 'user', content: `question ${i}` },
          { role: 'assistant', content: `answer ${i}` },
        ]);
      }
      expect(() => memory.conversation('chat', '../../etc')).toThrow(MemoryValidationException);
    } finally {
      await app.close();
    }
  });

  it('creates the file store at startup and closes it at shutdown', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'bupple-memory-service-')), 'conversations');
    dirs.push(dir);
    const { app, memory } = await createApp({ driver: 'file', file: { path: dir } });
    expect(existsSync(dir)).toBe(false);
    await app.init();
    expect(existsSync(dir)).toBe(true);
    const store = memory.store as FileConversationStore;
    expect(store).toBeInstanceOf(FileConversationStore);
    await memory.conversation('chat', 'x').addUserMessage('hello');
    await app.close();
    await expect(store.append({ parentType: 'chat', parentId: 'x' }, { role: 'user', content: 'late' })).rejects.toThrow('closed');

    // A new app over the same directory (a restart) sees the history.
    const second = await createApp({ driver: 'file', file: { path: dir } });
    await second.app.init();
    expect((await second.memory.conversation('chat', 'x').getMessages()).map((m) => m.content)).toEqual(['hello']);
    await second.app.close();
  });

  it('applies memory.window to the history sent to the engine, keeping system messages', async () => {
    const { app, memory } = await createApp({ window: { limit: 1 } });
    await app.init();
    try {
      const c = memory.conversation('chat', 'w');
      await c.addSystemMessage('rules');
      await c.addUserMessage('old');
      await c.addAssistantMessage('newest');
      expect(await c.toEngineMessages()).toEqual([
        { role: 'system', content: 'rules' },
        { role: 'assistant', content: 'newest' },
      ]);
      const wide = memory.conversation('chat', 'w', { window: {} });
      expect(await wide.toEngineMessages()).toHaveLength(3);
    } finally {
      await app.close();
    }
  });

  it('uses a custom store, connecting it at startup and closing it at shutdown', async () => {
    const calls: string[] = [];
    class RecordingStore extends InMemoryConversationStore {
      override readonly name = 'recording';
      override async connect() {
        calls.push('connect');
      }
      override async close() {
        calls.push('close');
        await super.close();
      }
    }
    const store = new RecordingStore();
    const { app, memory } = await createApp({ driver: 'redis', store });
    await app.init();
    expect(memory.store).toBe(store);
    expect(memory.store).toBeInstanceOf(ConversationStore);
    await memory.conversation('chat', 'c').addUserMessage('hi');
    expect(await store.list({ parentType: 'chat', parentId: 'c' })).toHaveLength(1);
    await app.close();
    expect(calls).toEqual(['connect', 'close']);
  });

  it('fails startup with one error listing bad memory options', async () => {
    const { app } = await createApp({ driver: 'mongo' as never, redis: { ttlSeconds: -1 } });
    const error = await app.init().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MemoryValidationException);
    expect((error as Error).message).toContain('memory.driver');
    expect((error as Error).message).toContain('memory.redis.ttlSeconds');
    await app.close();
  });

  it('fails startup fast with a MemoryConnectionException when Redis is unreachable', async () => {
    const port = await freePort();
    const { app } = await createApp({ driver: 'redis', redis: { url: `redis://127.0.0.1:${port}` } });
    const started = Date.now();
    const error = await app.init().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MemoryConnectionException);
    expect((error as Error).message).toContain('Is Redis running?');
    expect(Date.now() - started).toBeLessThan(3000);
    await app.close();
  });

  describeRedis('with Redis', () => {
    const prefix = `bupple_test_${uniqueSuffix()}:service:`;
    let reachable = false;
    beforeAll(async () => {
      await requireRedis();
      reachable = true;
    });
    afterAll(async () => {
      if (!reachable) return;
      const { Redis } = await import('ioredis');
      const admin = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
      const keys = await admin.keys(`${prefix}*`);
      if (keys.length) await admin.del(...keys);
      await admin.quit();
    });

    it('keeps the history across application restarts', async () => {
      const memory: MemoryModuleOptions = { driver: 'redis', redis: { url: REDIS_URL, keyPrefix: prefix } };
      const first = await createApp(memory);
      await first.app.init();
      const c = first.memory.conversation('chat', 'restart');
      await c.recordInput([{ role: 'user', content: 'remember 42' }]);
      await c.recordAnswer({ content: 'ok', complete: true, engine: 'offline', model: 'offline-1', finishReason: 'stop', usage: null, durationMs: 3 });
      await first.app.close();

      const second = await createApp(memory);
      await second.app.init();
      expect(await second.memory.conversation('chat', 'restart').toEngineMessages()).toEqual([
        { role: 'user', content: 'remember 42' },
        { role: 'assistant', content: 'ok' },
      ]);
      await second.app.close();
    });
  });
});

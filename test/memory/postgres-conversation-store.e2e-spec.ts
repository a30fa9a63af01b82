import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import {
  DEFAULT_TABLE_NAME,
  engineMemoryOwnerMigrationSql,
  engineMemorySchemaSql,
  MemoryConnectionException,
  MemoryStorageException,
  PostgresConversationStore,
  type DatabaseStoreOptions,
} from '../../lib/memory/index.js';
import { runAppendChild } from './child-process.js';
import { conversationStoreContract } from './conversation-store.contract.js';
import { describePostgres, POSTGRES_UNAVAILABLE, requirePostgres, uniqueSuffix } from './services.js';
import { freePort, TcpProxy } from '../utils/tcp-proxy.js';

/** Tables of this run; all dropped at the end. */
const suffix = uniqueSuffix();
const contractTable = `bupple_test_${suffix}_contract`;
const unitTable = `bupple_test_${suffix}_unit`;
const tables = [contractTable, unitTable, `legacy_${suffix}`, `legacy2_${suffix}`];
let url = '';
let admin: pg.Client;

beforeAll(async () => {
  if (POSTGRES_UNAVAILABLE) return;
  url = await requirePostgres();
  admin = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  await admin.connect();
});

afterAll(async () => {
  if (!admin) return;
  for (const t of tables) await admin.query(`DROP TABLE IF EXISTS "${t}"`);
  await admin.query(`DROP SCHEMA IF EXISTS "bupple_test_${suffix}" CASCADE`);
  await admin.end();
});

describePostgres('PostgreSQL store contract', () =>
  conversationStoreContract('PostgreSQL store', () => ({
    open: () => new PostgresConversationStore({ url, tableName: contractTable, createTable: true, connectTimeoutMs: 2000 }),
    persistent: true,
  })),
);

describePostgres('PostgresConversationStore', () => {
  const key = () => ({ parentType: 'chat', parentId: randomUUID() });
  const stores: PostgresConversationStore[] = [];
  const open = (options: DatabaseStoreOptions = {}) => {
    const store = new PostgresConversationStore({ url, tableName: unitTable, createTable: true, connectTimeoutMs: 2000, ...options });
    stores.push(store);
    return store;
  };
  afterAll(() => Promise.allSettled(stores.map((s) => s.close())));

  it('creates the original table with its index when asked, idempotently, also from several instances at once', async () => {
    expect(DEFAULT_TABLE_NAME).toBe('engine_memory');
    await Promise.all([open().connect(), open().connect(), open().connect()]);
    const columns = await admin.query(`SELECT column_name, data_type FROM information_schema.columns WHERE table_name = $1 ORDER BY ordinal_position`, [
      unitTable,
    ]);
    expect(columns.rows.map((r) => [r.column_name, r.data_type])).toEqual([
      ['id', 'bigint'],
      ['parent_type', 'character varying'],
      ['parent_id', 'character varying'],
      ['owner', 'character varying'],
      ['message_id', 'character varying'],
      ['role', 'character varying'],
      ['content', 'text'],
      ['type', 'character varying'],
      ['metadata', 'jsonb'],
      ['engine', 'character varying'],
      ['created_at', 'timestamp with time zone'],
    ]);
    const index = await admin.query(`SELECT indexdef FROM pg_indexes WHERE tablename = $1 AND indexname = $2`, [unitTable, `${unitTable}_parent_idx`]);
    expect(index.rows[0]?.indexdef).toContain('(parent_type, parent_id, id)');
  });

  it('stores one row per message with metadata as jsonb', async () => {
    const store = open();
    const k = key();
    const m = await store.append(k, { id: 'm-1', role: 'assistant', content: 'hi', type: 'image', metadata: { url: 'u', n: [1] }, engine: 'gemini' });
    const row = await admin.query(`SELECT * FROM "${unitTable}" WHERE parent_id = $1`, [k.parentId]);
    expect(row.rows).toEqual([
      expect.objectContaining({
        parent_type: 'chat',
        parent_id: k.parentId,
        message_id: 'm-1',
        role: 'assistant',
        content: 'hi',
        type: 'image',
        metadata: { url: 'u', n: [1] },
        engine: 'gemini',
      }),
    ]);
    expect(Number(row.rows[0].id)).toBe(m.seq);
    const jsonb = await admin.query(`SELECT metadata->'n'->>0 AS first FROM "${unitTable}" WHERE parent_id = $1`, [k.parentId]);
    expect(jsonb.rows[0].first).toBe('1');
  });

  it('orders by the id sequence, never by timestamp', async () => {
    const store = open();
    const k = key();
    await store.append(k, { role: 'user', content: 'first' });
    await store.append(k, { role: 'assistant', content: 'second' });
    await store.append(k, { role: 'user', content: 'third' });
    // Clocks lie: make the first message look the newest and the last the oldest.
    await admin.query(`UPDATE "${unitTable}" SET created_at = now() + interval '1 day' WHERE parent_id = $1 AND content = 'first'`, [k.parentId]);
    await admin.query(`UPDATE "${unitTable}" SET created_at = now() - interval '1 day' WHERE parent_id = $1 AND content = 'third'`, [k.parentId]);
    expect((await store.list(k)).map((m) => m.content)).toEqual(['first', 'second', 'third']);
    expect((await store.list(k, { limit: 2 })).map((m) => m.content)).toEqual(['second', 'third']);
  });

  it('without createTable, a missing table is a MemoryStorageException saying how to create it', async () => {
    const store = open({ tableName: `missing_${suffix}`, createTable: false });
    const error = await store.connect().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MemoryStorageException);
    expect((error as Error).message).toContain('migrations/engine_memory.sql');
    expect((error as Error).message).toContain('createTable');
  });

  it('a table made before owners keeps its rows readable, names the migration for owners, and is upgraded by it', async () => {
    const legacy = `legacy_${suffix}`;
    // the schema as it was shipped before conversations had owners
    const oldSchema = engineMemorySchemaSql(legacy)
      .replace(/\n {2}owner {7}varchar\(200\) NOT NULL DEFAULT '',/, '')
      .replace(/\n-- A table made before[^\n]*\nALTER TABLE[^\n]*\n/, '\n');
    expect(oldSchema).not.toMatch(/owner +varchar/);
    await admin.query(oldSchema);
    await admin.query(`INSERT INTO "${legacy}" (parent_type, parent_id, message_id, role, content) VALUES ('chat', 'old-1', 'm1', 'user', 'from before')`);
    const before = open({ tableName: legacy, createTable: false });
    expect((await before.list({ parentType: 'chat', parentId: 'old-1' })).map((m) => m.content)).toEqual(['from before']);
    await before.append({ parentType: 'chat', parentId: 'old-1' }, { role: 'assistant', content: 'still works' });
    const refused = await before.append({ parentType: 'chat', parentId: 'old-1', owner: 'alice' }, { role: 'user', content: 'x' }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(MemoryStorageException);
    expect((refused as Error).message).toContain('migrations/engine_memory_owner.sql');
    await expect(before.list({ parentType: 'chat', parentId: 'old-1', owner: 'alice' })).rejects.toThrow('engine_memory_owner.sql');
    // the shipped migration, for the default name, is the one for any name
    const shipped = readFileSync(new URL('../../migrations/engine_memory_owner.sql', import.meta.url), 'utf8');
    expect(shipped).toBe(engineMemoryOwnerMigrationSql());
    await admin.query(engineMemoryOwnerMigrationSql(legacy));
    await admin.query(engineMemoryOwnerMigrationSql(legacy)); // idempotent
    const after = open({ tableName: legacy, createTable: false });
    expect((await after.list({ parentType: 'chat', parentId: 'old-1' })).map((m) => m.content)).toEqual(['from before', 'still works']);
    expect(await after.list({ parentType: 'chat', parentId: 'old-1', owner: 'alice' })).toEqual([]);
    await after.append({ parentType: 'chat', parentId: 'old-1', owner: 'alice' }, { role: 'user', content: 'mine' });
    expect((await after.list({ parentType: 'chat', parentId: 'old-1', owner: 'alice' })).map((m) => m.content)).toEqual(['mine']);
    expect((await after.list({ parentType: 'chat', parentId: 'old-1' })).map((m) => m.content)).toEqual(['from before', 'still works']);
    // createTable: true upgrades an old table the same way
    const other = `legacy2_${suffix}`;
    await admin.query(oldSchema.replaceAll(`"${legacy}"`, `"${other}"`).replaceAll(`${legacy}_parent_idx`, `${other}_parent_idx`));
    const upgraded = open({ tableName: other, createTable: true });
    await upgraded.append({ parentType: 'chat', parentId: 'x', owner: 'bob' }, { role: 'user', content: 'bob' });
    expect((await upgraded.list({ parentType: 'chat', parentId: 'x', owner: 'bob' })).map((m) => m.content)).toEqual(['bob']);
    expect(await upgraded.list({ parentType: 'chat', parentId: 'x' })).toEqual([]);
    await admin.query(`DROP TABLE "${legacy}", "${other}"`);
  });

  it('a schema-qualified table name works', async () => {
    await admin.query(`CREATE SCHEMA IF NOT EXISTS "bupple_test_${suffix}"`);
    const store = open({ tableName: `bupple_test_${suffix}.Memory` });
    const k = key();
    await store.append(k, { role: 'user', content: 'in a schema' });
    expect((await store.list(k)).map((m) => m.content)).toEqual(['in a schema']);
    const found = await admin.query(`SELECT count(*)::int AS n FROM "bupple_test_${suffix}"."Memory"`);
    expect(found.rows[0].n).toBe(1);
  });

  it('an unreachable server gives a MemoryConnectionException quickly, naming the server and the option, without the password', async () => {
    const port = await freePort();
    const store = open({ url: `postgres://postgres:s3cret-password@127.0.0.1:${port}/test` });
    const started = Date.now();
    const error = await store.connect().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MemoryConnectionException);
    expect(Date.now() - started).toBeLessThan(3000);
    const message = (error as Error).message;
    expect(message).toContain(`postgres://127.0.0.1:${port}/test`);
    expect(message).toContain('ECONNREFUSED');
    expect(message).toContain('memory.database.url');
    expect(message).not.toContain('s3cret-password');
    await expect(store.append(key(), { role: 'user', content: 'x' })).rejects.toThrow(MemoryConnectionException);
  });

  it('a server that accepts but never answers gives a MemoryConnectionException after connectTimeoutMs', async () => {
    const { createServer } = await import('node:net');
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', () => resolve()));
    const port = (silent.address() as { port: number }).port;
    try {
      const store = open({ url: `postgres://postgres@127.0.0.1:${port}/test`, connectTimeoutMs: 500 });
      const started = Date.now();
      await expect(store.connect()).rejects.toThrow(MemoryConnectionException);
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      (silent as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      silent.close();
    }
  });

  it('PostgreSQL going down mid-use: a clear MemoryConnectionException, no corruption, and it works again once it is back', async () => {
    const target = new URL(url);
    const proxy = new TcpProxy(target.hostname, Number(target.port || 5432));
    await proxy.up();
    try {
      const proxied = new URL(url);
      proxied.port = String(proxy.port);
      const store = open({ url: proxied.href });
      const k = key();
      await store.appendMany(k, [
        { role: 'user', content: 'before 1' },
        { role: 'assistant', content: 'before 2' },
      ]);
      await proxy.down();
      const started = Date.now();
      const error = await store.append(k, { role: 'user', content: 'while down' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MemoryConnectionException);
      expect((error as Error).message).toContain('database conversation store failed');
      expect(Date.now() - started).toBeLessThan(4000);
      const batch = await store
        .appendMany(k, [
          { role: 'user', content: 'batch 1' },
          { role: 'user', content: 'batch 2' },
        ])
        .catch((e: unknown) => e);
      expect(batch).toBeInstanceOf(MemoryConnectionException);

      await proxy.up();
      let after: Awaited<ReturnType<typeof store.append>> | undefined;
      for (const deadline = Date.now() + 8000; !after && Date.now() < deadline;) {
        after = await store.append(k, { role: 'user', content: 'after' }).catch(() => undefined);
        if (!after) await new Promise((r) => setTimeout(r, 200));
      }
      expect(after).toBeDefined();
      expect((await store.list(k)).map((m) => m.content)).toEqual(['before 1', 'before 2', 'after']);
    } finally {
      await proxy.down();
    }
  });

  it('a batch the database refuses half-way leaves nothing half-written (one transaction)', async () => {
    const table = `${unitTable}_trigger`;
    tables.push(table);
    const store = open({ tableName: table });
    const k = key();
    await store.append(k, { role: 'user', content: 'kept' });
    // The database refuses the second row of the next batch (after the first was inserted).
    await admin.query(`CREATE FUNCTION "${table}_refuse"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.content = 'poison' THEN RAISE EXCEPTION 'refused by trigger'; END IF; RETURN NEW; END $$`);
    await admin.query(`CREATE TRIGGER refuse BEFORE INSERT ON "${table}" FOR EACH ROW EXECUTE FUNCTION "${table}_refuse"()`);
    try {
      const error = await store
        .appendMany(k, [
          { role: 'user', content: 'first of the batch' },
          { role: 'user', content: 'poison' },
        ])
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MemoryStorageException);
      expect((error as Error).message).toContain('refused by trigger');
      expect((await store.list(k)).map((m) => m.content)).toEqual(['kept']);
      // The pool is fine afterwards.
      await store.appendMany(k, [
        { role: 'user', content: 'a' },
        { role: 'assistant', content: 'b' },
      ]);
      expect((await store.list(k)).map((m) => m.content)).toEqual(['kept', 'a', 'b']);
    } finally {
      await admin.query(`DROP TABLE IF EXISTS "${table}"`);
      await admin.query(`DROP FUNCTION IF EXISTS "${table}_refuse"()`);
    }
  });

  it('two processes appending 50 messages each at once: all 100 stored once, each seq as returned', async () => {
    const k = key();
    const options = { url, tableName: unitTable };
    const [a, b] = await Promise.all([
      runAppendChild({ driver: 'database', options, ...k, count: 50, label: 'A' }),
      runAppendChild({ driver: 'database', options, ...k, count: 50, label: 'B' }),
    ]);
    expect(a).toMatchObject({ ok: true });
    expect(b).toMatchObject({ ok: true });
    const messages = await open().list(k);
    expect(messages).toHaveLength(100);
    expect(new Set(messages.map((m) => m.id)).size).toBe(100);
    for (let i = 1; i < messages.length; i++) expect(messages[i]!.seq).toBeGreaterThan(messages[i - 1]!.seq);
    const bySeq = new Map(messages.map((m) => [m.seq, m.id]));
    a.seqs!.forEach((seq, i) => expect(bySeq.get(seq)).toBe(a.ids![i]));
    b.seqs!.forEach((seq, i) => expect(bySeq.get(seq)).toBe(b.ids![i]));
  });

  it('history written by another process survives it (restart)', async () => {
    const k = key();
    const result = await runAppendChild({ driver: 'database', options: { url, tableName: unitTable }, ...k, count: 3, label: 'earlier', mode: 'sequential' });
    expect(result).toMatchObject({ ok: true });
    const store = open();
    expect((await store.list(k)).map((m) => m.content)).toEqual(['earlier 0', 'earlier 1', 'earlier 2']);
  });
});

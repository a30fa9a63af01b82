// Conversation-memory benchmark: append throughput and getMessages latency on each store, and
// whether an append costs more once a conversation is long. Not a test (nothing asserts on
// time); run it by hand on a quiet machine:
//
//   npm run build            # or: npx tsc -p tsconfig.build.json
//   node bench/memory/memory.bench.mjs
//
// It uses the built library (dist/), the real Redis on 127.0.0.1:6379 and the real PostgreSQL
// on 127.0.0.1:5432 (database `test`, user postgres or root), with a unique key prefix / table
// that it removes afterwards. Prints a Markdown table and writes it to bench/results/memory.md.
//
// Environment:
//   BENCH_MEMORY_STORES=memory,file,redis,database   stores to measure
//   BENCH_MEMORY_MESSAGES=10000                      length of the long conversation
//   BENCH_MEMORY_READS=20                            getMessages calls per figure (median shown)
//   BENCH_REDIS_URL, BENCH_DATABASE_URL              other servers
//   BENCH_OUT=dir                                    where to write memory.md (default bench/results)
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const dist = join(root, 'dist', 'memory', 'index.js');
if (!existsSync(dist)) {
  console.error('dist/ is missing: run `npm run build` (or `npx tsc -p tsconfig.build.json`) first.');
  process.exit(1);
}
const lib = await import(dist);
const { Conversation, InMemoryConversationStore, FileConversationStore, RedisConversationStore, PostgresConversationStore } = lib;

const env = process.env;
const STORES = (env.BENCH_MEMORY_STORES ?? 'memory,file,redis,database')
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);
const MESSAGES = Math.max(2000, Number.parseInt(env.BENCH_MEMORY_MESSAGES ?? '10000', 10) || 10_000);
const READS = Math.max(3, Number.parseInt(env.BENCH_MEMORY_READS ?? '20', 10) || 20);
const REDIS_URL = env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const DATABASE_URLS = env.BENCH_DATABASE_URL ? [env.BENCH_DATABASE_URL] : ['postgres://postgres@127.0.0.1:5432/test', 'postgres://root@127.0.0.1:5432/test'];
const OUT = env.BENCH_OUT ?? join(root, 'bench', 'results');
const RUN = `${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;

/** A realistic chat turn: ~200 characters, with a little metadata like recordAnswer stores. */
function message(i) {
  const role = i % 2 ? 'assistant' : 'user';
  const content = `Message ${i}: ` + 'The quick brown fox jumps over the lazy dog. '.repeat(4);
  const metadata =
    role === 'assistant'
      ? { engine: 'offline', model: 'offline-1', usage: { promptTokens: 50, completionTokens: 40, totalTokens: 90 }, finishReason: 'stop', durationMs: 420 }
      : {};
  return { role, content, metadata };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const now = () => performance.now();
const fmtRate = (n) => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(1));
const fmtUs = (ms) => `${Math.round(ms * 1000).toLocaleString('en-US')} µs`;
const fmtMs = (n) => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n >= 10 ? n.toFixed(1) : n.toFixed(2));

async function pickDatabaseUrl() {
  const pg = (await import('pg')).default;
  for (const url of DATABASE_URLS) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1500 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      return url;
    } catch {
      // try the next one
    } finally {
      await client.end().catch(() => undefined);
    }
  }
  return undefined;
}

/** Each target: a fresh store, and how to clean up after it. */
const targets = {
  memory: async () => ({ store: new InMemoryConversationStore(), cleanup: async () => {}, note: 'in-process Map' }),
  file: async () => {
    const dir = mkdtempSync(join(os.tmpdir(), 'bupple-memory-bench-'));
    return {
      store: new FileConversationStore({ path: dir }),
      cleanup: async () => rmSync(dir, { recursive: true, force: true }),
      note: `JSON lines, lock file + O_APPEND (${os.tmpdir()})`,
    };
  },
  redis: async () => {
    const keyPrefix = `bupple_bench_${RUN}:`;
    return {
      store: new RedisConversationStore({ url: REDIS_URL, keyPrefix }),
      cleanup: async () => {
        const { Redis } = await import('ioredis');
        const admin = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
        const keys = await admin.keys(`${keyPrefix}*`);
        if (keys.length) await admin.del(...keys);
        await admin.quit();
      },
      note: `Lua append, ${REDIS_URL}`,
    };
  },
  database: async () => {
    const url = await pickDatabaseUrl();
    if (!url) throw new Error(`PostgreSQL is not reachable (${DATABASE_URLS.join(', ')})`);
    const tableName = `bupple_bench_${RUN}`;
    return {
      store: new PostgresConversationStore({ url, tableName, createTable: true }),
      cleanup: async () => {
        const pg = (await import('pg')).default;
        const client = new pg.Client({ connectionString: url });
        await client.connect();
        await client.query(`DROP TABLE IF EXISTS "${tableName}"`);
        await client.end();
      },
      note: `one INSERT per message, ${url.replace(/\/\/([^:@]+)(:[^@]*)?@/, '//$1@')}`,
    };
  },
};

async function measure(name) {
  const target = await targets[name]();
  const { store } = target;
  try {
    await store.connect();
    const key = { parentType: 'bench', parentId: `long-${RUN}` };

    // Warm-up (JIT, connections, caches), in a conversation of its own.
    for (let i = 0; i < 500; i++) await store.append({ parentType: 'bench', parentId: `warm-${RUN}` }, message(i));

    // 1. Sequential appends into one conversation, 0 → MESSAGES, timed one by one. The median
    //    latency of the first and of the last 1000 shows whether an append costs more later
    //    (medians, because other work on the machine adds spikes).
    const blocks = [];
    const started = now();
    for (let b = 0; b < MESSAGES / 1000; b++) {
      const latencies = [];
      const t0 = now();
      for (let i = b * 1000; i < (b + 1) * 1000; i++) {
        const t = now();
        await store.append(key, message(i));
        latencies.push(now() - t);
      }
      blocks.push({ rate: 1000 / ((now() - t0) / 1000), median: median(latencies) });
    }
    const sequential = MESSAGES / ((now() - started) / 1000);

    // 2. 50 concurrent writers: one conversation, then 50 conversations.
    const burst = async (keys, total) => {
      const t0 = now();
      let next = 0;
      await Promise.all(
        Array.from({ length: 50 }, async (_, w) => {
          while (next < total) {
            const i = next++;
            await store.append(keys[w % keys.length], message(i));
          }
        }),
      );
      return total / ((now() - t0) / 1000);
    };
    const concurrentTotal = Math.min(5000, MESSAGES / 2);
    const concurrentOne = await burst([{ parentType: 'bench', parentId: `one-${RUN}` }], concurrentTotal);
    const concurrentMany = await burst(
      Array.from({ length: 50 }, (_, i) => ({ parentType: 'bench', parentId: `many-${i}-${RUN}` })),
      concurrentTotal,
    );

    // 3. Reading the long conversation.
    const conversation = new Conversation(store, key);
    const time = async (fn) => {
      await fn(); // warm-up
      const xs = [];
      for (let r = 0; r < READS; r++) {
        const t0 = now();
        await fn();
        xs.push(now() - t0);
      }
      return median(xs);
    };
    let count = 0;
    const getAll = await time(async () => {
      count = (await conversation.getMessages()).length;
    });
    if (count !== MESSAGES) throw new Error(`${name}: getMessages returned ${count} messages, expected ${MESSAGES}`);
    const last20 = await time(() => store.list(key, { limit: 20 }));
    const window = await time(() => conversation.getMessages({ maxTokens: 4000 }));
    const history = await time(() => new Conversation(store, key, { window: { maxTokens: 4000 } }).toEngineMessages());

    // 4. The same question with both conditions side by side: appends alternate between a
    //    new conversation (0 → 1000 messages) and the long one (MESSAGES → MESSAGES + 1000),
    //    so load from elsewhere on the machine hits both alike.
    const short = { parentType: 'bench', parentId: `short-${RUN}` };
    const pairedShort = [];
    const pairedLong = [];
    for (let i = 0; i < 1000; i++) {
      let t = now();
      await store.append(short, message(i));
      pairedShort.push(now() - t);
      t = now();
      await store.append(key, message(MESSAGES + i));
      pairedLong.push(now() - t);
    }
    const paired = { short: median(pairedShort), long: median(pairedLong) };

    return {
      name,
      note: target.note,
      sequential,
      first: blocks[0],
      last: blocks.at(-1),
      paired,
      concurrentOne,
      concurrentMany,
      concurrentTotal,
      getAll,
      last20,
      window,
      history,
    };
  } finally {
    await store.close().catch(() => undefined);
    await target.cleanup().catch((error) => console.error(`cleanup of ${name} failed: ${error.message}`));
  }
}

const rows = [];
const skipped = [];
for (const name of STORES) {
  if (!targets[name]) {
    skipped.push(`${name}: unknown store`);
    continue;
  }
  process.stderr.write(`measuring ${name}…\n`);
  try {
    rows.push(await measure(name));
  } catch (error) {
    skipped.push(`${name}: ${error.message}`);
    process.stderr.write(`  skipped: ${error.message}\n`);
  }
}

const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
const k = (MESSAGES / 1000).toFixed(0);
const lines = [
  '# Conversation memory benchmark',
  '',
  `${new Date().toISOString().slice(0, 10)} · Node ${process.version} · ${os.platform()} ${os.arch()} · ${cpu} × ${os.cpus().length} · load ${os.loadavg()[0].toFixed(1)} · ` +
    `conversation of ${MESSAGES.toLocaleString('en-US')} messages (~200 characters each) · medians of ${READS} reads.`,
  '',
  '## Appends',
  '',
  '| Store | Sequential appends/s | Median append, short conversation | Median append, long conversation | long ÷ short | ' +
    `Median append at messages 0–1k / ${k - 1}k–${k}k (sequential build) | 50 writers, 1 conversation (appends/s) | 50 writers, 50 conversations (appends/s) |`,
  '|---|---:|---:|---:|---:|---:|---:|---:|',
  ...rows.map(
    (r) =>
      `| ${r.name} | ${fmtRate(r.sequential)} | ${fmtUs(r.paired.short)} | ${fmtUs(r.paired.long)} | ${(r.paired.long / r.paired.short).toFixed(2)} | ` +
      `${fmtUs(r.first.median)} / ${fmtUs(r.last.median)} | ${fmtRate(r.concurrentOne)} | ${fmtRate(r.concurrentMany)} |`,
  ),
  '',
  `"Short" and "long": 1000 appends alternating between a new conversation (0–1k messages) and the ${MESSAGES.toLocaleString('en-US')}-message one ` +
    `(${k}k–${Number(k) + 1}k), medians. The build column times the first and last 1000 of the sequential build (machine load varies between them).`,
  '',
  `## Reading a ${MESSAGES.toLocaleString('en-US')}-message conversation (ms, median)`,
  '',
  '| Store | `getMessages()` (all) | `store.list(key, { limit: 20 })` | `getMessages({ maxTokens: 4000 })` | `toEngineMessages()` with a 4000-token window |',
  '|---|---:|---:|---:|---:|',
  ...rows.map((r) => `| ${r.name} | ${fmtMs(r.getAll)} | ${fmtMs(r.last20)} | ${fmtMs(r.window)} | ${fmtMs(r.history)} |`),
  '',
  '## Stores',
  '',
  ...rows.map((r) => `- **${r.name}**: ${r.note}`),
  ...(skipped.length ? ['', 'Not measured:', '', ...skipped.map((s) => `- ${s}`)] : []),
  '',
  'Notes: "long ÷ short" near 1 means an append costs the same at message 10 000 as at message 1',
  '(no store rewrites or rereads the conversation to append). A window (`limit`, `maxTokens`) still',
  'reads the whole conversation, because system messages are kept wherever they are;',
  '`store.list(key, { limit })` reads only the end. Concurrent figures use ' + `${rows[0]?.concurrentTotal?.toLocaleString('en-US') ?? '—'} appends.`,
  '',
];
const markdown = lines.join('\n');
process.stdout.write(`${markdown}\n`);
mkdirSync(OUT, { recursive: true });
const file = join(OUT, 'memory.md');
writeFileSync(file, markdown);
process.stderr.write(`written to ${relative(process.cwd(), file)}\n`);

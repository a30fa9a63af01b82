import { randomUUID } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileConversationStore, MemoryStorageException, MemoryValidationException } from '../../lib/memory/index.js';
import { runAppendChild } from './child-process.js';
import { conversationStoreContract } from './conversation-store.contract.js';

const root = mkdtempSync(join(tmpdir(), 'bupple-memory-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

conversationStoreContract('file store', () => ({
  open: () => new FileConversationStore({ path: join(root, 'contract') }),
  persistent: true,
}));

/** Every file under a directory, relative paths. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath ?? (e as unknown as { path: string }).path, e.name).slice(dir.length + 1));
}

describe('FileConversationStore', () => {
  let dir: string;
  let store: FileConversationStore;
  const key = () => ({ parentType: 'chat', parentId: randomUUID() });

  beforeEach(async () => {
    dir = join(root, randomUUID());
    store = new FileConversationStore({ path: dir, lockTimeoutMs: 2000 });
    await store.connect();
  });
  afterEach(() => store.close());

  it('keeps a conversation with an owner under %o/<owner>/, one without where it always was', async () => {
    expect(store.fileOf({ parentType: 'chat', parentId: 'c1' })).toBe(join(dir, 'chat', 'c1.jsonl'));
    expect(store.fileOf({ parentType: 'chat', parentId: 'c1', owner: 'Alice/../x' })).toBe(join(dir, '%o', '%41lice%2F%2E%2E%2Fx', 'chat', 'c1.jsonl'));
    await store.append({ parentType: 'chat', parentId: 'c1', owner: 'Alice/../x' }, { role: 'user', content: 'owned' });
    expect(readFileSync(join(dir, '%o', '%41lice%2F%2E%2E%2Fx', 'chat', 'c1.jsonl'), 'utf8')).toContain('owned');
  });

  it('keeps one JSON-lines file per conversation, appended to, never rewritten', async () => {
    const k = key();
    await store.append(k, { role: 'user', content: 'first' });
    const file = store.fileOf(k);
    const before = readFileSync(file, 'utf8');
    const inode = statSync(file).ino;
    await store.append(k, { role: 'assistant', content: 'second' });
    const after = readFileSync(file, 'utf8');
    expect(after.startsWith(before)).toBe(true);
    expect(statSync(file).ino).toBe(inode);
    const lines = after
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toEqual([
      expect.objectContaining({ seq: 1, role: 'user', content: 'first' }),
      expect.objectContaining({ seq: 2, role: 'assistant', content: 'second' }),
    ]);
    expect(filesUnder(dir)).toEqual([`chat/${k.parentId}.jsonl`]);
  });

  it('never writes outside its directory, whatever the ids', async () => {
    const ids = ['../escape', '..\\escape', '/etc/passwd', 'a/../../b', 'nul\u0000byte', '..'];
    for (const parentId of ids) {
      await expect(store.append({ parentType: 'chat', parentId }, { role: 'user', content: 'x' })).rejects.toThrow(MemoryValidationException);
      await expect(store.append({ parentType: parentId, parentId: 'x' }, { role: 'user', content: 'x' })).rejects.toThrow(MemoryValidationException);
    }
    // Ids that are valid but look like paths or special names stay inside, as encoded file names.
    const odd = ['.', '.hidden', 'con', 'CON', 'a:b', 'x'.repeat(200), '%2e%2e', 'ü', '~', '-rf'];
    for (const parentId of odd) await store.append({ parentType: 'Odd.Type', parentId }, { role: 'user', content: parentId });
    for (const parentId of odd) {
      expect((await store.list({ parentType: 'Odd.Type', parentId })).map((m) => m.content)).toEqual([parentId]);
    }
    const files = filesUnder(dir);
    expect(files).toHaveLength(odd.length);
    for (const f of files) {
      expect(f.startsWith('%4Fdd%2E%54ype/')).toBe(true);
      expect(f.split('/')).toHaveLength(2);
    }
    expect(readdirSync(root).filter((n) => n.includes('escape'))).toEqual([]);
  });

  it('skips a line torn by a crash and goes on on a new line, seq following the last whole record', async () => {
    const k = key();
    await store.append(k, { role: 'user', content: 'whole 1' });
    await store.append(k, { role: 'assistant', content: 'whole 2' });
    // A writer died mid-write: half a record, no new line.
    appendFileSync(store.fileOf(k), '{"seq":3,"id":"torn","role":"user","type":"text","content":"half a mess');
    expect((await store.list(k)).map((m) => m.content)).toEqual(['whole 1', 'whole 2']);
    expect((await store.list(k, { limit: 1 })).map((m) => m.content)).toEqual(['whole 2']);
    const next = await store.append(k, { role: 'user', content: 'after the crash' });
    expect(next.seq).toBe(3);
    const all = await store.list(k);
    expect(all.map((m) => [m.seq, m.content])).toEqual([
      [1, 'whole 1'],
      [2, 'whole 2'],
      [3, 'after the crash'],
    ]);
    // The torn fragment stays on its own line and is still skipped later.
    expect(readFileSync(store.fileOf(k), 'utf8')).toContain('half a mess\n{"seq":3');
    await store.append(k, { role: 'assistant', content: 'fine' });
    expect((await store.list(k)).map((m) => m.seq)).toEqual([1, 2, 3, 4]);
  });

  it('a garbage-only or empty file reads as empty and starts at seq 1', async () => {
    const k = key();
    await store.append(k, { role: 'user', content: 'x' });
    writeFileSync(store.fileOf(k), 'not json\n\n{"half":');
    expect(await store.list(k)).toEqual([]);
    expect((await store.append(k, { role: 'user', content: 'y' })).seq).toBe(1);
  });

  it('reads a conversation whose records are longer than the read-back chunk', async () => {
    const k = key();
    const big = 'x'.repeat(200_000);
    await store.append(k, { role: 'user', content: big });
    await store.append(k, { role: 'user', content: `${big}é` });
    const next = await store.append(k, { role: 'user', content: 'small' });
    expect(next.seq).toBe(3);
    expect((await store.list(k, { limit: 2 })).map((m) => m.content.length)).toEqual([200_001, 5]);
  });

  it('a write that fails half-way leaves no half record (file size limit hit in a child process)', async () => {
    const k = key();
    await store.append(k, { role: 'user', content: 'before' });
    // The child may grow files to 8 KiB only (ulimit -f, 512-byte blocks): a 20 kB record is cut
    // short by the kernel after the first bytes; the store must cut the file back.
    const options = { path: dir };
    const result = await runAppendChild({ driver: 'file', options, ...k, count: 1, label: 'x'.repeat(20_000) }, 'ulimit -f 16;');
    expect(result).toMatchObject({ ok: false, name: 'MemoryStorageException', code: 'memory_storage' });
    expect(result.message).toContain('could not append');
    const text = readFileSync(store.fileOf(k), 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    expect(text.trimEnd().split('\n')).toHaveLength(1);
    const after = await store.append(k, { role: 'user', content: 'after' });
    expect(after.seq).toBe(2);
    expect((await store.list(k)).map((m) => m.content)).toEqual(['before', 'after']);
  });

  it('reports a conversation it cannot write as a MemoryStorageException, and keeps the others working', async () => {
    const k = key();
    // Root ignores permissions, so make the conversation's file a directory instead.
    mkdirSync(store.fileOf(k), { recursive: true });
    const error = await store.append(k, { role: 'user', content: 'x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MemoryStorageException);
    expect((error as Error).message).toMatch(/file conversation store could not .*EISDIR/);
    // The message can reach clients: no absolute path of the server in it.
    expect((error as Error).message).not.toContain(dir);
    expect((error as Error).message).toContain('<memory.file.path>/chat/');
    const fine = key();
    await store.append(fine, { role: 'user', content: 'still fine' });
    expect(await store.list(fine)).toHaveLength(1);
  });

  it('fails at startup when its directory cannot be created', async () => {
    const blocker = join(root, `file-${randomUUID()}`);
    writeFileSync(blocker, 'a file where the directory should be');
    const broken = new FileConversationStore({ path: join(blocker, 'memory') });
    await expect(broken.connect()).rejects.toThrow(MemoryStorageException);
    await expect(broken.connect()).rejects.toThrow(/ENOTDIR|EEXIST/);
  });

  it('removes a lock left by a crashed writer (its process is gone) at once', async () => {
    const k = key();
    await store.append(k, { role: 'user', content: 'one' });
    // A pid that does not exist on this host.
    writeFileSync(`${store.fileOf(k)}.lock`, `2147483646\n${hostname()}\nsomeone-else\n`);
    const started = Date.now();
    const next = await store.append(k, { role: 'user', content: 'two' });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(next.seq).toBe(2);
    expect(existsSync(`${store.fileOf(k)}.lock`)).toBe(false);
  });

  it('removes a lock older than lockStaleMs', async () => {
    const k = key();
    await store.append(k, { role: 'user', content: 'one' });
    const lock = `${store.fileOf(k)}.lock`;
    writeFileSync(lock, `1\nanother-host\nsomeone-else\n`);
    const old = new Date(Date.now() - 60_000);
    utimesSync(lock, old, old);
    expect((await store.append(k, { role: 'user', content: 'two' })).seq).toBe(2);
  });

  it('waits for a live lock and gives up after lockTimeoutMs with a MemoryStorageException', async () => {
    const k = key();
    await store.append(k, { role: 'user', content: 'one' });
    const lock = `${store.fileOf(k)}.lock`;
    // Held by a live process (this one) on another "host": not stale until lockStaleMs.
    writeFileSync(lock, `${process.pid}\nanother-host\nsomeone-else\n`);
    const impatient = new FileConversationStore({ path: dir, lockTimeoutMs: 300 });
    const started = Date.now();
    await expect(impatient.append(k, { role: 'user', content: 'two' })).rejects.toThrow(
      /Could not lock conversation file <memory\.file\.path>\/chat\/.* 300 ms/,
    );
    expect(Date.now() - started).toBeLessThan(3000);
    // Once the holder lets go, appends go on where they were.
    rmSync(lock);
    expect((await impatient.append(k, { role: 'user', content: 'two' })).seq).toBe(2);
    await impatient.close();
  });

  it('two processes appending 50 messages each at once: all 100 stored once, seqs 1…100 in file order', async () => {
    const k = key();
    const options = { path: dir };
    const [a, b] = await Promise.all([
      runAppendChild({ driver: 'file', options, ...k, count: 50, label: 'A' }),
      runAppendChild({ driver: 'file', options, ...k, count: 50, label: 'B' }),
    ]);
    expect(a).toMatchObject({ ok: true });
    expect(b).toMatchObject({ ok: true });
    const messages = await store.list(k);
    expect(messages).toHaveLength(100);
    expect(messages.map((m) => m.seq)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(new Set(messages.map((m) => m.id)).size).toBe(100);
    expect([...a.seqs!, ...b.seqs!].sort((x, y) => x - y)).toEqual(messages.map((m) => m.seq));
    for (const label of ['A', 'B']) {
      const mine = messages.filter((m) => m.metadata.label === label);
      expect(mine.map((m) => m.content).sort()).toEqual(Array.from({ length: 50 }, (_, i) => `${label} ${i}`).sort());
    }
    // Each process got back exactly the seq its message has in the file.
    const bySeq = new Map(messages.map((m) => [m.seq, m.id]));
    a.seqs!.forEach((seq, i) => expect(bySeq.get(seq)).toBe(a.ids![i]));
    b.seqs!.forEach((seq, i) => expect(bySeq.get(seq)).toBe(b.ids![i]));
    expect(existsSync(`${store.fileOf(k)}.lock`)).toBe(false);
  });

  it('an instance keeping the file open notices appends and a clear made by another instance', async () => {
    const k = key();
    const other = new FileConversationStore({ path: dir });
    await store.append(k, { role: 'user', content: 'a1' });
    await other.append(k, { role: 'user', content: 'b1' });
    expect((await store.append(k, { role: 'user', content: 'a2' })).seq).toBe(3);
    await other.clear(k);
    expect((await store.append(k, { role: 'user', content: 'after clear' })).seq).toBe(1);
    // Cleared and started again by the other instance: a new file where the old one was.
    await other.clear(k);
    await other.append(k, { role: 'user', content: 'new file' });
    const next = await store.append(k, { role: 'user', content: 'into the new file' });
    expect(next.seq).toBe(2);
    // Written to the new file, not to the deleted one this instance still had open.
    expect((await other.list(k)).map((m) => m.content)).toEqual(['new file', 'into the new file']);
    await other.close();
  });

  it('history written by another process survives it (restart)', async () => {
    const k = key();
    const result = await runAppendChild({ driver: 'file', options: { path: dir }, ...k, count: 3, label: 'earlier', mode: 'sequential' });
    expect(result).toMatchObject({ ok: true, seqs: [1, 2, 3] });
    const reopened = new FileConversationStore({ path: dir });
    expect((await reopened.list(k)).map((m) => m.content)).toEqual(['earlier 0', 'earlier 1', 'earlier 2']);
    expect((await reopened.append(k, { role: 'user', content: 'later' })).seq).toBe(4);
    await reopened.close();
  });
});

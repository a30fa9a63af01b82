import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

/** Why these tests cannot run here (no redis-server / redis-cli on the PATH), or undefined. */
export const REDIS_BINARIES_MISSING: string | undefined = (() => {
  for (const binary of ['redis-server', 'redis-cli']) {
    const found = spawnSync(binary, ['--version'], { stdio: 'ignore' });
    if (found.error || found.status !== 0) return `${binary} is not installed`;
  }
  return undefined;
})();

/** Every process any fixture started, killed when the test process exits however it exits. */
const everyChild = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of everyChild) child.kill('SIGKILL');
});

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** `count` free loopback ports at random in 20000–29999 whose cluster bus port (+10000) is free too. */
async function randomPorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  while (ports.length < count) {
    const port = 20000 + Math.floor(Math.random() * 10000);
    if (ports.includes(port)) continue;
    if ((await portFree(port)) && (await portFree(port + 10000))) ports.push(port);
  }
  return ports;
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Polls `check` every 100 ms until it is true; throws `what` after `timeoutMs`. */
export async function until(what: string, timeoutMs: number, check: () => Promise<boolean> | boolean): Promise<number> {
  const started = Date.now();
  for (;;) {
    try {
      if (await check()) return Date.now() - started;
    } catch {
      // not yet
    }
    if (Date.now() - started > timeoutMs) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** One redis-server process (a cluster node, a plain master or replica, or a sentinel). */
class RedisProcess {
  child?: ChildProcess;
  log = '';
  constructor(
    readonly port: number,
    private readonly args: string[],
    private readonly cwd: string,
  ) {}

  async start(): Promise<void> {
    const child = spawn('redis-server', this.args, { cwd: this.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    everyChild.add(child);
    child.stdout!.on('data', (d: Buffer) => (this.log = (this.log + d.toString()).slice(-4000)));
    child.stderr!.on('data', (d: Buffer) => (this.log = (this.log + d.toString()).slice(-4000)));
    child.once('exit', () => everyChild.delete(child));
    await until(`redis-server on 127.0.0.1:${this.port} (log: ${this.log})`, 5000, () => {
      if (child.exitCode !== null) throw new Error(`redis-server on ${this.port} exited: ${this.log}`);
      return canConnect(this.port);
    });
  }

  get alive(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** SIGKILL, and waits until it is gone. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || !this.alive) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
}

const COMMON = ['--bind', '127.0.0.1', '--protected-mode', 'no', '--save', '', '--appendonly', 'no'];

/** A short-lived admin connection to one node. */
async function withNode<T>(port: number, run: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis({ host: '127.0.0.1', port, lazyConnect: true, connectTimeout: 1000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    return await run(redis);
  } finally {
    redis.disconnect();
  }
}

/**
 * A real Redis Cluster on loopback: three masters and one replica each (`redis-server
 * --cluster-enabled yes`, joined by `redis-cli --cluster create … --cluster-replicas 1
 * --cluster-yes`), node timeout 3 s by default, so a killed master fails over in about 4–5 s. Every
 * process and the temp directory go away in `stop()` (and on process exit).
 */
export class RedisClusterFixture {
  readonly nodes: RedisProcess[] = [];
  private dir = '';

  /** `cluster-node-timeout`: a master is failed (and its replica elected) a little after this. */
  constructor(readonly nodeTimeoutMs = 3000) {}

  get urls(): string[] {
    return this.nodes.map((n) => `redis://127.0.0.1:${n.port}`);
  }

  async start(): Promise<void> {
    this.dir = mkdtempSync(join(tmpdir(), 'bupple-redis-cluster-'));
    const ports = await randomPorts(6);
    for (const port of ports) {
      const dir = join(this.dir, String(port));
      mkdirSync(dir);
      this.nodes.push(
        new RedisProcess(
          port,
          [
            '--port',
            String(port),
            ...COMMON,
            '--dir',
            dir,
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            'nodes.conf',
            '--cluster-node-timeout',
            String(this.nodeTimeoutMs),
            '--cluster-replica-validity-factor',
            '0',
          ],
          dir,
        ),
      );
    }
    await Promise.all(this.nodes.map((n) => n.start()));
    const created = spawnSync('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '1', '--cluster-yes'], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    if (created.status !== 0) throw new Error(`redis-cli --cluster create failed: ${created.stdout}\n${created.stderr}`);
    await until('cluster_state:ok on every node', 20_000, async () => {
      for (const node of this.nodes) {
        const info = await withNode(node.port, (r) => r.cluster('INFO') as Promise<string>);
        if (!info.includes('cluster_state:ok')) return false;
      }
      return true;
    });
  }

  /** The node process serving `key`'s slot as master now. */
  async masterOf(key: string): Promise<RedisProcess> {
    const alive = this.nodes.find((n) => n.alive)!;
    return withNode(alive.port, async (redis) => {
      const slot = (await redis.cluster('KEYSLOT', key)) as number;
      const slots = (await redis.cluster('SLOTS')) as unknown as [number, number, [string, number]][];
      const range = slots.find(([from, to]) => slot >= from && slot <= to)!;
      return this.nodes.find((n) => n.port === range[2][1])!;
    });
  }

  /** The live replicas of `master` (from CLUSTER NODES). */
  async replicasOf(master: RedisProcess): Promise<RedisProcess[]> {
    const text = await withNode(master.port, (r) => r.cluster('NODES') as Promise<string>);
    const lines = text
      .trim()
      .split('\n')
      .map((l) => l.split(' '));
    const own = lines.find((l) => l[2]!.includes('myself'))!;
    const ports = lines.filter((l) => l[3] === own[0] && !l[2]!.includes('fail')).map((l) => Number(l[1]!.split(':')[1]!.split('@')[0]));
    return this.nodes.filter((n) => ports.includes(n.port) && n.alive);
  }

  /** Ms until a replica of `key`'s master holds a list of at least `length` items at `key`. */
  async replicated(key: string, length: number, timeoutMs: number): Promise<number> {
    const master = await this.masterOf(key);
    return until(`${key} replicated`, timeoutMs, async () => {
      for (const replica of await this.replicasOf(master)) {
        const held = await withNode(replica.port, async (r) => {
          await r.call('READONLY');
          return r.llen(key);
        });
        if (held >= length) return true;
      }
      return false;
    });
  }

  /** Slot of `key`. */
  keyslot(key: string): Promise<number> {
    const alive = this.nodes.find((n) => n.alive)!;
    return withNode(alive.port, (redis) => redis.cluster('KEYSLOT', key) as Promise<number>);
  }

  /** Ms until a node still alive says cluster_state:ok and `key`'s slot has a live master. */
  async failedOver(key: string, dead: RedisProcess, timeoutMs: number): Promise<number> {
    return until(`a replica promoted for ${key}`, timeoutMs, async () => {
      const master = await this.masterOf(key);
      if (master === dead || !master.alive) return false;
      const info = await withNode(master.port, (r) => r.cluster('INFO') as Promise<string>);
      return info.includes('cluster_state:ok');
    });
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.kill()));
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
    this.dir = '';
  }
}

/**
 * A master, one replica and three sentinels (quorum 2, `down-after-milliseconds` 1000) on
 * loopback, from a generated configuration per sentinel; removed in `stop()`.
 */
export class RedisSentinelFixture {
  readonly name = 'bupplemaster';
  master!: RedisProcess;
  replica!: RedisProcess;
  readonly sentinels: RedisProcess[] = [];
  private dir = '';

  get sentinelAddresses(): { host: string; port: number }[] {
    return this.sentinels.map((s) => ({ host: '127.0.0.1', port: s.port }));
  }

  async start(): Promise<void> {
    this.dir = mkdtempSync(join(tmpdir(), 'bupple-redis-sentinel-'));
    const [masterPort, replicaPort, ...sentinelPorts] = await randomPorts(5);
    const dirOf = (port: number) => {
      const dir = join(this.dir, String(port));
      mkdirSync(dir);
      return dir;
    };
    this.master = new RedisProcess(masterPort!, ['--port', String(masterPort), ...COMMON, '--dir', dirOf(masterPort!)], this.dir);
    this.replica = new RedisProcess(
      replicaPort!,
      ['--port', String(replicaPort), ...COMMON, '--dir', dirOf(replicaPort!), '--replicaof', '127.0.0.1', String(masterPort)],
      this.dir,
    );
    await this.master.start();
    await this.replica.start();
    await until('the replica in sync', 10_000, () =>
      withNode(replicaPort!, async (r) => ((await r.info('replication')) as string).includes('master_link_status:up')),
    );
    for (const port of sentinelPorts) {
      const dir = dirOf(port);
      const config = join(dir, 'sentinel.conf');
      writeFileSync(
        config,
        [
          `port ${port}`,
          'bind 127.0.0.1',
          'protected-mode no',
          `dir ${dir}`,
          `sentinel monitor ${this.name} 127.0.0.1 ${masterPort} 2`,
          `sentinel down-after-milliseconds ${this.name} 1000`,
          `sentinel failover-timeout ${this.name} 4000`,
          `sentinel parallel-syncs ${this.name} 1`,
          '',
        ].join('\n'),
      );
      this.sentinels.push(new RedisProcess(port, [config, '--sentinel'], dir));
    }
    await Promise.all(this.sentinels.map((s) => s.start()));
    // every sentinel knows the replica and the other sentinels (so that a failover can be voted)
    await until('the sentinels see the replica and each other', 15_000, async () => {
      for (const s of this.sentinels) {
        const ok = await withNode(s.port, async (r) => {
          const master = (await r.call('SENTINEL', 'MASTER', this.name)) as string[];
          const field = (name: string) => Number(master[master.indexOf(name) + 1]);
          return field('num-slaves') >= 1 && field('num-other-sentinels') >= 2;
        });
        if (!ok) return false;
      }
      return true;
    });
  }

  /** The master's port as the sentinels say now. */
  async masterPort(): Promise<number> {
    const alive = this.sentinels.find((s) => s.alive)!;
    return withNode(alive.port, async (r) => Number(((await r.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', this.name)) as string[])[1]));
  }

  async stop(): Promise<void> {
    await Promise.all([this.master, this.replica, ...this.sentinels].filter(Boolean).map((p) => p.kill()));
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
    this.dir = '';
  }
}

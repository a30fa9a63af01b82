import { spawn, type ChildProcess } from 'node:child_process';
import { createConnection } from 'node:net';
import { freePort } from './tcp-proxy.js';

/**
 * A private `redis-server` on a free loopback port, for tests that must take Redis down:
 * `kill()` (SIGKILL: an outage), `pause()` / `resume()` (SIGSTOP / SIGCONT: a Redis that hangs,
 * its connections open but silent), `start()` again on the same port. No persistence, never
 * the shared server on 6379.
 */
export class PrivateRedis {
  private child?: ChildProcess;
  port = 0;

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    if (this.port === 0) this.port = await freePort();
    const child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'no'], {
      stdio: 'ignore',
    });
    this.child = child;
    const spawnError = new Promise<never>((_, reject) =>
      child.once('error', (error) => reject(new Error(`Could not start redis-server (is it installed?): ${error.message}`))),
    );
    const deadline = Date.now() + 5000;
    for (;;) {
      if (await Promise.race([canConnect(this.port), spawnError])) return;
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`redis-server did not come up on 127.0.0.1:${this.port}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** SIGKILL, and waits until it is gone. */
  async kill(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGCONT');
    child.kill('SIGKILL');
    await exited;
  }

  pause(): void {
    this.child?.kill('SIGSTOP');
  }

  resume(): void {
    this.child?.kill('SIGCONT');
  }
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

/**
 * While Redis is down, something on its port that accepts each connection and closes it at
 * once: counts the reconnection attempts of every client (no Redis ever answers).
 */
export async function countConnections(port: number): Promise<{ readonly count: number; close(): Promise<void> }> {
  const { createServer } = await import('node:net');
  let count = 0;
  const server = createServer((socket) => {
    count++;
    socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    get count() {
      return count;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

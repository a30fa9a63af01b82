// Parent side: start bench processes, talk to them, and make sure none outlives the run.
import { fork } from 'node:child_process';
import { pin, renice } from './proc.mjs';

const live = new Set();

function killAllNow() {
  for (const child of live) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  live.clear();
}

let hooked = false;
/** Kills every child on exit, Ctrl-C, SIGTERM and crashes (installed once). */
export function killChildrenOnExit() {
  if (hooked) return;
  hooked = true;
  process.on('exit', killAllNow);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => {
      killAllNow();
      process.exit(130);
    });
  }
  process.on('uncaughtException', (error) => {
    process.stderr.write(`${error?.stack ?? error}\n`);
    killAllNow();
    process.exit(1);
  });
  process.on('unhandledRejection', (error) => {
    process.stderr.write(`${error?.stack ?? error}\n`);
    killAllNow();
    process.exit(1);
  });
}

/**
 * Forks `file` and waits for its `{ type: 'ready', port }`. Returns a handle with `rpc()`
 * and `stop()`. `cpus` pins all its threads there with taskset (when available);
 * `niceness` sets their nice value; `onStdout(text)` hears everything the child prints.
 */
export async function startChild(file, { name = file, env = {}, execArgv = [], cpus, niceness, readyTimeoutMs = 30_000, verbose = false, onStdout } = {}) {
  const child = fork(file, [], {
    env: { ...process.env, ...env },
    execArgv,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    serialization: 'advanced',
  });
  live.add(child);
  let stderrTail = '';
  const keep = (chunk) => {
    stderrTail = (stderrTail + chunk).slice(-4000);
    if (verbose) process.stderr.write(`[${name}] ${chunk}`);
  };
  child.stdout.setEncoding('utf8').on('data', keep);
  if (onStdout) child.stdout.on('data', onStdout);
  child.stderr.setEncoding('utf8').on('data', keep);

  let exited = false;
  const exitPromise = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      exited = true;
      live.delete(child);
      resolve({ code, signal });
    });
  });

  const pending = new Map();
  let nextRid = 1;
  child.on('message', (message) => {
    if (message?.type !== 'reply') return;
    const waiter = pending.get(message.rid);
    if (!waiter) return;
    pending.delete(message.rid);
    clearTimeout(waiter.timer);
    if (message.ok) waiter.resolve(message.result);
    else waiter.reject(new Error(`${name}: ${message.error}`));
  });
  exitPromise.then(({ code, signal }) => {
    for (const waiter of pending.values()) {
      clearTimeout(waiter.timer);
      waiter.reject(new Error(`${name} exited (code ${code}, signal ${signal}) during a request\n${stderrTail}`));
    }
    pending.clear();
  });

  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} not ready within ${readyTimeoutMs} ms\n${stderrTail}`)), readyTimeoutMs);
    child.on('message', function onReady(message) {
      if (message?.type !== 'ready') return;
      clearTimeout(timer);
      child.off('message', onReady);
      resolve(message.port);
    });
    exitPromise.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited before it was ready (code ${code}, signal ${signal})\n${stderrTail}`));
    });
  }).catch((error) => {
    child.kill('SIGKILL');
    throw error;
  });

  const pinned = cpus !== undefined ? pin(child.pid, cpus) : false;
  if (niceness) renice(child.pid, niceness);

  return {
    name,
    pid: child.pid,
    port,
    pinned,
    get exited() {
      return exited;
    },
    stderrTail: () => stderrTail,
    /** Sends `{ type, ... }` and resolves with the child's answer (rejects after `timeoutMs`). */
    rpc(message, timeoutMs = 30_000) {
      if (exited) return Promise.reject(new Error(`${name} is not running\n${stderrTail}`));
      const rid = nextRid++;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(rid);
          reject(new Error(`${name}: no answer to ${message.type} within ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(rid, { resolve, reject, timer });
        child.send({ ...message, rid });
      });
    },
    /** Closes the IPC channel so the child exits by itself (writes --cpu-prof output), SIGKILL after `graceMs`. */
    async close(graceMs = 10_000) {
      if (exited) return;
      child.disconnect();
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exitPromise;
      clearTimeout(timer);
    },
    /** SIGTERM, then SIGKILL after `graceMs`. */
    async stop(graceMs = 2000) {
      if (exited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exitPromise;
      clearTimeout(timer);
    },
    kill() {
      if (!exited) child.kill('SIGKILL');
      return exitPromise;
    },
  };
}

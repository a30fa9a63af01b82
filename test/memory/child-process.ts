import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));

export interface ChildResult {
  ok: boolean;
  seqs?: number[];
  ids?: string[];
  name?: string;
  code?: string;
  message?: string;
}

/**
 * Runs `fixtures/append-child.mjs` in a separate Node process (the lib's TypeScript sources run
 * through a small loader). `shell` prefixes the command, e.g. `ulimit -f 8;`. Killed after 20 s.
 */
export function runAppendChild(
  args: {
    driver: 'file' | 'redis' | 'database';
    options: object;
    parentType: string;
    parentId: string;
    count: number;
    label: string;
    mode?: 'concurrent' | 'sequential';
  },
  shell = '',
): Promise<ChildResult> {
  const argv = [
    '--import',
    `${FIXTURES}register-ts-loader.mjs`,
    `${FIXTURES}append-child.mjs`,
    args.driver,
    JSON.stringify(args.options),
    args.parentType,
    args.parentId,
    String(args.count),
    args.label,
    args.mode ?? 'concurrent',
  ];
  const quoted = argv.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const child = spawn('/bin/sh', ['-c', `${shell} exec "${process.execPath}" ${quoted}`], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const line = out.trim().split('\n').at(-1);
      try {
        resolve(JSON.parse(line ?? '') as ChildResult);
      } catch {
        reject(new Error(`child exited with ${code ?? signal} without a result.\nstdout: ${out}\nstderr: ${err}`));
      }
    });
  });
}

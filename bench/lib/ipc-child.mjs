// Child side of the bench's IPC: report readiness, answer requests, die with the parent.

/** Exits when the parent goes away (IPC channel closed), so no child outlives a crashed run. */
export function dieWithParent() {
  if (!process.send) throw new Error('This file is started by bench/run.mjs (child_process.fork).');
  process.on('disconnect', () => process.exit(0));
}

/** Tells the parent the child listens on `port`. */
export function ready(port, extra = {}) {
  process.send({ type: 'ready', port, ...extra });
}

/** Answers `{ type, rid, ... }` requests from the parent with `handler(message)`'s result. */
export function serve(handler) {
  process.on('message', async (message) => {
    if (!message || typeof message.rid !== 'number') return;
    try {
      const result = await handler(message);
      process.send({ type: 'reply', rid: message.rid, ok: true, result });
    } catch (error) {
      process.send({ type: 'reply', rid: message.rid, ok: false, error: String(error?.stack ?? error) });
    }
  });
}

/** Fails the child loudly (the parent sees the exit and the stderr tail). */
export function fail(error) {
  process.stderr.write(`${error?.stack ?? error}\n`);
  process.exit(1);
}

/**
 * For relays: reports the port and answers `cpu-usage` (user + system CPU seconds of the
 * whole process from getrusage, to the microsecond: /proc counts 10 ms ticks, too coarse for a
 * 0.1 s load) and `profile-start` / `profile-stop` (V8 CPU profile through node:inspector, so
 * start-up is left out; `profile-stop` returns the profile), `heap-start` / `heap-stop` (the
 * same for V8's sampling heap profiler: where the bytes are allocated).
 */
export function relayReady(port) {
  let session;
  serve(async (message) => {
    const { Session } = await import('node:inspector');
    const post = (method, params) =>
      new Promise((resolve, reject) => session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))));
    switch (message.type) {
      case 'cpu-usage': {
        const { user, system } = process.cpuUsage();
        return (user + system) / 1e6;
      }
      case 'profile-start':
        session ??= new Session();
        session.connect();
        await post('Profiler.enable');
        await post('Profiler.setSamplingInterval', { interval: message.intervalUs ?? 250 });
        await post('Profiler.start');
        return true;
      case 'profile-stop': {
        const { profile } = await post('Profiler.stop');
        await post('Profiler.disable');
        session.disconnect();
        return profile;
      }
      case 'heap-start':
        session ??= new Session();
        session.connect();
        await post('HeapProfiler.enable');
        // every allocation of samplingInterval bytes on average is recorded with its stack; objects freed by GC stay in (the cost of allocating, not what is kept)
        await post('HeapProfiler.startSampling', {
          samplingInterval: message.intervalBytes ?? 4096,
          includeObjectsCollectedByMajorGC: true,
          includeObjectsCollectedByMinorGC: true,
        });
        return true;
      case 'heap-stop': {
        const { profile } = await post('HeapProfiler.stopSampling');
        await post('HeapProfiler.disable');
        session.disconnect();
        return profile;
      }
      default:
        throw new Error(`unknown request ${message.type}`);
    }
  });
  ready(port);
}

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

import { holdReporterStorage, streamReporterStorage, type StreamReporter } from './stream-reporter.js';

const reporter: StreamReporter = { accepted: () => undefined, retry: () => undefined, fallback: () => undefined };

describe('reporter storage', () => {
  it('is readable across awaits while a stream is being set up, and disabled once none is', async () => {
    const releaseA = holdReporterStorage();
    const releaseB = holdReporterStorage();
    const seen = await streamReporterStorage.run(reporter, async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      return streamReporterStorage.getStore();
    });
    expect(seen).toBe(reporter);
    releaseA();
    releaseA(); // twice is once
    // B is still being set up: its context must survive
    expect(await streamReporterStorage.run(reporter, async () => (await Promise.resolve(), streamReporterStorage.getStore()))).toBe(reporter);
    releaseB();
    expect(streamReporterStorage.getStore()).toBeUndefined();
    // and it comes back for the next stream
    const releaseC = holdReporterStorage();
    expect(await streamReporterStorage.run(reporter, async () => (await Promise.resolve(), streamReporterStorage.getStore()))).toBe(reporter);
    releaseC();
  });
});

import type { ReplayRecord } from './replay/memory-replay-buffer.js';
import type { SseStreamState } from './replay/replay-record.js';
import { MemoryReplayBuffer } from './replay/memory-replay-buffer.js';
import { ReplayRecording, type ReplayRecordHost } from './sse-replay-recording.js';

/** A host over the real in-process buffer, logging what it was asked. */
function host() {
  const buffer = new MemoryReplayBuffer({ ttlMs: 1000, maxStreamChars: 1 << 20, maxTotalChars: 1 << 20, keepFinished: true });
  const calls: string[] = [];
  let record: ReplayRecord | undefined;
  const h: ReplayRecordHost<string> = {
    openRecord: (owner) => {
      calls.push(`open ${owner}`);
      return (record = buffer.create(owner, undefined, true));
    },
    recordEvent: (owner, text) => {
      calls.push(`event ${owner} ${text.trim()}`);
      buffer.append(record!, text);
    },
    closeRecord: (owner, state: SseStreamState) => {
      calls.push(`close ${owner} ${state}`);
      buffer.finish(record!, state);
    },
  };
  return { h, calls, buffer };
}

describe('ReplayRecording', () => {
  it('records nothing before open, every event in order after, and closes once', () => {
    const { h, calls, buffer } = host();
    const recording = new ReplayRecording(h, 's1');
    recording.add('early');
    recording.close('aborted');
    expect(recording.record).toBeUndefined();
    expect(calls).toEqual([]);

    const record = recording.open();
    expect(recording.open()).toBe(record);
    recording.add('a\n\n');
    recording.add('b\n\n');
    expect(record.lastSeq).toBe(2);
    recording.close('completed');
    recording.close('aborted');
    recording.add('late');
    expect(calls).toEqual(['open s1', 'event s1 a', 'event s1 b', 'close s1 completed']);
    expect(buffer.get('s1')).toMatchObject({ state: 'completed', lastSeq: 2, events: ['a\n\n', 'b\n\n'] });
    buffer.close();
  });
});

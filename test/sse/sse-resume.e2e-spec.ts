import 'reflect-metadata';
import { Controller, Delete, Get, Headers, HttpCode, NotFoundException, Param, Query, type INestApplication } from '@nestjs/common';
import { BuppleEngineModule, EngineService } from '@bupple/nestjs-ai-engine';
import { OfflineDriver } from '@bupple/nestjs-ai-engine/drivers';
import { SseStream, SseStreams, type SseRequest } from '../../lib/sse/index.js';
import { dataOf, PLATFORMS, read, seqsOf, sleep, startApp, textOf, tokens, waitFor } from './sse-test-app.js';

const answer = tokens(40);
const scope = (req: SseRequest) => {
  const user = req.headers['x-user'];
  return typeof user === 'string' ? user : undefined;
};

@Controller('r')
class ResumeController {
  constructor(
    private readonly engine: EngineService,
    private readonly streams: SseStreams,
  ) {}

  private ask(engine = 'slow') {
    return this.engine.stream([{ role: 'user', content: 'hi' }], { engine });
  }

  @Get('abort')
  @SseStream()
  abort() {
    return this.ask();
  }

  @Get('continue')
  @SseStream({ onDisconnect: 'continue' })
  continue(@Query('engine') engine?: string) {
    return this.ask(engine);
  }

  @Get('grace')
  @SseStream({ onDisconnect: { graceMs: 300 } })
  grace() {
    return this.ask();
  }

  @Get('scoped')
  @SseStream({ onDisconnect: 'continue', scope })
  scoped() {
    return this.ask();
  }

  @Get('streams/:streamId')
  @SseStream({ scope })
  resume(@Param('streamId') streamId: string, @Query('lastEventId') lastEventId?: string) {
    return this.streams.resume(streamId, lastEventId);
  }

  @Delete('streams/:streamId')
  @HttpCode(204)
  async stop(@Param('streamId') streamId: string, @Headers('x-user') user?: string) {
    if ((await this.streams.stop(streamId, user)) === 'not_found') throw new NotFoundException();
  }
}

describe.each(PLATFORMS)('SSE disconnect policy and resumption on %s', (platform) => {
  let app: INestApplication;
  let base: string;
  let slow: OfflineDriver;
  let fast: OfflineDriver;
  let late: OfflineDriver;

  beforeAll(async () => {
    slow = new OfflineDriver('slow', { tokenDelayMs: 15, chunks: answer.chunks });
    fast = new OfflineDriver('fast', { tokenDelayMs: 1, chunks: answer.chunks });
    late = new OfflineDriver('late', { acceptDelayMs: 5000, chunks: answer.chunks });
    ({ app, base } = await startApp(platform, {
      imports: [BuppleEngineModule.forRoot({ engine: { drivers: { slow, fast, late } }, sse: { keepaliveMs: 0 } })],
      controllers: [ResumeController],
    }));
  });
  afterAll(() => app.close());

  /** The events after `first`, on a second connection, with no gap and no duplicate. */
  function expectContinuation(
    first: { events: { id?: string; event: string; data: string }[] },
    rest: { events: { id?: string; event: string; data: string }[] },
  ) {
    const a = seqsOf(first.events as never);
    const b = seqsOf(rest.events as never);
    expect(b.streamId).toBe(a.streamId);
    const all = [...a.seqs, ...b.seqs];
    expect(all).toEqual(all.map((_, i) => i + 1));
    expect(textOf([...first.events, ...rest.events] as never)).toBe(answer.text);
    expect(rest.events.at(-1)!.event).toBe('complete');
  }

  it('abort: the provider request is aborted within 1 s of the client leaving at event 5', async () => {
    const before = slow.requests.length;
    const first = await read(`${base}/r/abort`, { stopAfter: 5 });
    expect(first.events).toHaveLength(5);
    expect(await waitFor(() => slow.lastRequest?.state === 'aborted', 1000)).toBe(true);
    expect(slow.requests.length).toBe(before + 1);
    // a reconnect for an aborted stream cannot be served: resync, and no new generation
    const again = await read(`${base}/r/abort`, { lastEventId: first.events.at(-1)!.id });
    expect(again.events.map((e) => e.event)).toEqual(['resync']);
    expect(slow.requests.length).toBe(before + 1);
  });

  it('continue: the generation goes on; a reconnect with Last-Event-ID gets the rest, without calling the handler', async () => {
    const before = slow.requests.length;
    const first = await read(`${base}/r/continue`, { stopAfter: 8 });
    await sleep(100);
    expect(slow.lastRequest!.state).toBe('running');
    const rest = await read(`${base}/r/continue`, { lastEventId: first.events.at(-1)!.id });
    expect(rest.status).toBe(200);
    expectContinuation(first, rest);
    expect(slow.requests.length).toBe(before + 1);
    expect(slow.lastRequest!.state).toBe('completed');
  });

  it('resumes with ?lastEventId= on the resume route, after the generation finished', async () => {
    const first = await read(`${base}/r/continue?engine=fast`, { stopAfter: 6 });
    await waitFor(() => fast.lastRequest?.state === 'completed');
    const rest = await read(`${base}/r/streams/${seqsOf(first.events).streamId}?lastEventId=${encodeURIComponent(first.events.at(-1)!.id!)}`);
    expectContinuation(first, rest);
  });

  it('replays a whole stream from the resume route without a Last-Event-ID', async () => {
    const first = await read(`${base}/r/continue?engine=fast`, { stopAfter: 1 });
    const whole = await read(`${base}/r/streams/${seqsOf(first.events).streamId}`);
    expect(seqsOf(whole.events).seqs[0]).toBe(1);
    expect(textOf(whole.events)).toBe(answer.text);
  });

  it('answers 204 to a reconnect for a stream that completed, so browsers stop', async () => {
    const whole = await read(`${base}/r/continue?engine=fast`);
    expect(whole.events.at(-1)!.event).toBe('complete');
    const again = await read(`${base}/r/continue?engine=fast`, { lastEventId: whole.events.at(-1)!.id });
    expect(again.status).toBe(204);
    expect(again.raw).toBe('');
  });

  it('answers resync to an id that is not held (and to one that is not ours)', async () => {
    const unknown = await read(`${base}/r/continue`, { lastEventId: 'AAAAAAAAAAAAAAAA-3' });
    expect(unknown.status).toBe(200);
    expect(unknown.events.map((e) => e.event)).toEqual(['resync']);
    expect(JSON.parse(unknown.events[0].data)).toEqual({ streamId: 'AAAAAAAAAAAAAAAA', message: expect.any(String) });
    expect(unknown.events[0].id).toBeUndefined();
    const garbage = await read(`${base}/r/continue`, { lastEventId: 'not-an-id' });
    expect(garbage.events.map((e) => e.event)).toEqual(['resync']);
  });

  it('grace: a reconnect within the grace period continues the same answer', async () => {
    const before = slow.requests.length;
    const first = await read(`${base}/r/grace`, { stopAfter: 4 });
    await sleep(100);
    const rest = await read(`${base}/r/grace`, { lastEventId: first.events.at(-1)!.id });
    expectContinuation(first, rest);
    expect(slow.requests.length).toBe(before + 1);
  });

  it('grace: nobody came back, so the generation is aborted when the grace period ends', async () => {
    await read(`${base}/r/grace`, { stopAfter: 3 });
    await sleep(150);
    expect(slow.lastRequest!.state).toBe('running');
    expect(await waitFor(() => slow.lastRequest?.state === 'aborted', 1000)).toBe(true);
  });

  it('refuses to resume a scoped stream with another scope (resync, nothing replayed)', async () => {
    const first = await read(`${base}/r/scoped`, { stopAfter: 3, headers: { 'x-user': 'alice' } });
    const lastEventId = first.events.at(-1)!.id!;
    const mallory = await read(`${base}/r/scoped`, { lastEventId, headers: { 'x-user': 'mallory' } });
    expect(mallory.events.map((e) => e.event)).toEqual(['resync']);
    const anonymous = await read(`${base}/r/streams/${seqsOf(first.events).streamId}`);
    expect(anonymous.events.map((e) => e.event)).toEqual(['resync']);
    const alice = await read(`${base}/r/scoped`, { lastEventId, headers: { 'x-user': 'alice' } });
    expectContinuation(first, alice);
  });

  it('DELETE stops a running generation (204), 404 for an unknown id or another scope', async () => {
    const first = await read(`${base}/r/scoped`, { stopAfter: 2, headers: { 'x-user': 'bob' } });
    const { streamId } = seqsOf(first.events);
    expect((await fetch(`${base}/r/streams/${streamId}`, { method: 'DELETE', headers: { 'x-user': 'eve' } })).status).toBe(404);
    expect(slow.lastRequest!.state).toBe('running');
    expect((await fetch(`${base}/r/streams/${streamId}`, { method: 'DELETE', headers: { 'x-user': 'bob' } })).status).toBe(204);
    expect(await waitFor(() => slow.lastRequest?.state === 'aborted', 1000)).toBe(true);
    expect((await fetch(`${base}/r/streams/nope-nope-nope00`, { method: 'DELETE' })).status).toBe(404);
    // the stopped stream is over: a reconnect after its last event gets 204
    const after = await read(`${base}/r/scoped`, { lastEventId: `${streamId}-999999`, headers: { 'x-user': 'bob' } });
    expect(after.status).toBe(204);
  });

  it('DELETE also ends the connection of a client that is still reading', async () => {
    let streamId: string | undefined;
    const reading = read(`${base}/r/continue`, { timeoutMs: 5000 });
    await waitFor(() => slow.lastRequest?.state === 'running' && slow.lastRequest.chunksSent > 2);
    const stopped = await fetch(`${base}/r/streams/${(streamId = await startedId())}`, { method: 'DELETE' });
    expect(stopped.status).toBe(204);
    const result = await reading;
    expect(seqsOf(result.events).streamId).toBe(streamId);
    expect(result.events.some((e) => e.event === 'complete')).toBe(false);
    expect(slow.lastRequest!.state).toBe('aborted');

    async function startedId(): Promise<string> {
      const streams = app.get(SseStreams) as unknown as { sessions: Map<string, unknown> };
      return [...streams.sessions.keys()].at(-1)!;
    }
  });

  it('DELETE before the provider accepted: the client gets start and the end, the request is aborted', async () => {
    const reading = read(`${base}/r/continue?engine=late`, { timeoutMs: 4000 });
    const streams = app.get(SseStreams) as unknown as { sessions: Map<string, unknown> };
    expect(await waitFor(() => late.lastRequest?.state === 'running' && streams.sessions.size > 0)).toBe(true);
    const streamId = [...streams.sessions.keys()].at(-1)!;
    expect((await fetch(`${base}/r/streams/${streamId}`, { method: 'DELETE' })).status).toBe(204);
    const result = await reading;
    expect(result.status).toBe(200);
    expect(result.events.map((e) => e.event)).toEqual(['start']);
    expect(late.lastRequest!.state).toBe('aborted');
  });

  it('the replay buffer answers what it knows of a stream (SseStreams.info)', async () => {
    const whole = await read(`${base}/r/continue?engine=fast`);
    const { streamId, seqs } = seqsOf(whole.events);
    const info = await app.get(SseStreams).info(streamId!);
    expect(info).toMatchObject({ streamId, state: 'completed', lastSeq: seqs.at(-1), storesEvents: true });
    expect(dataOf(whole, 'start')[0].streamId).toBe(streamId);
  });
});

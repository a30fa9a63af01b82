import 'reflect-metadata';
import { existsSync, readFileSync } from 'node:fs';
import { Test } from '@nestjs/testing';
import { lastValueFrom, toArray } from 'rxjs';
import { BuppleEngineModule, EngineService, type EngineChunk } from '../../lib/index.js';
import { FakeProviderServer, sleep, startEventStream } from '../utils/fake-provider-server.js';

/**
 * What the real-streams specs share: the corpus of streams recorded from the real APIs by other
 * projects (../shared/real-streams, read in place, never copied into the repo), an engine to
 * replay them through, a local server that sends a recording whole or in pieces of 1 to 7
 * bytes, a response body cut into pieces of exactly k bytes for a driver's in-process client,
 * and the outcome of one replay in the terms the corpus states.
 */

export const CORPUS = new URL('../../../shared/real-streams/fixtures/', import.meta.url);
/** Whether the corpus is there (it is not part of a clean clone: the specs then skip). */
export const corpusPresent = existsSync(new URL('manifest.json', CORPUS));

/** One recording as the corpus's manifest lists it. */
export interface ManifestEntry {
  id: string;
  provider: string;
  file: string;
  format: 'chunks' | 'sse';
  expect: { outcome: 'ok' | 'error' | 'ok-or-error'; finishAccept?: string[]; errorAccept?: string[] };
}

/** The manifest's recordings of one `provider` (none when the corpus is absent). */
export function manifestEntries(provider: string): ManifestEntry[] {
  if (!corpusPresent) return [];
  return (JSON.parse(readFileSync(new URL('manifest.json', CORPUS), 'utf8')).fixtures as ManifestEntry[]).filter((f) => f.provider === provider);
}

/** What the corpus says each recording holds (expected.json), by id; the shape is the spec's. */
export function corpusExpectations<T>(): Record<string, T> {
  return corpusPresent ? (JSON.parse(readFileSync(new URL('expected.json', CORPUS), 'utf8')).fixtures as Record<string, T>) : {};
}

/**
 * The body as the provider sends it: an `sse` recording as it is; a `chunks` recording (one
 * JSON value a line) with each line framed by `frame`, then `trailer`.
 */
export function recordedBody(entry: ManifestEntry, frame: (line: string) => string, trailer = ''): Buffer {
  const raw = readFileSync(new URL(entry.file, CORPUS));
  if (entry.format === 'sse') return raw;
  const frames = raw
    .toString('utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map(frame);
  return Buffer.from(frames.join('') + trailer, 'utf8');
}

/** The outcome of one replay: `Call` is what the spec keeps of each tool call. */
export interface ReplayOutcome<Call> {
  text: string;
  reasoning: string;
  toolCalls: Call[];
  sources: string[];
  finishReason?: string | null;
  rawFinishReason?: string | null;
  usage?: unknown;
  error?: string;
  message?: string;
}

type ToolCall = NonNullable<EngineChunk['toolCall']>;

export function outcomeOf<Call>(chunks: EngineChunk[], call: (toolCall: ToolCall) => Call, error?: unknown): ReplayOutcome<Call> {
  const last = chunks[chunks.length - 1];
  return {
    text: chunks.map((c) => c.content).join(''),
    reasoning: chunks.map((c) => c.reasoning ?? '').join(''),
    toolCalls: chunks.flatMap((c) => (c.toolCall ? [call(c.toolCall)] : [])),
    sources: chunks.flatMap((c) => (c.source ? [c.source.url] : [])),
    ...(last?.finishReason && { finishReason: last.finishReason, rawFinishReason: last.rawFinishReason, usage: last.usage }),
    ...(error !== undefined && { error: (error as Error).constructor.name, message: (error as Error).message }),
  };
}

/** Asks `engine` (the engine named `name`) once, and keeps the outcome, or the error it ended with. */
export async function replay<Call>(engine: EngineService, name: string, call: (toolCall: ToolCall) => Call): Promise<ReplayOutcome<Call>> {
  try {
    return outcomeOf(await lastValueFrom(engine.stream([{ role: 'user', content: 'Hi' }], { engine: name }).pipe(toArray())), call);
  } catch (error) {
    return outcomeOf([], call, error);
  }
}

/** An EngineService over `options`, with no retry (a replay is asked once). */
export async function engineWith(
  options: Parameters<typeof BuppleEngineModule.forRoot>[0]['engine'],
): Promise<{ engine: EngineService; close: () => Promise<void> }> {
  const moduleRef = await Test.createTestingModule({ imports: [BuppleEngineModule.forRoot({ engine: { ...options, retry: { maxRetries: 0 } } })] }).compile();
  await moduleRef.init();
  return { engine: moduleRef.get(EngineService), close: () => moduleRef.close() };
}

/** A 200 event-stream response whose body arrives in pieces of exactly `size` bytes (for a driver's in-process client). */
export function responseInPieces(bytes: Buffer, size: number): Response {
  let offset = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(new Uint8Array(bytes.subarray(offset, offset + size)));
      offset += size;
    },
  });
  return new Response(stream, { status: 200, headers: { 'content-type': 'text/event-stream' } });
}

/**
 * A local server that answers every request with `payload` as an event stream: in one write,
 * or (`pieces`) in pieces of 1, 2, … 7 bytes in turn, each its own write.
 */
export class RecordingServer {
  private readonly server = new FakeProviderServer();
  payload: Buffer = Buffer.alloc(0);
  pieces = false;

  constructor(private readonly headers: Record<string, string> = {}) {}

  get url(): string {
    return this.server.url;
  }

  async start(): Promise<this> {
    await this.server.start();
    this.server.respond(async (_req, res) => {
      startEventStream(res, this.headers);
      const payload = this.payload;
      if (!this.pieces) return void res.end(payload);
      for (let i = 0, size = 1; i < payload.length; i += size, size = (size % 7) + 1) {
        if (res.destroyed) return;
        res.write(payload.subarray(i, i + size));
        if (i % 64 < size) await sleep(0);
      }
      res.end();
    });
    return this;
  }

  stop(): Promise<void> {
    return this.server.stop();
  }
}

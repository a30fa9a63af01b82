import type { INestApplication, ModuleMetadata } from '@nestjs/common';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { createParser, type EventSourceMessage } from 'eventsource-parser';

/** The HTTP platforms every SSE e2e spec runs on. */
export type Platform = 'express' | 'fastify';
export const PLATFORMS: Platform[] = ['express', 'fastify'];

/** Starts a Nest app on 127.0.0.1, port 0, on the given platform. */
export async function startApp(
  platform: Platform,
  metadata: ModuleMetadata,
  configure?: (app: INestApplication) => void | Promise<void>,
  { forceCloseConnections = true }: { forceCloseConnections?: boolean } = {},
): Promise<{ app: INestApplication; base: string }> {
  const moduleRef = await Test.createTestingModule(metadata).compile();
  // fetch keeps idle connections (and opens spare ones) that a plain close() would wait ~4 s
  // for; the cleanup spec turns this off to see what the library itself leaves open
  const options = { forceCloseConnections };
  const app = platform === 'fastify' ? moduleRef.createNestApplication(new FastifyAdapter(), options) : moduleRef.createNestApplication(options);
  await configure?.(app);
  await app.listen(0, '127.0.0.1');
  const url = await app.getUrl();
  return { app, base: url.replace('[::1]', '127.0.0.1') };
}

export interface ReadEvent {
  id?: string;
  event: string;
  data: string;
  /** When it was parsed (ms since the request started). */
  at: number;
}

export interface ReadResult {
  status: number;
  headers: Headers;
  raw: string;
  events: ReadEvent[];
  /** Comment lines seen (without the colon). */
  comments: string[];
}

/**
 * Reads an SSE response incrementally through eventsource-parser. `stopAfter` cuts the
 * connection once that many events arrived (a client that goes away); `until` cuts it when a
 * predicate holds.
 */
export async function read(
  url: string,
  init: RequestInit & { stopAfter?: number; timeoutMs?: number; lastEventId?: string; headers?: Record<string, string> } = {},
): Promise<ReadResult> {
  const controller = new AbortController();
  const timeoutMs = init.timeoutMs ?? 10_000;
  const timer = setTimeout(() => controller.abort(new Error(`read timed out after ${timeoutMs} ms: ${url}`)), timeoutMs);
  const started = Date.now();
  const events: ReadEvent[] = [];
  const comments: string[] = [];
  let raw = '';
  const parser = createParser({
    onEvent: (m: EventSourceMessage) => events.push({ id: m.id, event: m.event ?? 'message', data: m.data, at: Date.now() - started }),
    onComment: (c: string) => comments.push(c),
  });
  const headers: Record<string, string> = { ...(init.headers ?? {}) };
  if (init.lastEventId) headers['last-event-id'] = init.lastEventId;
  try {
    const response = await fetch(url, { ...init, headers, signal: controller.signal });
    if (response.body) {
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        const text = decoder.decode(value, { stream: true });
        raw += text;
        parser.feed(text);
        if (init.stopAfter !== undefined && events.length >= init.stopAfter) {
          controller.abort();
          break;
        }
      }
    }
    return { status: response.status, headers: response.headers, raw, events, comments };
  } finally {
    clearTimeout(timer);
  }
}

/** JSON data of every event with this name. */
export function dataOf<T = any>(result: { events: ReadEvent[] }, event: string): T[] {
  return result.events.filter((e) => e.event === event).map((e) => JSON.parse(e.data) as T);
}

/** The seq numbers of the events' ids, and the stream id they share. */
export function seqsOf(events: ReadEvent[]): { streamId: string | undefined; seqs: number[] } {
  const withIds = events.filter((e) => e.id);
  const streamId = withIds[0]?.id?.slice(0, withIds[0].id.lastIndexOf('-'));
  return { streamId, seqs: withIds.map((e) => Number(e.id!.slice(e.id!.lastIndexOf('-') + 1))) };
}

/** The answer text of content events. */
export function textOf(events: ReadEvent[]): string {
  return events
    .filter((e) => e.event === 'content')
    .map((e) => (JSON.parse(e.data) as { content: string }).content)
    .join('');
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Waits until `check()` is true, for at most `timeoutMs`. */
export async function waitFor(check: () => boolean, timeoutMs = 2000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await sleep(10);
  }
  return true;
}

/** Numbered tokens `t0 t1 …` for a scripted engine, and their concatenation. */
export function tokens(count: number): { chunks: string[]; text: string } {
  const chunks = Array.from({ length: count }, (_, i) => `t${i} `);
  return { chunks, text: chunks.join('') };
}

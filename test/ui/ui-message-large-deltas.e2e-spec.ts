import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { readUIMessageStream, uiMessageChunkSchema, type UIMessage, type UIMessageChunk } from 'ai';
import { Observable } from 'rxjs';
import { EngineService } from '@bupple/nestjs-ai-engine';
import { type DriverStreamPart, type EngineDriver } from '@bupple/nestjs-ai-engine/drivers';
import { UI_DELTA_PIECE_CHARS, deltaPieces } from '../../lib/sse/ui-message-protocol.js';
import { startSample } from '../utils/sample-app.js';

/**
 * Large deltas on the UI message path: a delta over 16 KiB (text, reasoning, tool input) goes
 * out as several chunks of the same part, as the event protocol splits its `content` events,
 * and the ai package's reader assembles the same text.
 */
describe('UI message protocol: large deltas are split', () => {
  let app: INestApplication;
  let base: string;
  // about 65 600 characters with an astral character across the first 16 KiB boundary
  const big = ('a'.repeat(UI_DELTA_PIECE_CHARS - 1) + '😀').repeat(4) + 'tail';
  const reasoning = 'r'.repeat(UI_DELTA_PIECE_CHARS * 2 + 5);
  const args = JSON.stringify({ text: 'x'.repeat(40_000) });

  beforeAll(async () => {
    ({ app, base } = await startSample());
    const driver: EngineDriver = {
      name: 'offline',
      provider: 'offline',
      defaultModel: 'big-1',
      stream: () =>
        new Observable<DriverStreamPart>((subscriber) => {
          subscriber.next({ type: 'response-start', model: 'big-1', warnings: [] });
          subscriber.next({ type: 'reasoning-delta', text: reasoning });
          subscriber.next({ type: 'tool-call-start', id: 'call_big', name: 'echo' });
          subscriber.next({ type: 'tool-call-delta', id: 'call_big', argsTextDelta: args });
          subscriber.next({ type: 'tool-call-end', id: 'call_big', name: 'echo', argsText: args });
          subscriber.next({ type: 'text-delta', text: big });
          subscriber.next({ type: 'finish', finishReason: 'stop', rawFinishReason: 'stop' });
          subscriber.complete();
        }),
    };
    app.get(EngineService).register('offline', driver);
  });
  afterAll(() => app.close());

  it('deltaPieces never splits a surrogate pair and keeps every character', () => {
    const pieces = deltaPieces(big);
    expect(pieces.join('')).toBe(big);
    expect(pieces.length).toBe(Math.ceil(big.length / UI_DELTA_PIECE_CHARS));
    for (const piece of pieces) {
      expect(piece.length).toBeLessThanOrEqual(UI_DELTA_PIECE_CHARS);
      // no lone surrogate at either end
      expect(/^[\udc00-\udfff]|[\ud800-\udbff]$/.test(piece)).toBe(false);
    }
  });

  it('POST /api/chat sends a 65 000-character text delta, a 32 KiB reasoning delta and a 40 KB tool input as chunks of at most 16 KiB, each valid for the ai package', async () => {
    const response = await fetch(`${base}/api/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        id: 'chat-big',
        messages: [{ id: 'u1', role: 'user', parts: [{ type: 'text', text: 'big please' }] }],
        trigger: 'submit-message',
      }),
    });
    expect(response.status).toBe(200);
    const data = (await response.text())
      .split('\n')
      .filter((line) => line.startsWith('data: '))
      .map((line) => line.slice(6));
    expect(data.pop()).toBe('[DONE]');
    const chunks = data.map((json) => JSON.parse(json) as UIMessageChunk);
    const schema = uiMessageChunkSchema();
    for (const chunk of chunks) expect(await schema.validate!(chunk)).toMatchObject({ success: true });
    const deltas = (type: string) => chunks.filter((chunk) => chunk.type === type) as unknown as { delta?: string; inputTextDelta?: string }[];
    const text = deltas('text-delta').map((c) => c.delta!);
    const thought = deltas('reasoning-delta').map((c) => c.delta!);
    const input = deltas('tool-input-delta').map((c) => c.inputTextDelta!);
    expect(text.length).toBe(Math.ceil(big.length / UI_DELTA_PIECE_CHARS));
    expect(thought.length).toBe(3);
    expect(input.length).toBe(Math.ceil(args.length / UI_DELTA_PIECE_CHARS));
    for (const piece of [...text, ...thought, ...input]) expect(piece.length).toBeLessThanOrEqual(UI_DELTA_PIECE_CHARS);
    // one part each: the pieces belong to the same text / reasoning part
    expect(new Set((chunks.filter((c) => c.type === 'text-delta') as { id: string }[]).map((c) => c.id)).size).toBe(1);

    const stream = new ReadableStream<UIMessageChunk>({
      start(controller) {
        for (const chunk of chunks) controller.enqueue(chunk);
        controller.close();
      },
    });
    let message: UIMessage | undefined;
    for await (const snapshot of readUIMessageStream({ stream, terminateOnError: true })) message = snapshot;
    const parts = message!.parts as { type: string; text?: string; input?: unknown }[];
    expect(parts.find((p) => p.type === 'text')?.text).toBe(big);
    expect(parts.find((p) => p.type === 'reasoning')?.text).toBe(reasoning);
    expect(parts.find((p) => p.type === 'tool-echo')?.input).toEqual(JSON.parse(args));
  });
});

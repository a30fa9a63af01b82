import { ConnectionException, ContentFilterException } from '../../errors/engine.exception.js';
import type { DriverStreamPart } from '../engine-driver.interface.js';
import type { GeminiChunk } from './gemini-api.types.js';
import { GeminiStreamMapper } from './gemini-stream-mapper.js';

/** The parts for these chunks, `activity` (a chunk with nothing for the caller) left out. */
function run(chunks: GeminiChunk[]): DriverStreamPart[] {
  const parts: DriverStreamPart[] = [];
  const mapper = new GeminiStreamMapper((part) => parts.push(part));
  for (const chunk of chunks) mapper.push(chunk);
  mapper.finish();
  return parts.filter((part) => part.type !== 'activity');
}

const candidate = (parts: GeminiChunk['candidates'] extends (infer C)[] | undefined ? NonNullable<C> : never) => ({ candidates: [parts] });

describe('GeminiStreamMapper', () => {
  it('keeps a thought signature that comes with no thought text, and one on a thought part', () => {
    expect(
      run([
        candidate({ content: { parts: [{ thought: true, text: '', thoughtSignature: 'sig-alone' }] } }),
        candidate({
          content: {
            parts: [
              { thought: true, text: 'Hmm.' },
              { thought: true, text: '', thoughtSignature: 'sig-2' },
            ],
          },
        }),
        candidate({ content: { parts: [{ text: 'Answer' }] }, finishReason: 'STOP' }),
      ]),
    ).toEqual([
      { type: 'reasoning-end', signature: 'sig-alone' },
      { type: 'reasoning-delta', text: 'Hmm.' },
      { type: 'reasoning-end', signature: 'sig-2' },
      { type: 'text-delta', text: 'Answer' },
      { type: 'finish', finishReason: 'stop', rawFinishReason: 'STOP' },
    ]);
  });

  it('closes reasoning that never reached an answer at the end, and picks the candidate with index 0 wherever it is', () => {
    expect(
      run([
        {
          candidates: [
            { index: 1, content: { parts: [{ text: 'other' }] } },
            { index: 0, content: { parts: [{ thought: true, text: 'thinking' }] } },
          ],
        },
        {
          candidates: [
            { index: 1, finishReason: 'STOP' },
            { index: 0, finishReason: 'MAX_TOKENS' },
          ],
        },
      ]),
    ).toEqual([
      { type: 'reasoning-delta', text: 'thinking' },
      { type: 'reasoning-end' },
      { type: 'finish', finishReason: 'length', rawFinishReason: 'MAX_TOKENS' },
    ]);
  });

  it('a MALFORMED_FUNCTION_CALL finish is other, with Gemini’s finishMessage as provider metadata', () => {
    const parts = run([candidate({ finishReason: 'MALFORMED_FUNCTION_CALL', finishMessage: 'Malformed function call: add(a=' })]);
    expect(parts.slice(-2)).toEqual([
      { type: 'provider-metadata', metadata: { finishMessage: 'Malformed function call: add(a=' } },
      { type: 'finish', finishReason: 'other', rawFinishReason: 'MALFORMED_FUNCTION_CALL' },
    ]);
  });

  it('a blocked prompt throws ContentFilterException; a stream with no finish reason is a ConnectionException', () => {
    expect(() => run([{ promptFeedback: { blockReason: 'OTHER' } }])).toThrow(ContentFilterException);
    expect(() => run([candidate({ content: { parts: [{ text: 'cut' }] } })])).toThrow(ConnectionException);
  });
});

import fc from 'fast-check';
import { JsonReadError } from './json-read.error.js';
import { PartialJsonReader, readJsonText } from './partial-json-reader.js';

/** `partial` is what a prefix of `whole`'s text may show: only additions may follow. */
function isPrefixView(partial: unknown, whole: unknown): boolean {
  if (partial === undefined) return true;
  if (typeof whole === 'string') return typeof partial === 'string' && whole.startsWith(partial);
  if (Array.isArray(whole)) {
    if (!Array.isArray(partial) || partial.length > whole.length) return false;
    return partial.every((item, i) => (i < partial.length - 1 ? isEqual(item, whole[i]) : isPrefixView(item, whole[i])));
  }
  if (typeof whole === 'object' && whole !== null) {
    if (typeof partial !== 'object' || partial === null || Array.isArray(partial)) return false;
    const wholeRecord = whole as Record<string, unknown>;
    return Object.keys(partial).every(
      (key) => Object.prototype.hasOwnProperty.call(whole, key) && isPrefixView((partial as Record<string, unknown>)[key], wholeRecord[key]),
    );
  }
  return Object.is(partial, whole);
}

/** Deep equality of JSON values (own keys, in any order). */
function isEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((key) => Object.prototype.hasOwnProperty.call(b, key) && isEqual((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]));
}

/** Cuts `text` at the given positions (sorted, deduplicated). */
function cut(text: string, positions: number[]): string[] {
  const at = [...new Set(positions.map((p) => p % (text.length + 1)))].sort((a, b) => a - b);
  const pieces: string[] = [];
  let from = 0;
  for (const p of at) {
    pieces.push(text.slice(from, p));
    from = p;
  }
  pieces.push(text.slice(from));
  return pieces.filter((piece) => piece !== '');
}

/** Every non-ASCII character as a \u escape (valid JSON: they only occur inside strings). */
const escapeNonAscii = (text: string) => text.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

function readAll(pieces: string[], lenient: boolean) {
  const reader = new PartialJsonReader({ lenient });
  const views: unknown[] = [];
  for (const piece of pieces) if (reader.push(piece)) views.push(reader.snapshot());
  expect(reader.error).toBeUndefined();
  return { views, value: reader.end() };
}

const json = fc.jsonValue({ maxDepth: 4 });
const texts = json.chain((value) =>
  fc.constantFrom(JSON.stringify(value), JSON.stringify(value, null, 2), escapeNonAscii(JSON.stringify(value))).map((text) => ({ value, text })),
);

describe('PartialJsonReader', () => {
  it('any JSON value, cut anywhere: each partial is a prefix view of the next and of the end, which equals JSON.parse', () => {
    fc.assert(
      fc.property(texts, fc.array(fc.nat(), { maxLength: 40 }), ({ text }, positions) => {
        const whole = JSON.parse(text) as unknown;
        const { views, value } = readAll(cut(text, positions), false);
        expect(value).toStrictEqual(whole);
        views.forEach((view, i) => {
          expect(isPrefixView(view, whole)).toBe(true);
          if (i > 0) expect(isPrefixView(views[i - 1], view)).toBe(true);
        });
      }),
      { numRuns: 400 },
    );
  });

  it('one character at a time, inside prose and a fence, leniently', () => {
    fc.assert(
      fc.property(fc.oneof(fc.array(fc.jsonValue({ maxDepth: 3 })), fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 3 }))), (value) => {
        const text = 'Here it is:\n```json\n' + JSON.stringify(value, null, 1) + '\n```\nAnything else?';
        const whole = JSON.parse(JSON.stringify(value)) as unknown;
        const { views, value: read } = readAll([...text], true);
        expect(read).toStrictEqual(whole);
        for (const view of views) expect(isPrefixView(view, whole)).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it('reports each element of the top-level array once, when complete', () => {
    fc.assert(
      fc.property(fc.array(fc.jsonValue({ maxDepth: 3 })), fc.array(fc.nat(), { maxLength: 30 }), fc.boolean(), (elements, positions, wrapped) => {
        const expected = JSON.parse(JSON.stringify(elements)) as unknown[];
        const text = wrapped ? JSON.stringify({ elements }) : JSON.stringify(elements);
        const seen: [number, unknown][] = [];
        const reader = new PartialJsonReader({ elementsKey: 'elements', onElement: (element, index) => seen.push([index, structuredClone(element)]) });
        for (const piece of cut(text, positions)) {
          reader.push(piece);
          // an element is reported once its text is complete: never before
          expect(seen.length).toBeLessThanOrEqual(expected.length);
        }
        reader.end();
        expect(seen).toStrictEqual(expected.map((element, index) => [index, element]));
      }),
      { numRuns: 200 },
    );
  });

  it('shows strings as they grow, numbers and literals once complete', () => {
    const reader = new PartialJsonReader();
    const steps = ['{"name": "Ad', 'a Lo', 'velace", "age": 3', '6, "ok": tr', 'ue, "tags": ["x', '"]', '}'];
    const views = steps.map((step) => (reader.push(step), reader.snapshot()));
    expect(views).toEqual([
      { name: 'Ad' },
      { name: 'Ada Lo' },
      { name: 'Ada Lovelace' },
      { name: 'Ada Lovelace', age: 36 },
      { name: 'Ada Lovelace', age: 36, ok: true, tags: ['x'] },
      { name: 'Ada Lovelace', age: 36, ok: true, tags: ['x'] },
      { name: 'Ada Lovelace', age: 36, ok: true, tags: ['x'] },
    ]);
    expect(reader.done).toBe(true);
  });

  it('splits inside escapes and surrogate pairs', () => {
    const text = JSON.stringify({ s: 'a"b\\c\n\u00e9😀', e: 'x' }).replace('😀', '\\ud83d\\ude00');
    for (let i = 0; i <= text.length; i++) {
      for (let j = i; j <= text.length; j += 3) {
        const reader = new PartialJsonReader();
        [text.slice(0, i), text.slice(i, j), text.slice(j)].forEach((piece) => reader.push(piece));
        expect(reader.end()).toEqual({ s: 'a"b\\c\né😀', e: 'x' });
      }
    }
  });

  it('keeps a __proto__ key as an own property, as JSON.parse does', () => {
    const reader = new PartialJsonReader();
    reader.push('{"__proto__": {"polluted": 1}}');
    const value = reader.end() as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(value).toStrictEqual(JSON.parse('{"__proto__": {"polluted": 1}}'));
  });

  it('names what is wrong in text that is not JSON', () => {
    const cases: [string, RegExp][] = [
      ['{"a": 1 "b": 2}', /expected "," or "}", found """/],
      ['{"a": tru}', /unexpected "tru"/],
      ['{"a": 01}', /invalid number "01"/],
      ['{"a": "\\x"}', /invalid escape \\x/],
      ['{"a": [1, 2', /ended before the value was complete/],
      ['no json here', /holds no JSON value/],
    ];
    for (const [text, message] of cases) {
      const reader = new PartialJsonReader();
      reader.push(text);
      expect(() => reader.end()).toThrow(JsonReadError);
      expect(() => reader.end()).toThrow(message);
    }
    const strict = new PartialJsonReader({ lenient: false });
    strict.push('[1,]');
    expect(() => strict.end()).toThrow(/unexpected "]"/);
  });
});

describe('readJsonText', () => {
  it('reads plain JSON, a fenced block, text around it and trailing commas', () => {
    expect(readJsonText('{"a": 1}')).toEqual({ a: 1 });
    expect(readJsonText('Sure! {see below}\n```json\n{"a": [1, 2,], "b": {"c": true,},}\n```\nDone.')).toEqual({ a: [1, 2], b: { c: true } });
    expect(readJsonText('The answer: {"a": "}"} — hope it helps')).toEqual({ a: '}' });
    expect(readJsonText('```\n[{"x": 1}]\n```')).toEqual([{ x: 1 }]);
    expect(() => readJsonText('I cannot help with that.')).toThrow(/holds no JSON value/);
  });
});

/**
 * An incremental reader of JSON text that arrives in pieces (a model's answer, delta by
 * delta). It keeps its scanner state between pieces, so the total cost grows linearly with
 * the length of the text; re-parsing the whole text on every delta would be quadratic.
 *
 * After each `push()`, `snapshot()` is the value read so far, deep-partial and growing:
 * objects hold the properties whose value has begun, arrays the elements begun, strings the
 * characters read so far; numbers, `true`, `false` and `null` appear once complete. Every
 * snapshot is a prefix-consistent view of the final value (a later one only adds to it).
 * Snapshots share the parts that are complete and never change; only the open containers
 * (on the path being read) are copied, so they stay valid after later pushes.
 *
 * Lenient by default: text before the value (prose, a ```json fence line) and after it is
 * skipped, and a trailing comma before `]` or `}` is accepted.
 */
import { JsonReadError } from './json-read.error.js';

/** What the reader is doing. */
const enum S {
  /** Before the root value (skipping prose when lenient). */
  Before,
  /** A value must come (or `]` right after `[`, or after a trailing comma). */
  Value,
  /** In an object: a key or `}` must come. */
  Key,
  Colon,
  /** After a value: `,` or the container's end. */
  After,
  String,
  Escape,
  Unicode,
  Number,
  Literal,
  /** The root value is complete. */
  Done,
  Failed,
}

interface Frame {
  container: Record<string, unknown> | unknown[];
  isArray: boolean;
  /** Where the container sits in its parent: an index or a key (undefined for the root). */
  slot?: number | string;
  /** The key whose value comes next (objects). */
  key?: string;
  /** Completed elements are reported (array output). */
  elements: boolean;
}

export interface PartialJsonReaderOptions {
  /** Skip text before and after the value and accept trailing commas. Default true. */
  lenient?: boolean;
  /** Lenient: the root is the first `{` (`'object'`), the first `[` (`'array'`), or either (default). */
  root?: 'object' | 'array' | 'any';
  /**
   * Called once for each complete element of the top-level array: the root array, or the
   * array in the root object's `elementsKey` property when one is given.
   */
  onElement?: (element: unknown, index: number) => void;
  elementsKey?: string;
}

const WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);
const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
const LITERALS: Record<string, unknown> = { true: true, false: false, null: null };

function setKey(object: Record<string, unknown>, key: string, value: unknown): void {
  // JSON.parse makes "__proto__" an own property; an assignment would set the prototype
  if (key === '__proto__') Object.defineProperty(object, key, { value, writable: true, enumerable: true, configurable: true });
  else object[key] = value;
}

export class PartialJsonReader {
  private state: S = S.Before;
  private readonly stack: Frame[] = [];
  private root: unknown = undefined;
  private hasRoot = false;
  /** The string being read, and whether it is a key. */
  private text = '';
  private isKey = false;
  /** The value string shown in the partial view (placed when it began). */
  private openString = false;
  private unicode = '';
  private token = '';
  private literal = '';
  private afterComma = false;
  private fence = 0;
  private offset = 0;
  private changed = false;
  private elementCount = 0;
  private failure?: JsonReadError;
  private readonly lenient: boolean;
  private readonly rootStarts: string;

  constructor(private readonly options: PartialJsonReaderOptions = {}) {
    this.lenient = options.lenient ?? true;
    this.rootStarts = options.root === 'object' ? '{' : options.root === 'array' ? '[' : '{[';
  }

  /** True once the root value is complete. */
  get done(): boolean {
    return this.state === S.Done;
  }

  /** The error that stopped the reader, if any. */
  get error(): JsonReadError | undefined {
    return this.failure;
  }

  /** Reads one more piece; true when the partial value changed. Never throws: see `error`. */
  push(delta: string): boolean {
    if (this.state === S.Failed || delta === '') return false;
    this.changed = false;
    try {
      this.scan(delta);
    } catch (error) {
      if (!(error instanceof JsonReadError)) throw error;
      this.failure = error;
      this.state = S.Failed;
      return false;
    } finally {
      this.offset += delta.length;
    }
    if (this.openString) this.showString();
    return this.changed;
  }

  /** The value read so far (`undefined` before it begins); see the top of this file. */
  snapshot(): unknown {
    if (this.stack.length === 0) return this.root;
    const copies = this.stack.map((frame) => (frame.isArray ? (frame.container as unknown[]).slice() : { ...frame.container }));
    for (let i = 1; i < copies.length; i++) {
      const slot = this.stack[i].slot!;
      if (Array.isArray(copies[i - 1])) (copies[i - 1] as unknown[])[slot as number] = copies[i];
      else setKey(copies[i - 1] as Record<string, unknown>, slot as string, copies[i]);
    }
    return copies[0];
  }

  /** The final value: throws JsonReadError when the text held no complete JSON value. */
  end(): unknown {
    if (this.failure) throw this.failure;
    if (this.state === S.Number && this.stack.length === 0) this.endNumber();
    if (this.state === S.Literal && this.stack.length === 0) this.endLiteral();
    if (this.state !== S.Done) {
      throw (this.failure = new JsonReadError(
        this.hasRoot ? 'the JSON ended before the value was complete (a truncated answer?)' : 'the answer holds no JSON value',
        this.offset,
      ));
    }
    return this.root;
  }

  private fail(why: string, at = this.offset): never {
    throw new JsonReadError(why, at);
  }

  private scan(chunk: string): void {
    const length = chunk.length;
    let i = 0;
    while (i < length) {
      switch (this.state) {
        case S.String: {
          // the hot path: copy the run up to the next quote or backslash at once
          let j = i;
          while (j < length) {
            const c = chunk.charCodeAt(j);
            if (c === 0x22 || c === 0x5c) break;
            j++;
          }
          if (j > i) {
            this.text += chunk.slice(i, j);
            if (this.openString) this.changed = true;
          }
          if (j === length) return;
          if (chunk.charCodeAt(j) === 0x5c) this.state = S.Escape;
          else this.endString();
          i = j + 1;
          continue;
        }
        case S.Escape: {
          const c = chunk[i++];
          if (c === 'u') {
            this.unicode = '';
            this.state = S.Unicode;
          } else {
            const escaped = ESCAPES[c];
            if (escaped === undefined) this.fail(`invalid escape \\${c} in a string`, this.offset + i - 1);
            this.text += escaped;
            if (this.openString) this.changed = true;
            this.state = S.String;
          }
          continue;
        }
        case S.Unicode: {
          const c = chunk[i++];
          if (!/[0-9a-fA-F]/.test(c)) this.fail(`invalid \\u escape in a string`, this.offset + i - 1);
          this.unicode += c;
          if (this.unicode.length === 4) {
            this.text += String.fromCharCode(parseInt(this.unicode, 16));
            if (this.openString) this.changed = true;
            this.state = S.String;
          }
          continue;
        }
        case S.Number: {
          let j = i;
          while (j < length && /[0-9eE+\-.]/.test(chunk[j])) j++;
          this.token += chunk.slice(i, j);
          i = j;
          if (i < length) this.endNumber();
          continue;
        }
        case S.Literal: {
          const c = chunk[i];
          if (!/[a-z]/.test(c)) {
            this.endLiteral();
            continue;
          }
          this.token += c;
          i++;
          if (!this.literal.startsWith(this.token)) this.fail(`unexpected "${this.token}"`, this.offset + i - this.token.length);
          continue;
        }
        case S.Before: {
          const c = chunk[i];
          if (this.lenient) {
            // ``` opens a fence: its language tag (json) is not the value
            if (c === '`') this.fence++;
            else if (this.fence >= 3 && c !== '\n') {
              i++;
              continue;
            } else this.fence = 0;
            if (this.rootStarts.includes(c)) this.beginValue(c, i);
            i++;
            continue;
          }
          i++;
          if (WHITESPACE.has(c.charCodeAt(0))) continue;
          this.beginValue(c, i - 1);
          if ((this.state as S) === S.Number || (this.state as S) === S.Literal) i--;
          continue;
        }
        case S.Done: {
          const c = chunk.charCodeAt(i++);
          if (!this.lenient && !WHITESPACE.has(c)) this.fail('unexpected text after the JSON value', this.offset + i - 1);
          if (this.lenient) return;
          continue;
        }
        default: {
          const c = chunk[i];
          if (WHITESPACE.has(c.charCodeAt(0))) {
            i++;
            continue;
          }
          this.structural(c, i);
          if ((this.state as S) !== S.Number && (this.state as S) !== S.Literal) i++;
        }
      }
    }
  }

  /** A non-blank character outside strings, numbers and literals. */
  private structural(c: string, i: number): void {
    const top = this.stack[this.stack.length - 1];
    switch (this.state) {
      case S.Value:
        if (c === ']' && top?.isArray && (this.lenient || !this.afterComma)) return this.close(c, i);
        return this.beginValue(c, i);
      case S.Key:
        if (c === '"') {
          this.text = '';
          this.isKey = true;
          this.state = S.String;
          return;
        }
        if (c === '}' && (this.lenient || !this.afterComma)) return this.close(c, i);
        return this.fail(`expected a property name, found "${c}"`, this.offset + i);
      case S.Colon:
        if (c !== ':') this.fail(`expected ":", found "${c}"`, this.offset + i);
        this.state = S.Value;
        this.afterComma = false;
        return;
      case S.After:
        if (c === ',') {
          this.afterComma = true;
          this.state = top.isArray ? S.Value : S.Key;
          return;
        }
        if (c === (top.isArray ? ']' : '}')) return this.close(c, i);
        return this.fail(`expected "," or "${top.isArray ? ']' : '}'}", found "${c}"`, this.offset + i);
    }
  }

  private beginValue(c: string, i: number): void {
    this.hasRoot = true;
    if (c === '{' || c === '[') {
      const isArray = c === '[';
      const container = isArray ? [] : {};
      const parent = this.stack[this.stack.length - 1];
      const slot = this.place(container);
      const elements =
        this.options.onElement !== undefined &&
        isArray &&
        (parent === undefined || (this.stack.length === 1 && !parent.isArray && slot === this.options.elementsKey));
      this.stack.push({ container, isArray, slot, elements });
      this.state = isArray ? S.Value : S.Key;
      this.afterComma = false;
      this.changed = true;
      return;
    }
    if (c === '"') {
      this.text = '';
      this.isKey = false;
      this.openString = true;
      this.place('');
      this.state = S.String;
      this.changed = true;
      return;
    }
    if (c === '-' || (c >= '0' && c <= '9')) {
      this.token = '';
      this.state = S.Number;
      return;
    }
    const literal = c === 't' ? 'true' : c === 'f' ? 'false' : c === 'n' ? 'null' : undefined;
    if (literal) {
      this.token = '';
      this.literal = literal;
      this.state = S.Literal;
      return;
    }
    this.fail(`unexpected "${c}"`, this.offset + i);
  }

  /** Puts a value where the next one goes; returns its slot. */
  private place(value: unknown): number | string | undefined {
    const top = this.stack[this.stack.length - 1];
    if (!top) {
      this.root = value;
      return undefined;
    }
    if (top.isArray) {
      const array = top.container as unknown[];
      array.push(value);
      return array.length - 1;
    }
    setKey(top.container as Record<string, unknown>, top.key!, value);
    return top.key;
  }

  /** The open value string, as read so far, into its slot. */
  private showString(): void {
    const top = this.stack[this.stack.length - 1];
    if (!top) this.root = this.text;
    else if (top.isArray) (top.container as unknown[])[(top.container as unknown[]).length - 1] = this.text;
    else setKey(top.container as Record<string, unknown>, top.key!, this.text);
  }

  private endString(): void {
    if (this.isKey) {
      this.stack[this.stack.length - 1].key = this.text;
      this.state = S.Colon;
      return;
    }
    this.showString();
    this.openString = false;
    this.changed = true;
    this.completed(this.text);
  }

  private endNumber(): void {
    if (!NUMBER.test(this.token)) this.fail(`invalid number "${this.token}"`, this.offset);
    const value = Number(this.token);
    this.place(value);
    this.changed = true;
    this.completed(value);
  }

  private endLiteral(): void {
    if (this.token !== this.literal) this.fail(`unexpected "${this.token}"`, this.offset);
    const value = LITERALS[this.literal];
    this.place(value);
    this.changed = true;
    this.completed(value);
  }

  private close(c: string, i: number): void {
    const frame = this.stack.pop()!;
    if (c !== (frame.isArray ? ']' : '}')) this.fail(`unexpected "${c}"`, this.offset + i);
    this.changed = true;
    this.completed(frame.container);
  }

  /** A value is complete: report it as an element when it is one, then expect what follows it. */
  private completed(value: unknown): void {
    const top = this.stack[this.stack.length - 1];
    if (!top) {
      this.state = S.Done;
      return;
    }
    if (top.elements) this.options.onElement!(value, this.elementCount++);
    this.state = S.After;
    this.afterComma = false;
  }
}

const FENCE = /```[A-Za-z]*[ \t]*\r?\n?([\s\S]*?)```/;

/**
 * Reads a whole answer as JSON, leniently: plain JSON, or JSON inside a ```json fence, or
 * with text before or after it, or with a trailing comma. Throws JsonReadError.
 */
export function readJsonText(text: string, options: Omit<PartialJsonReaderOptions, 'onElement' | 'lenient'> = {}): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // not plain JSON: read it leniently
  }
  const fenced = FENCE.exec(text)?.[1];
  if (fenced !== undefined) {
    const reader = new PartialJsonReader({ ...options, lenient: true });
    reader.push(fenced);
    try {
      return reader.end();
    } catch {
      // the fence held something else: read the whole text
    }
  }
  const reader = new PartialJsonReader({ ...options, lenient: true });
  reader.push(text);
  return reader.end();
}

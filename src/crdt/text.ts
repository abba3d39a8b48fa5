// Collaborative text: a value that lives in a tracked tree like a string field, but is bound
// to a `Y.Text`, so concurrent typing merges character by character instead of the last
// writer replacing the whole string.
//
// The core stores it as an "embedded value" (kept by reference instead of copied, reporting
// its own edits, see src/core/embedded.ts). See docs/crdt.md.
import { EMBEDDED, type EmbeddedHooks, type EmbeddedReport } from '../core/index.js';

/** The Change op a text edit is reported with: args `[index, deleteCount, inserted]`, previous = the deleted text. */
export const TEXT_OP = 'text';

/** Target size of the rope's chunks. */
const CHUNK = 1024;

/**
 * A string field that merges concurrent edits character-wise when its tree is bound to a
 * Y.Doc (it maps to a `Y.Text`). Create it with `text()`; edit it in place with `insert` and
 * `delete`; read it with `toString()`. Each edit is reported as a Change with op `'text'`,
 * args `[index, deleteCount, inserted]` and `previous` the deleted text; a remote edit
 * arrives the same way with `origin: 'remote'`.
 */
export class TrackedText {
  // The content as a list of short chunks (a simple rope): an edit in a long text copies one
  // chunk, not the whole string, so replaying a long editing session stays linear.
  #chunks: string[] = [];
  #length = 0;
  #joined: string | undefined = '';
  /** Index and start offset of the chunk last edited: typing is local, so look there first. */
  #cursor = 0;
  #cursorStart = 0;
  #report: EmbeddedReport | undefined;

  constructor(initial = '') {
    const str = String(initial);
    for (let i = 0; i < str.length; i += CHUNK) this.#chunks.push(str.slice(i, i + CHUNK));
    this.#length = str.length;
    this.#joined = str;
  }

  /** The number of UTF-16 code units, like `string.length`. */
  get length(): number {
    return this.#length;
  }

  /** Inserts `str` before position `index` (clamped to the text). */
  insert(index: number, str: string): void {
    if (str.length === 0) return;
    this.splice(index, 0, str);
  }

  /** Deletes `count` characters from `index` (clamped to the text). */
  delete(index: number, count: number): void {
    this.splice(index, count, '');
  }

  /** Replaces `count` characters at `index` by `str` as one edit. */
  splice(index: number, count: number, str = ''): void {
    const at = Math.max(0, Math.min(Math.trunc(index) || 0, this.#length));
    const n = Math.max(0, Math.min(Math.trunc(count) || 0, this.#length - at));
    if (n === 0 && str.length === 0) return;
    const removed = this.#edit(at, n, String(str));
    this.#report?.(TEXT_OP, [at, n, str], removed);
  }

  toString(): string {
    return (this.#joined ??= this.#chunks.join(''));
  }

  toJSON(): string {
    return this.toString();
  }

  /** Finds the chunk holding position `at` (the one it ends, for an insertion at its end). */
  #find(at: number): [number, number] {
    let i = this.#cursor;
    let start = this.#cursorStart;
    if (i >= this.#chunks.length || start > at) {
      i = 0;
      start = 0;
    }
    while (i < this.#chunks.length - 1 && start + this.#chunks[i]!.length < at) start += this.#chunks[i++]!.length;
    return [i, start];
  }

  #edit(at: number, n: number, str: string): string {
    this.#joined = undefined;
    this.#length += str.length - n;
    if (this.#chunks.length === 0) {
      this.#chunks.push(str);
      this.#cursor = this.#cursorStart = 0;
      return '';
    }
    const [first, start] = this.#find(at);
    // Gather the chunks the edit spans into one string, edit it, split it back.
    let last = first;
    let span = this.#chunks[first]!;
    while (start + span.length < at + n && last + 1 < this.#chunks.length) span += this.#chunks[++last]!;
    const o = at - start;
    const removed = span.slice(o, o + n);
    const edited = span.slice(0, o) + str + span.slice(o + n);
    const pieces: string[] = [];
    for (let i = 0; i < edited.length; i += CHUNK) pieces.push(edited.slice(i, i + CHUNK));
    if (edited.length > 0 && edited.length <= 2 * CHUNK) pieces.splice(0, pieces.length, edited);
    this.#chunks.splice(first, last - first + 1, ...pieces);
    this.#cursor = first;
    this.#cursorStart = start;
    return removed;
  }

  get [EMBEDDED](): EmbeddedHooks {
    return {
      attach: (report) => {
        this.#report = report;
      },
      undo: (_op, args, previous) => {
        const [at, , str] = args as [number, number, string];
        this.#edit(at, str.length, String(previous));
      },
      snapshot: () => this.toString(),
      clone: () => new TrackedText(this.toString()),
    };
  }
}

/**
 * A collaborative text value for a field of a tracked tree: `state.title = text('Draft')`,
 * then `state.title.insert(5, ' 2')`. Plain strings stay last-writer-wins; use `text()` where
 * several people type into the same string.
 */
export function text(initial = ''): TrackedText {
  return new TrackedText(initial);
}

/** True for a `text()` value. */
export function isText(value: unknown): value is TrackedText {
  return value instanceof TrackedText;
}

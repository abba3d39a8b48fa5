// Collaborative text: a value that lives in a tracked tree like a string field, but is bound
// to a `Y.Text`, so concurrent typing merges character by character instead of the last
// writer replacing the whole string.
//
// The core stores it as an "embedded value" (kept by reference instead of copied, reporting
// its own edits, see src/core/embedded.ts). See docs/crdt.md.
import { EMBEDDED, type EmbeddedHooks, type EmbeddedReport } from '../core/index.js';

/** The Change op a text edit is reported with: args `[index, deleteCount, inserted]`, previous = the deleted text. */
export const TEXT_OP = 'text';

/**
 * A string field that merges concurrent edits character-wise when its tree is bound to a
 * Y.Doc (it maps to a `Y.Text`). Create it with `text()`; edit it in place with `insert` and
 * `delete`; read it with `toString()`. Each edit is reported as a Change with op `'text'`,
 * args `[index, deleteCount, inserted]` and `previous` the deleted text; a remote edit
 * arrives the same way with `origin: 'remote'`.
 */
export class TrackedText {
  #value: string;
  #report: EmbeddedReport | undefined;

  constructor(initial = '') {
    this.#value = String(initial);
  }

  /** The number of UTF-16 code units, like `string.length`. */
  get length(): number {
    return this.#value.length;
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
    const at = Math.max(0, Math.min(Math.trunc(index) || 0, this.#value.length));
    const n = Math.max(0, Math.min(Math.trunc(count) || 0, this.#value.length - at));
    if (n === 0 && str.length === 0) return;
    const removed = this.#value.slice(at, at + n);
    this.#value = this.#value.slice(0, at) + str + this.#value.slice(at + n);
    this.#report?.(TEXT_OP, [at, n, str], removed);
  }

  toString(): string {
    return this.#value;
  }

  toJSON(): string {
    return this.#value;
  }

  get [EMBEDDED](): EmbeddedHooks {
    return {
      attach: (report) => {
        this.#report = report;
      },
      detach: () => {
        this.#report = undefined;
      },
      undo: (_op, args, previous) => {
        const [at, , str] = args as [number, number, string];
        this.#value = this.#value.slice(0, at) + String(previous) + this.#value.slice(at + str.length);
      },
      snapshot: () => this.#value,
      clone: () => new TrackedText(this.#value),
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

// Splicing long item lists: `a.splice(i, n, ...items)` passes every item as an argument, and
// an engine refuses calls with more than about 100k arguments (RangeError). A Yjs delta of a
// big insert (a peer's bulk push, a loaded array) can be longer than that.

/** Items per call: far below every engine's argument limit. */
const CHUNK = 10_000;

/**
 * `target.splice(at, count, ...items)` for any length of `items`: one call when they are
 * few, else the deletion and the first chunk, then one insert per further chunk. `target`
 * may be a tracked array (each call is then one Change).
 */
export function spliceChunked(target: unknown[], at: number, count: number, items: readonly unknown[]): void {
  if (items.length <= CHUNK) {
    target.splice(at, count, ...items);
    return;
  }
  target.splice(at, count, ...items.slice(0, CHUNK));
  for (let i = CHUNK; i < items.length; i += CHUNK) target.splice(at + i, 0, ...items.slice(i, i + CHUNK));
}

// The smallest honest edit that turns a Y.Array into the new order of its tracked array after
// sort / reverse / fill / copyWithin: keep the common prefix and suffix, keep the longest run
// of surviving items that is already in order, delete and re-insert everything else. Yjs 13
// has no move, so a moved container is deleted and inserted again as a copy.
import type * as Y from 'yjs';
import { toY, type Registry, type YType } from './convert.js';

/** Indexes (into `seq`) of one longest strictly increasing subsequence, ignoring -1 entries. */
function increasingRun(seq: readonly number[]): Set<number> {
  const tails: number[] = []; // index into seq of the smallest tail of each length
  const prev = new Array<number>(seq.length).fill(-1);
  for (let i = 0; i < seq.length; i++) {
    const v = seq[i]!;
    if (v < 0) continue;
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (seq[tails[mid]!]! < v) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0) prev[i] = tails[lo - 1]!;
    tails[lo] = i;
  }
  const keep = new Set<number>();
  for (let i = tails.length ? tails[tails.length - 1]! : -1; i >= 0; i = prev[i]!) keep.add(i);
  return keep;
}

/**
 * Edits `y` (whose items stand for the array before the change) into `next` (the stored
 * items now). Containers match by identity through `reg`, primitives by value. Returns the
 * Y types it created, so that later changes inside them in the same batch can be skipped.
 */
export function reorder(y: Y.Array<unknown>, next: readonly unknown[], reg: Registry, created: Set<YType>): void {
  const old = y.toArray().map((v) => (typeof v === 'object' && v !== null ? (reg.rawOf(v as YType) ?? v) : v));
  let p = 0;
  while (p < old.length && p < next.length && old[p] === next[p]) p++;
  let s = 0;
  while (s < old.length - p && s < next.length - p && old[old.length - 1 - s] === next[next.length - 1 - s]) s++;
  const oldEnd = old.length - s;
  const newEnd = next.length - s;

  // Match each new item to an unused old one: containers by identity, primitives in order.
  const byValue = new Map<unknown, number[]>();
  for (let i = oldEnd - 1; i >= p; i--) {
    const list = byValue.get(old[i]);
    if (list) list.push(i);
    else byValue.set(old[i], [i]);
  }
  const matched: number[] = [];
  for (let j = p; j < newEnd; j++) matched.push(byValue.get(next[j])?.pop() ?? -1);
  const keepNew = increasingRun(matched);
  const keepOld = new Set<number>();
  for (const j of keepNew) keepOld.add(matched[j]!);

  // Deletions from the end so that earlier indexes stay valid; runs become one delete.
  for (let i = oldEnd - 1; i >= p; ) {
    if (keepOld.has(i)) {
      i--;
      continue;
    }
    let start = i;
    while (start - 1 >= p && !keepOld.has(start - 1)) start--;
    y.delete(start, i - start + 1);
    i = start - 1;
  }
  // Insertions in order; the kept items are now exactly the kept new items, in order.
  let pos = p;
  for (let j = 0; j < newEnd - p; ) {
    if (keepNew.has(j)) {
      pos++;
      j++;
      continue;
    }
    const run: unknown[] = [];
    while (j < newEnd - p && !keepNew.has(j)) {
      const v = toY(next[p + j], reg);
      if (typeof v === 'object' && v !== null) created.add(v as YType);
      run.push(v);
      j++;
    }
    y.insert(pos, run);
    pos += run.length;
  }
}

// diff(a, b): the edits that turn `a` into `b`, recursing into containers of the same kind so
// that an edit deep inside a large tree stays one small op.
import { isTracked, snapshot, TinysyncError, type PathKey } from '../core/index.js';
import type { Op } from './ops.js';
import { clone, equal, get, has, keysOf, kindOf, type Kind } from './values.js';

/**
 * The list of ops that turns `a` into `b` (two objects, arrays, Maps or Sets of the same
 * kind, plain or tracked; neither is modified). Objects and Maps are compared key by key,
 * Sets member by member, and containers of the same kind under the same key are compared
 * recursively. Arrays lose their common prefix and suffix first: an append, a removal or an
 * insertion in the middle is one `splice` op, and an edit inside an item is an op at that
 * item's path. Each op carries the old value, so `revert(b, ops)` gives `a` back.
 *
 * @example
 * diff({ n: 1, list: [1, 2, 3] }, { n: 2, list: [1, 9, 2, 3] });
 * // [{ op: 'set', path: ['n'], value: 2, old: 1 },
 * //  { op: 'splice', path: ['list'], index: 1, remove: [], insert: [9] }]
 */
export function diff<T extends object>(a: T, b: T): Op[] {
  const x = plain(a);
  const y = plain(b);
  const kind = kindOf(x, []);
  if (kind === 'primitive' || kind !== kindOf(y, [])) throw new TinysyncError('E_DIFF', 'tinysync: cannot diff mixed kinds or primitives');
  return walk(x, y, kind, [], []);
}

/** A tracked value's current contents (its snapshot); a plain value as it is. */
const plain = (v: object): unknown => (isTracked(v) ? snapshot(v) : v);

/**
 * Ops between two containers of the same kind, key by key (a Set's keys are its members, an
 * array's its indexes): values under the same key that are containers of the same kind are
 * compared inside, others replaced. Arrays of different lengths become one splice instead.
 * Appends to `ops` and returns it.
 */
function walk(a: unknown, b: unknown, kind: Kind, path: PathKey[], ops: Op[]): Op[] {
  if (kind === 'array' && (a as unknown[]).length !== (b as unknown[]).length) return splice(a as unknown[], b as unknown[], path, ops);
  for (const k of new Set([...keysOf(a, kind), ...keysOf(b, kind)])) {
    const x = get(a, k);
    const y = get(b, k);
    const inA = has(a, k);
    const inB = has(b, k);
    if (inA && inB && equal(x, y)) continue;
    const at = [...path, k as PathKey];
    if (inA && inB) {
      const inner = kindOf(x, at);
      if (inner !== 'primitive' && inner === kindOf(y, at)) walk(x, y, inner, at, ops);
      else ops.push({ op: 'set', path: at, value: clone(y, at), old: clone(x, at) });
    } else if (kind === 'set') ops.push({ op: inB ? 'add' : 'discard', path, value: k as string });
    else ops.push(inB ? { op: 'set', path: at, value: clone(y, at) } : { op: 'delete', path: at, old: clone(x, at) });
  }
  return ops;
}

/**
 * Arrays of different lengths: without their common prefix and suffix, what is left is one
 * splice (an append, a removal, an insertion, or a replaced run of another length).
 */
function splice(a: unknown[], b: unknown[], path: PathKey[], ops: Op[]): Op[] {
  let start = 0;
  let endA = a.length;
  let endB = b.length;
  while (start < endA && start < endB && equal(a[start], b[start])) start++;
  while (endA > start && endB > start && equal(a[endA - 1], b[endB - 1])) {
    endA--;
    endB--;
  }
  const items = (arr: unknown[], end: number) => arr.slice(start, end).map((v, i) => clone(v, [...path, start + i]));
  ops.push({ op: 'splice', path, index: start, remove: items(a, endA), insert: items(b, endB) });
  return ops;
}

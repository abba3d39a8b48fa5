// The edit operations that diff() produces and patch() / revert() apply. Each op carries the
// value it replaces or removes, so an op list can be undone with nothing but itself.
import type { PathKey } from '../core/index.js';

/**
 * Writes `value` at `path` (whose last key is an object key, a Map key or an existing array
 * index). `old` is the value that was there; it is absent when the key was new.
 *
 * @example { op: 'set', path: ['user', 'name'], value: 'Ada', old: 'ada' }
 */
export interface SetOp {
  op: 'set';
  path: PathKey[];
  value: unknown;
  old?: unknown;
}

/**
 * Removes the object or Map key that `path` ends with; `old` is the removed value.
 *
 * @example { op: 'delete', path: ['user', 'nickname'], old: 'the countess' }
 */
export interface DeleteOp {
  op: 'delete';
  path: PathKey[];
  old: unknown;
}

/**
 * Replaces the items `remove` found at `index` of the array at `path` with `insert`: one op
 * for an append, a removal, an insertion in the middle or a replaced run of items.
 *
 * @example { op: 'splice', path: ['todos'], index: 2, remove: [], insert: [{ title: 'new' }] }
 */
export interface SpliceOp {
  op: 'splice';
  path: PathKey[];
  index: number;
  remove: unknown[];
  insert: unknown[];
}

/** Adds the primitive `value` to the Set at `path`. @example { op: 'add', path: ['tags'], value: 'urgent' } */
export interface AddOp {
  op: 'add';
  path: PathKey[];
  value: string | number | boolean | null;
}

/** Removes the primitive `value` from the Set at `path`. @example { op: 'discard', path: ['tags'], value: 'draft' } */
export interface DiscardOp {
  op: 'discard';
  path: PathKey[];
  value: string | number | boolean | null;
}

/**
 * One edit of a structure, as `diff` produces it and `patch` / `revert` apply it. Paths are
 * arrays of keys from the patched root, as in `Change.path`. Ops are plain data: they survive
 * `JSON.stringify` as long as their values hold no Map or Set (use `structuredClone` or a
 * Map/Set-aware encoding for those). Values in ops are copies, never shared with `a` or `b`.
 */
export type Op = SetOp | DeleteOp | SpliceOp | AddOp | DiscardOp;

// patch(target, ops) and revert(target, ops): apply ops in place, checking before each one
// that the target holds what the op expects, all or nothing.
import { isTracked, transact, type PathKey } from '../core/index.js';
import { PatchError } from './errors.js';
import type { Op } from './ops.js';
import { clone, equal, get, has, kindOf, put, remove } from './values.js';

/** An op as it may arrive (from JSON, say): every field is checked before use. */
interface UncheckedOp {
  op: string;
  path: PathKey[];
  value?: unknown;
  old?: unknown;
  index?: number;
  remove?: unknown[];
  insert?: unknown[];
}

/**
 * Applies `ops` (from `diff(a, b)`) to `target`, which should equal `a`; afterwards it equals
 * `b`. Before each op, the target must hold what the op expects (the old value, an absent key
 * for a new one, the removed items, the Set member); otherwise a `PatchError` (code `E_PATCH`,
 * naming the path) is thrown and the target is left as it was. A tracked target is patched in
 * one `transact`: subscribers receive one batch with one Change per op. Plain values work too.
 *
 * @example
 * const state = track({ todos: [{ title: 'a', done: false }] });
 * patch(state, [{ op: 'set', path: ['todos', 0, 'done'], value: true, old: false }]);
 */
export function patch(target: object, ops: readonly Op[]): void {
  if (isTracked(target)) return transact(target, () => ops.forEach((op) => apply(target, op)));
  let done = 0;
  try {
    for (const op of ops) {
      apply(target, op);
      done++;
    }
  } catch (e) {
    // Undo what did apply: every op carries its own inverse.
    while (done) apply(target, invert(ops[--done]!), false);
    throw e;
  }
}

/**
 * Undoes `ops` on `target` (which should equal the `b` of `diff(a, b)`): afterwards it equals
 * `a` again. Needs nothing but the ops, since each carries the value it replaced. Checks and
 * tracked targets work as in `patch`.
 */
export function revert(target: object, ops: readonly Op[]): void {
  patch(target, ops.map(invert).reverse());
}

/** The op that undoes `op`. */
function invert(op: Op): Op {
  switch (op.op) {
    case 'set':
      return op.old === undefined ? { op: 'delete', path: op.path, old: op.value } : { ...op, value: op.old, old: op.value };
    case 'delete':
      return { op: 'set', path: op.path, value: op.old };
    case 'splice':
      return { ...op, remove: op.insert, insert: op.remove };
    case 'add':
      return { ...op, op: 'discard' };
    case 'discard':
      return { ...op, op: 'add' };
  }
  return op; // unknown: patch() refuses it
}

/**
 * Applies one op. Every op but `splice` comes down to one key of one container: the last key
 * of the path for `set` / `delete`, the member itself for a Set's `add` / `discard`. The key
 * must hold the expected value (undefined meaning absent) unless `check` is off.
 */
function apply(root: object, op: Op, check = true): void {
  const { op: name, path, value, old, index, remove: removed, insert } = op as UncheckedOp;
  const fail = (): never => {
    throw new PatchError(String(name), Array.isArray(path) ? [...path] : []);
  };
  if (!Array.isArray(path)) return fail();
  const keyed = name === 'set' || name === 'delete';
  const end = keyed ? path.length - 1 : path.length;
  let c: unknown = root;
  for (const key of path.slice(0, end)) c = has(c, key) ? get(c, key) : undefined;
  const kind = kindOf(c);
  if (name === 'splice') {
    const arr = c as unknown[];
    if (
      kind !== 'array' ||
      !Array.isArray(removed) ||
      !Array.isArray(insert) ||
      !Number.isInteger(index) ||
      index! < 0 ||
      index! + removed.length > arr.length ||
      (check && !removed.every((v, i) => equal(arr[index! + i], v)))
    ) {
      return fail();
    }
    arr.splice(index!, removed.length, ...insert.map((v) => clone(v, path)));
    return;
  }
  const members = name === 'add' || name === 'discard';
  const key = members ? value : path[end];
  const fits = members
    ? kind === 'set'
    : keyed &&
      (kind === 'array'
        ? name === 'set' && Number.isInteger(key) && (key as number) >= 0 && (key as number) < (c as unknown[]).length
        : (kind === 'object' || kind === 'map') && typeof key === 'string');
  if (!fits) return fail();
  const removing = name === 'delete' || name === 'discard';
  const expected = name === 'add' ? undefined : members ? value : old;
  if (check && ((removing && expected === undefined) || !equal(has(c, key) ? get(c, key) : undefined, expected))) fail();
  if (removing) remove(c, key);
  else put(c, key, clone(value, path));
}

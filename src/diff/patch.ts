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
  applyAll(target, ops, false);
}

/**
 * Undoes `ops` on `target` (which should equal the `b` of `diff(a, b)`): afterwards it equals
 * `a` again. Needs nothing but the ops, since each carries the value it replaced. Checks and
 * tracked targets work as in `patch`.
 */
export function revert(target: object, ops: readonly Op[]): void {
  applyAll(target, [...ops].reverse(), true);
}

function applyAll(target: object, ops: readonly Op[], backwards: boolean): void {
  if (isTracked(target)) return transact(target, () => ops.forEach((op) => apply(target, op, backwards)));
  let done = 0;
  try {
    for (const op of ops) {
      apply(target, op, backwards);
      done++;
    }
  } catch (e) {
    // Undo what did apply, by applying it the other way.
    while (done) apply(target, ops[--done]!, !backwards);
    throw e;
  }
}

/**
 * Applies one op (`backwards`: undoes it), after checking that the target holds what the op
 * expects. Every op but `splice` comes down to one key of one container (the last key of the
 * path for `set` / `delete`, the member itself for a Set's `add` / `discard`) that goes from
 * one value to another, undefined standing for an absent key; backwards swaps the two.
 * Undoing ops that did apply passes the checks by construction.
 */
function apply(root: object, op: Op, backwards: boolean): void {
  const { op: name, path, value, old, index, remove: removed, insert } = op as UncheckedOp;
  const fail = (): never => {
    throw new PatchError(name, Array.isArray(path) ? [...path] : []);
  };
  if (!Array.isArray(path)) return fail();
  const keyed = name === 'set' || name === 'delete';
  let c: unknown = root;
  for (const key of keyed ? path.slice(0, -1) : path) c = get(c, key);
  const kind = kindOf(c);
  const members = name === 'add' || name === 'discard';
  // set / delete work on objects, Maps and arrays (where the key checks below refuse a delete).
  if (!(keyed ? kind === 'object' || kind === 'map' || kind === 'array' : kind === (members ? 'set' : name === 'splice' && 'array'))) return fail();
  let from = name === 'splice' ? removed : name === 'add' ? undefined : keyed ? old : value;
  let to = name === 'splice' ? insert : name === 'discard' || name === 'delete' ? undefined : value;
  if (backwards) [from, to] = [to, from];
  if (name === 'splice') {
    const arr = c as unknown[];
    const start = index!;
    if (!(Number.isInteger(start) && start >= 0 && start <= arr.length && Array.isArray(from) && Array.isArray(to))) return fail();
    if (!equal(arr.slice(start, start + from.length), from)) fail();
    arr.splice(start, from.length, ...clone(to, path));
    return;
  }
  const key = keyed ? path.at(-1) : value;
  if (
    (name === 'delete' ? old : value) === undefined ||
    // Object and Map keys are strings; array keys are indexes that hold an item before and after.
    (keyed && typeof key !== (kind === 'array' ? 'number' : 'string')) ||
    (kind === 'array' && (from === undefined || to === undefined)) ||
    !equal(get(c, key), from)
  ) {
    fail();
  }
  if (to === undefined) remove(c, key);
  else put(c, key, clone(to, path));
}

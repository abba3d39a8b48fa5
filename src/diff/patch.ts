// patch(target, ops) and revert(target, ops): apply ops in place, checking before each one
// that the target holds what the op expects, all or nothing.
import { isTracked, transact, type PathKey } from '../core/index.js';
import { PatchError } from './errors.js';
import type { Op } from './ops.js';
import { clone, equal, get, kindOf, put } from './values.js';

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
  if (!Array.isArray(path)) throw new PatchError(name, [], 'its path is not an array');
  const keyed = name === 'set' || name === 'delete';
  const splice = name === 'splice';
  let c: unknown = root;
  for (const key of keyed ? path.slice(0, -1) : path) c = get(c, key);
  const kind = kindOf(c);
  const key = keyed ? path.at(-1) : value;
  let from = splice ? removed : keyed ? old : name === 'discard' ? value : undefined;
  let to = splice ? insert : name === 'set' || name === 'add' ? value : undefined;
  if (backwards) [from, to] = [to, from];
  const fits = keyed
    ? // Object and Map keys are strings; array keys are indexes that hold an item before and after.
      kind === 'array'
      ? typeof key === 'number' && from !== undefined && to !== undefined
      : (kind === 'object' || kind === 'map') && typeof key === 'string'
    : splice
      ? kind === 'array' && Number.isInteger(index) && index! >= 0 && index! <= (c as unknown[]).length && Array.isArray(from) && Array.isArray(to)
      : kind === 'set' && (name === 'add' || name === 'discard');
  const refuse = (why: string): never => {
    throw new PatchError(name, [...path], why);
  };
  if (!fits) refuse('the op does not fit what is there');
  // The field that says what the op does must be there: a set's value, a delete's old value, a member.
  if ((name === 'delete' ? old : splice ? insert : value) === undefined) refuse('the op lacks a field');
  if (!equal(splice ? (c as unknown[]).slice(index, index! + (from as unknown[]).length) : get(c, key), from)) refuse('the target does not hold what the op expects');
  if (splice) (c as unknown[]).splice(index!, (from as unknown[]).length, ...clone(to as unknown[], path));
  else put(c, key, to === undefined ? undefined : clone(to, path));
}

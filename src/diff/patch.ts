// patch(target, ops) and revert(target, ops): apply ops in place, checking before each one
// that the target holds what the op expects, all or nothing.
import { formatPath, isTracked, transact, type PathKey } from '../core/index.js';
import { PatchError } from './errors.js';
import type { Op } from './ops.js';
import { clone, equal, kindOf, own, write } from './values.js';

type Keyed = Record<string, unknown>;

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
  if (isTracked(target)) {
    transact(target, () => {
      for (const op of ops) apply(target, op, true);
    });
    return;
  }
  let done = 0;
  try {
    for (const op of ops) {
      apply(target, op, false);
      done++;
    }
  } catch (e) {
    // Undo what did apply: every op carries its own inverse.
    while (done > 0) apply(target, invert(ops[--done]!), false, false);
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
      return op.old === undefined ? { op: 'delete', path: op.path, old: op.value } : { op: 'set', path: op.path, value: op.old, old: op.value };
    case 'delete':
      return { op: 'set', path: op.path, value: op.old };
    case 'splice':
      return { op: 'splice', path: op.path, index: op.index, remove: op.insert, insert: op.remove };
    case 'add':
      return { op: 'discard', path: op.path, value: op.value };
    case 'discard':
      return { op: 'add', path: op.path, value: op.value };
    default:
      return op; // unknown: patch() refuses it

  }
}

const isIndex = (key: unknown, length: number): key is number => Number.isInteger(key) && (key as number) >= 0 && (key as number) < length;

/** The child at `key` of a container, own properties only; undefined when there is none. */
function child(c: unknown, key: PathKey | undefined): unknown {
  const kind = kindOf(c);
  if (kind === 'array') return isIndex(key, (c as unknown[]).length) ? (c as unknown[])[key] : undefined;
  if (typeof key !== 'string') return undefined;
  if (kind === 'map') return (c as Map<string, unknown>).get(key);
  return kind === 'object' ? own(c as object, key) : undefined;
}

function apply(root: object, op: Op, tracked: boolean, check = true): void {
  const path = op.path;
  const fail = (why: string): never => {
    throw new PatchError(String(op.op), Array.isArray(path) ? [...path] : [], why);
  };
  if (!Array.isArray(path)) return fail('no path array');
  const keyed = op.op === 'set' || op.op === 'delete';
  const depth = keyed ? path.length - 1 : path.length;
  if (depth < 0) fail('not the root');
  let c: unknown = root;
  for (let i = 0; i < depth; i++) {
    c = child(c, path[i]);
    if (c === undefined) fail(`nothing at ${formatPath(path.slice(0, i + 1))}`);
  }
  const kind = kindOf(c);
  // A tracked tree copies (and checks) what it is given; a plain one gets its own copy.
  const value = (v: unknown) => (tracked ? v : clone(v, path));
  if (keyed) {
    const key = path[depth];
    if (kind === 'array' && op.op === 'set') {
      const arr = c as unknown[];
      if (!isIndex(key, arr.length)) return fail('no such index');
      if (check && (op.old === undefined || !equal(arr[key], op.old))) fail('not the old value');
      arr[key] = value(op.value);
      return;
    }
    if ((kind !== 'map' && kind !== 'object') || typeof key !== 'string') return fail('not an object or a Map');
    const map = kind === 'map' ? (c as Map<string, unknown>) : undefined;
    const has = map ? map.has(key) : Object.hasOwn(c as object, key);
    if (check) {
      const old = op.old;
      if (!has) {
        if (old !== undefined || op.op === 'delete') fail('no such key');
      } else if (old === undefined) fail('the key already exists');
      else if (!equal(child(c, key), old)) fail('not the old value');
    }
    if (op.op === 'delete') {
      if (map) map.delete(key);
      else delete (c as Keyed)[key];
    } else if (map) map.set(key, value(op.value));
    else write(c as object, key, value(op.value));
    return;
  }
  if (op.op === 'splice') {
    if (kind !== 'array') return fail('not an array');
    const arr = c as unknown[];
    const { index, remove, insert } = op;
    if (!Array.isArray(remove) || !Array.isArray(insert)) return fail('remove and insert must be arrays');
    if (!Number.isInteger(index) || index < 0 || index + remove.length > arr.length) fail(`no ${remove.length} items at ${index}`);
    if (check && !remove.every((v, i) => equal(arr[index + i], v))) fail('not the removed items');
    arr.splice(index, remove.length, ...insert.map(value));
    return;
  }
  const name: string = op.op;
  if (name !== 'add' && name !== 'discard') return fail('unknown op');
  if (kind !== 'set') return fail('not a Set');
  const set = c as Set<unknown>;
  const add = op.op === 'add';
  if (check && set.has(op.value) === add) fail(add ? 'already in the Set' : 'not in the Set');
  if (add) set.add(op.value);
  else set.delete(op.value);
}

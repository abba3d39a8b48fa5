// datastoresync's "what we need minus what we have": two trees of branches, items matched by
// key, compared attribute by attribute.
import { wording, type Action, type Id, type Item } from './action.js';
import { equal } from './equal.js';
import { ReconcileError } from './errors.js';

/** Options of reconcile. */
export interface ReconcileOptions {
  /** The attribute that identifies an item in array branches (default `'id'`). */
  key?: string;
  /** The branches to compare, in this order (default: the source's branches, in its order). */
  branches?: readonly string[];
  /** More attributes to leave out of the comparison (those starting with `_` always are). */
  ignore?: readonly string[];
}

type Indexed = Map<string, { id: Id; item: Item }>;

function isRecord(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Map || value instanceof Set) return false;
  const proto = Object.getPrototypeOf(value) as object | null;
  return proto === Object.prototype || proto === null;
}

/** The items of a branch by the string form of their id, in the branch's order. */
function index(branch: unknown, side: 'source' | 'target', name: string, key: string): Indexed {
  const out: Indexed = new Map();
  if (branch === undefined || branch === null) return out;
  const put = (id: unknown, item: unknown, at: string | number) => {
    if (!isRecord(item)) throw new ReconcileError('E_RECONCILE_BRANCH', `${side}.${name}[${String(at)}] is not an object`, [side, name, at]);
    if (typeof id !== 'string' && !(typeof id === 'number' && Number.isFinite(id))) {
      throw new ReconcileError('E_RECONCILE_KEY', `${side}.${name}[${String(at)}] has no usable "${key}" (a string or number)`, [side, name, at]);
    }
    const k = String(id);
    if (out.has(k)) throw new ReconcileError('E_RECONCILE_DUPLICATE', `${side}.${name} holds two items with ${key} ${JSON.stringify(id)}`, [side, name, at]);
    out.set(k, { id, item });
  };
  if (Array.isArray(branch)) branch.forEach((item: unknown, i) => put(isRecord(item) ? item[key] : undefined, item, i));
  else if (branch instanceof Map) for (const [id, item] of branch as Map<unknown, unknown>) put(id, item, String(id));
  else if (isRecord(branch)) for (const id of Object.keys(branch)) put(id, branch[id], id);
  else throw new ReconcileError('E_RECONCILE_BRANCH', `${side}.${name} is not an array, Map or object of items`, [side, name]);
  return out;
}

function branchOf(tree: object, name: string): unknown {
  if (tree instanceof Map) return (tree as Map<string, unknown>).get(name);
  return Object.hasOwn(tree, name) ? (tree as Record<string, unknown>)[name] : undefined;
}

function make(action: Omit<Action, 'message'>): Action {
  return { ...action, message: wording(action) };
}

/**
 * Compares two trees of branches (`{ students: [...], teachers: [...] }`, arrays of items with a
 * key attribute, or Maps / objects keyed by id) and lists what it takes to make `target` like
 * `source`: `added` items (in the source only), `removed` items (in the target only), and one
 * `changed` action per differing attribute. Attributes starting with `_` and those in `ignore`
 * are left out; the key attribute is never "changed". Order is deterministic: branch by branch,
 * added (source order), changed (source order, attribute order), removed (target order).
 * Works on plain and tracked values alike.
 *
 * @example
 * reconcile({ students: [{ id: 1, name: 'Ann' }] }, { students: [{ id: 1, name: 'Anne' }, { id: 2, name: 'Bo' }] });
 * // [{ kind: 'changed', branch: 'students', id: 1, attribute: 'name', from: 'Anne', to: 'Ann', ... },
 * //  { kind: 'removed', branch: 'students', id: 2, right: { id: 2, name: 'Bo' }, ... }]
 */
export function reconcile(source: object, target: object, opts: ReconcileOptions = {}): Action[] {
  const key = opts.key ?? 'id';
  const ignore = new Set(opts.ignore ?? []);
  const skip = (attribute: string) => attribute.startsWith('_') || attribute === key || ignore.has(attribute);
  const branches = opts.branches ?? (source instanceof Map ? [...(source as Map<string, unknown>).keys()] : Object.keys(source));
  const actions: Action[] = [];
  for (const branch of branches) {
    const left = index(branchOf(source, branch), 'source', branch, key);
    const right = index(branchOf(target, branch), 'target', branch, key);
    const changed: Action[] = [];
    for (const [k, { id, item }] of left) {
      const other = right.get(k);
      if (!other) {
        actions.push(make({ kind: 'added', branch, id, left: item }));
        continue;
      }
      const theirs = other.item;
      for (const attribute of Object.keys(item)) {
        if (skip(attribute)) continue;
        const has = Object.hasOwn(theirs, attribute);
        if (has && equal(item[attribute], theirs[attribute])) continue;
        const base = { kind: 'changed' as const, branch, id, attribute, to: item[attribute], left: item, right: theirs };
        changed.push(make(has ? { ...base, from: theirs[attribute] } : base));
      }
      for (const attribute of Object.keys(theirs)) {
        if (skip(attribute) || Object.hasOwn(item, attribute)) continue;
        changed.push(make({ kind: 'changed', branch, id, attribute, from: theirs[attribute], left: item, right: theirs }));
      }
    }
    actions.push(...changed);
    for (const [k, { id, item }] of right) if (!left.has(k)) actions.push(make({ kind: 'removed', branch, id, right: item }));
  }
  return actions;
}

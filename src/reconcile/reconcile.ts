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
  /**
   * The attributes of an item, for items that are class instances with a record form of their
   * own (default: the item's own enumerable properties that are not functions).
   */
  toRecord?: (item: object, branch: string) => Record<string, unknown>;
  /** Whether two values of one attribute are the same (default: deep equality of data). */
  equals?: (left: unknown, right: unknown, attribute: string) => boolean;
}

type Indexed = Map<string, { id: Id; item: Item; record: Record<string, unknown> }>;

function isItem(value: unknown): value is object {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Map) && !(value instanceof Set);
}

/** An item's attributes: its own enumerable properties that are not functions (methods stay out). */
export function ownRecord(item: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(item)) {
    const v = (item as Record<string, unknown>)[k];
    if (typeof v !== 'function') Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** The items of a branch by the string form of their id, in the branch's order. */
function index(branch: unknown, side: 'source' | 'target', name: string, key: string, toRecord: (item: object) => Record<string, unknown>): Indexed {
  const out: Indexed = new Map();
  if (branch === undefined || branch === null) return out;
  const put = (id: unknown, item: unknown, at: string | number) => {
    if (!isItem(item)) throw new ReconcileError('E_RECONCILE_BRANCH', `${side}.${name}[${String(at)}] is not an object`, [side, name, at]);
    if (typeof id !== 'string' && !(typeof id === 'number' && Number.isFinite(id))) {
      throw new ReconcileError('E_RECONCILE_KEY', `${side}.${name}[${String(at)}] has no usable "${key}" (a string or number)`, [side, name, at]);
    }
    const k = String(id);
    if (out.has(k)) throw new ReconcileError('E_RECONCILE_DUPLICATE', `${side}.${name} holds two items with ${key} ${JSON.stringify(id)}`, [side, name, at]);
    out.set(k, { id, item: item as Item, record: toRecord(item) });
  };
  const idOf = (item: unknown) => (isItem(item) ? (item as Record<string, unknown>)[key] : undefined);
  if (Array.isArray(branch)) branch.forEach((item: unknown, i) => put(idOf(item), item, i));
  else if (branch instanceof Map) for (const [id, item] of branch as Map<unknown, unknown>) put(id, item, String(id));
  else if (isItem(branch)) for (const id of Object.keys(branch)) put(id, (branch as Record<string, unknown>)[id], id);
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
 * Works on plain and tracked values alike; items may be class instances (their own enumerable
 * non-function properties are compared, or what `toRecord` returns).
 *
 * @example
 * reconcile({ students: [{ id: 1, name: 'Ann' }] }, { students: [{ id: 1, name: 'Anne' }, { id: 2, name: 'Bo' }] });
 * // [{ kind: 'changed', branch: 'students', id: 1, attribute: 'name', from: 'Anne', to: 'Ann', ... },
 * //  { kind: 'removed', branch: 'students', id: 2, right: { id: 2, name: 'Bo' }, ... }]
 */
export function reconcile(source: object, target: object, opts: ReconcileOptions = {}): Action[] {
  const key = opts.key ?? 'id';
  const ignore = new Set(opts.ignore ?? []);
  const same = opts.equals ?? equal;
  const skip = (attribute: string) => attribute.startsWith('_') || attribute === key || ignore.has(attribute);
  const branches = opts.branches ?? (source instanceof Map ? [...(source as Map<string, unknown>).keys()] : Object.keys(source));
  const actions: Action[] = [];
  for (const branch of branches) {
    const toRecord = opts.toRecord ? (item: object) => opts.toRecord!(item, branch) : ownRecord;
    const left = index(branchOf(source, branch), 'source', branch, key, toRecord);
    const right = index(branchOf(target, branch), 'target', branch, key, toRecord);
    const changed: Action[] = [];
    for (const [k, { id, item, record: mine }] of left) {
      const other = right.get(k);
      if (!other) {
        actions.push(make({ kind: 'added', branch, id, left: item }));
        continue;
      }
      const theirs = other.record;
      for (const attribute of Object.keys(mine)) {
        if (skip(attribute)) continue;
        const has = Object.hasOwn(theirs, attribute);
        if (has && same(mine[attribute], theirs[attribute], attribute)) continue;
        const base = { kind: 'changed' as const, branch, id, attribute, to: mine[attribute], left: item, right: other.item };
        changed.push(make(has ? { ...base, from: theirs[attribute] } : base));
      }
      for (const attribute of Object.keys(theirs)) {
        if (skip(attribute) || Object.hasOwn(mine, attribute)) continue;
        changed.push(make({ kind: 'changed', branch, id, attribute, from: theirs[attribute], left: item, right: other.item }));
      }
    }
    actions.push(...changed);
    for (const [k, { id, item }] of right) if (!left.has(k)) actions.push(make({ kind: 'removed', branch, id, right: item }));
  }
  return actions;
}

/**
 * The actions that empty a tree (datastoresync's `-tree`): one `removed` action for every item
 * of every branch (or of `opts.branches`), in the tree's order.
 *
 * @example
 * await apply(clear(school), new DefaultTemplate(school)); // every branch is now empty
 */
export function clear(tree: object, opts: ReconcileOptions = {}): Action[] {
  const branches = opts.branches ?? (tree instanceof Map ? [...(tree as Map<string, unknown>).keys()] : Object.keys(tree));
  return reconcile({}, tree, { ...opts, branches });
}

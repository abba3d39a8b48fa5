// Plain, frozen deep copies. Each container's last copy is held weakly on its tree node (nothing
// keeps it once the app drops it), with the keys that changed since, so consecutive snapshots
// share every subtree that did not change (cheap to take, cheap to compare). Because copies are shared, none may be writable:
// Object.freeze does not stop a Map's or Set's methods, so those get throwing mutators. They
// stay real Maps and Sets (for structuredClone and deep equality), so a deliberate
// `Map.prototype.set.call(copy, ...)` still gets through; nothing short of a fake Map stops that.
import { hooksOf } from './embedded.js';
import { attach, nodes, toRaw } from './tree.js';
import { writeKey } from './values.js';

/**
 * A plain deep copy of a tracked value (no proxies), frozen, that never changes afterwards:
 * its Maps' and Sets' `set` / `add` / `delete` / `clear` throw a TypeError. Unchanged subtrees
 * are shared between consecutive snapshots, so `===` tells what changed. The copy works with
 * `structuredClone`, `JSON.stringify` and deep equality.
 */
export function snapshot<T>(tracked: T): T {
  // toRaw hands a primitive back as it is (a WeakMap lookup of a primitive finds nothing).
  return child(toRaw(tracked as object)) as T;
}

// What a write to a frozen object or array does in strict mode.
const readOnly: PropertyDescriptor = {
  value() {
    throw new TypeError('tinysync: a snapshot is read-only');
  },
};

const child = (value: unknown): unknown => (typeof value !== 'object' || value === null ? value : copy(value));

function copy(raw: object): unknown {
  // The cached copy first: an embedded value never has one, and the `in` check of hooksOf
  // walks the prototype chain, per element of a changed array.
  const node = nodes.get(raw);
  const last = node?.snapshot?.deref();
  const dirty = node?.dirty;
  if (last && !dirty) return last;
  const hooks = hooksOf(raw);
  if (hooks) return hooks.snapshot();
  let out: object;
  if (Array.isArray(raw)) {
    // Only the changed items are copied again, so a change to one of 100,000 items costs about
    // a slice(). Spread, because slice() of a frozen array takes V8's slow path.
    if (last && !dirty!.has(undefined)) {
      out = [...(last as unknown[])];
      for (const k of dirty!) (out as unknown[])[k as number] = child(raw[k as number]);
    } else {
      // The items moved (or there is no last copy): copied whole, and each item's index hint,
      // which the next changed-items copy trusts, is set right again.
      out = raw.map((v, i) => (attach(v, raw, i), child(v)));
    }
  } else if (raw instanceof Map || raw instanceof Set) {
    let adds = 'add';
    if (raw instanceof Map) {
      const map = (out = new Map<string, unknown>());
      for (const [k, v] of raw as Map<string, unknown>) map.set(k, child(v));
      adds = 'set';
    } else out = new Set(raw);
    // Shadowed by non-enumerable, fixed methods that throw (freezing does not stop a Map's own).
    for (const m of [adds, 'delete', 'clear']) Object.defineProperty(out, m, readOnly);
  } else {
    const obj: Record<string, unknown> = Object.getPrototypeOf(raw) === null ? Object.create(null) : {};
    for (const key of Object.keys(raw)) writeKey(obj, key, child((raw as Record<string, unknown>)[key]));
    out = obj;
  }
  Object.freeze(out);
  if (node) (node.snapshot = new WeakRef(out)), (node.dirty = undefined);
  return out;
}

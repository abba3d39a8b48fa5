// The value rules (JSON plus Map and Set, from tastypy's "JSON only"): what may be stored in a
// tracked tree. `adopt` checks a value and makes the private copy that the tree will own, so
// that no object is ever reachable from two places (paths stay unique) or from outside.
import type { PathKey } from './change.js';
import { hooksOf } from './embedded.js';
import { ValueError } from './errors.js';
import { attach, nodes, pathTo, toRaw } from './tree.js';

/** True for the primitives the rules accept: strings, finite numbers, booleans and null. */
export function isPrimitiveValue(value: unknown): value is string | number | boolean | null {
  return value === null || typeof value === 'string' || typeof value === 'boolean' || Number.isFinite(value);
}

function describe(value: unknown): string {
  if (typeof value === 'object') {
    const ctor = (Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null)?.constructor?.name;
    return `an instance of ${ctor || 'a class'} (not plain data)`;
  }
  return typeof value === 'number' ? String(value) : value === undefined ? 'undefined (store null, or delete the key)' : typeof value === 'bigint' ? 'a BigInt' : `a ${typeof value}`;
}

/** Writes an own data property, safely for keys such as `__proto__`. */
export function writeKey(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
  else target[key] = value;
}

/**
 * Checks `value` against the value rules and returns the copy the tree will own at `key` of
 * `parent` (no parent: a new root): primitives as they are, containers copied deeply (a
 * tracked proxy's current contents are copied too), each copy given its place in the tree.
 * Throws a `ValueError` naming the offending path; nothing in the tree is modified on failure.
 */
export function adopt(value: unknown, parent?: object, key?: PathKey): unknown {
  return isPrimitiveValue(value) ? value : adoptDeep(value, parent, key);
}

// Apart from adopt: its closures capture the arguments, so V8 allocates their context on entry,
// which a primitive (most writes) would pay for nothing.
function adoptDeep(value: unknown, parent?: object, key?: PathKey): unknown {
  const trail: PathKey[] = [];
  const refuse = (what: string): never => {
    throw new ValueError([...(parent ? pathTo(parent, key) : []), ...trail], what);
  };
  const seen = new Set<object>();
  // The copy of `item`, placed at `k` of the container being built.
  const child = (item: unknown, out: object, k: PathKey): unknown => {
    trail.push(k);
    const stored = copy(item);
    trail.pop();
    attach(stored, out, k);
    return stored;
  };
  const copy = (v: unknown): unknown => {
    if (typeof v !== 'object' || v === null) return isPrimitiveValue(v) ? v : refuse(describe(v));
    // Embedded values are kept by reference; one that already has a place gets a clone.
    const hooks = hooksOf(v);
    if (hooks) return nodes.has(v) ? hooks.clone() : v;
    const raw = toRaw(v);
    if (seen.has(raw)) refuse('a cycle');
    seen.add(raw);
    const proto = Object.getPrototypeOf(raw) as object | null;
    let out: object;
    if (proto === Array.prototype) {
      const arr = (out = new Array<unknown>((raw as unknown[]).length));
      for (let i = 0; i < arr.length; i++) {
        if (!(i in raw)) {
          trail.push(i);
          refuse('a hole in an array');
        }
        arr[i] = child((raw as unknown[])[i], arr, i);
      }
    } else if (proto === Map.prototype) {
      const map = (out = new Map<string, unknown>());
      for (const [k, item] of raw as Map<unknown, unknown>) {
        if (typeof k !== 'string') refuse(`a ${typeof k} Map key`);
        map.set(k as string, child(item, map, k as string));
      }
    } else if (proto === Set.prototype) {
      out = new Set(raw as Set<unknown>);
      for (const item of out as Set<unknown>) if (!isPrimitiveValue(item)) refuse(typeof item === 'object' ? 'an object in a Set' : describe(item));
    } else if (proto === Object.prototype || proto === null) {
      if (Object.getOwnPropertySymbols(raw).length) refuse('a symbol key');
      const obj = (out = proto ? {} : (Object.create(null) as object)) as Record<string, unknown>;
      for (const k of Object.keys(raw)) writeKey(obj, k, child((raw as Record<string, unknown>)[k], obj, k));
    } else {
      return refuse(describe(raw));
    }
    seen.delete(raw);
    return out;
  };
  const stored = copy(value);
  if (parent) attach(stored, parent, key!);
  return stored;
}

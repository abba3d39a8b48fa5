// The value rules (JSON plus Map and Set, from tastypy's "JSON only"): what may be stored in a
// tracked tree. `adopt` checks a value and makes the private copy that the tree will own, so
// that no object is ever reachable from two places (paths stay unique) or from outside.
import type { PathKey } from './change.js';
import { claim, hooksOf, isPlaced } from './embedded.js';
import { ValueError } from './errors.js';

/** A linked list of keys, materialised into a path only when an error needs it. */
interface Trail {
  parent: Trail | undefined;
  key: PathKey;
  /** The copied container that holds `key`. */
  holder?: object;
}

/**
 * Where adopt() put embedded values and the containers above them, as [child, holder, key]:
 * the caller gives each a node once the write is done, so the values can find their path.
 */
export type Placements = [object, object, PathKey][];

/** Something that may hold a tracked proxy's plain object (resolved by the tree module). */
export type Unwrap = (value: object) => object;

/** Where the adopted value is going; computed only when an error needs it. */
export type Where = () => PathKey[];

function pathOf(base: Where, trail: Trail | undefined): PathKey[] {
  const keys: PathKey[] = [];
  for (let t = trail; t; t = t.parent) keys.push(t.key);
  return [...base(), ...keys.reverse()];
}

/** True for the primitives the rules accept: strings, finite numbers, booleans and null. */
export function isPrimitiveValue(value: unknown): value is string | number | boolean | null {
  return (
    value === null ||
    typeof value === 'string' ||
    typeof value === 'boolean' ||
    (typeof value === 'number' && Number.isFinite(value))
  );
}

function describe(value: unknown): string {
  if (value === undefined) return 'undefined (delete the key, or store null)';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'symbol') return 'a symbol';
  if (typeof value === 'bigint') return 'a BigInt';
  const ctor = (Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null)?.constructor?.name;
  return `an instance of ${ctor || 'a class'} (not plain data)`;
}

/** Writes an own data property, safely for keys such as `__proto__`. */
export function writeKey(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
  } else {
    target[key] = value;
  }
}

/**
 * Checks `value` against the value rules and returns the copy the tree will own: primitives as
 * they are, containers copied deeply (a tracked proxy's current contents are copied too).
 * Throws a `ValueError` naming the offending path; nothing is modified on failure.
 */
export function adopt(value: unknown, base: Where, unwrap: Unwrap, placements?: Placements): unknown {
  if (typeof value !== 'object' || value === null) {
    if (isPrimitiveValue(value)) return value;
    throw new ValueError(base(), describe(value));
  }
  return copy(value, base, undefined, new Set(), unwrap, placements);
}

function embed(value: object, trail: Trail | undefined, placements: Placements | undefined): object {
  const hooks = hooksOf(value)!;
  const stored = isPlaced(value) ? hooks.clone() : value;
  claim(stored);
  let child = stored;
  for (let t = trail; t?.holder; t = t.parent) {
    placements?.push([child, t.holder, t.key]);
    child = t.holder;
  }
  return stored;
}

function copy(value: object, base: Where, trail: Trail | undefined, seen: Set<object>, unwrap: Unwrap, placements?: Placements): unknown {
  if (hooksOf(value)) return embed(value, trail, placements);
  const raw = unwrap(value);
  if (seen.has(raw)) throw new ValueError(pathOf(base, trail), 'a cycle');
  seen.add(raw);
  let out: unknown;
  const child = (v: unknown, key: PathKey): unknown => {
    if (typeof v !== 'object' || v === null) {
      if (isPrimitiveValue(v)) return v;
      throw new ValueError(pathOf(base, { parent: trail, key }), describe(v));
    }
    return copy(v, base, { parent: trail, key, holder: out as object }, seen, unwrap, placements);
  };
  const proto = Object.getPrototypeOf(raw) as object | null;
  if (Array.isArray(raw) && proto === Array.prototype) {
    const arr = new Array<unknown>(raw.length);
    out = arr;
    for (let i = 0; i < raw.length; i++) {
      if (!(i in raw)) throw new ValueError(pathOf(base, { parent: trail, key: i }), 'a hole in an array');
      arr[i] = child(raw[i], i);
    }
  } else if (proto === Map.prototype) {
    const map = new Map<string, unknown>();
    out = map;
    for (const [k, v] of raw as Map<unknown, unknown>) {
      if (typeof k !== 'string') throw new ValueError(pathOf(base, trail), `a ${typeof k} Map key`);
      map.set(k, child(v, k));
    }
  } else if (proto === Set.prototype) {
    const set = new Set<unknown>();
    for (const v of raw as Set<unknown>) {
      if (typeof v === 'object' && v !== null) throw new ValueError(pathOf(base, trail), 'an object in a Set');
      set.add(child(v, 0));
    }
    out = set;
  } else if (proto === Object.prototype || proto === null) {
    if (Object.getOwnPropertySymbols(raw).length > 0) throw new ValueError(pathOf(base, trail), 'a symbol key');
    const obj: Record<string, unknown> = proto === null ? Object.create(null) : {};
    out = obj;
    for (const key of Object.keys(raw)) writeKey(obj, key, child((raw as Record<string, unknown>)[key], key));
  } else {
    throw new ValueError(pathOf(base, trail), describe(raw));
  }
  seen.delete(raw);
  return out;
}

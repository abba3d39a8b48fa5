// Value kinds, one way to read and write every kind of container, deep equality and copying,
// for diff and patch. They read tracked proxies as well as plain values (proxies forward
// prototypes, keys and the Map/Set methods), so patch can compare a tracked tree with the
// values an op expects, and writes through a proxy are recorded as Changes.
import { ValueError, type PathKey } from '../core/index.js';

export type Kind = 'object' | 'array' | 'map' | 'set' | 'primitive';

/** Any container; the functions below pick the methods that its kind has. */
type Container = Record<PathKey, unknown> & Map<unknown, unknown> & Set<unknown>;

/**
 * The kind of a value under the value rules. A value they refuse (a Set holding an object
 * included) has no kind; given the `path` it was found at, it throws a ValueError naming it.
 */
export function kindOf(v: unknown, path: PathKey[]): Kind;
export function kindOf(v: unknown): Kind | undefined;
export function kindOf(v: unknown, path?: PathKey[]): Kind | undefined {
  if (v === null || typeof v === 'string' || typeof v === 'boolean' || Number.isFinite(v)) return 'primitive';
  const proto: unknown = typeof v === 'object' && Object.getPrototypeOf(v);
  if (proto === Array.prototype) return 'array';
  if (proto === Map.prototype) return 'map';
  // Checking a Set's members costs a pass over them: only when validating (a path is given).
  if (proto === Set.prototype && (!path || [...(v as Set<unknown>)].every((m) => kindOf(m) === 'primitive'))) return 'set';
  if (proto === Object.prototype || proto === null) return 'object';
  if (path) throw new ValueError(path, proto === Set.prototype ? 'an object in a Set' : typeof v === 'object' ? 'a class instance' : String(v));
  return undefined;
}

/** The keys of a container of `kind`: object keys, array indexes, Map keys, Set members. */
export function keysOf(c: unknown, kind: Kind): unknown[] {
  return kind === 'object' ? Object.keys(c as object) : [...(c as Container).keys()];
}

/** True when the container `c` holds `key` (own properties only); false for anything else. */
export function has(c: unknown, key: unknown): boolean {
  if (c instanceof Map || c instanceof Set) return c.has(key);
  return typeof c === 'object' && c !== null && Object.hasOwn(c, key as PathKey);
}

/** What a container holds at `key` (a Set holds each member at itself), own properties only; undefined when nothing. */
export function get(c: unknown, key: unknown): unknown {
  if (!has(c, key)) return undefined;
  return c instanceof Map ? c.get(key) : c instanceof Set ? key : (c as Container)[key as PathKey];
}

/**
 * Writes `value` at `key` (adds it, to a Set), or removes the key (the member) when `value` is
 * undefined; `__proto__` becomes an own key, never a prototype change.
 */
export function put(c: unknown, key: unknown, value: unknown): void {
  if (value === undefined) {
    if (c instanceof Map || c instanceof Set) c.delete(key);
    else delete (c as Container)[key as PathKey];
  } else if (c instanceof Map) c.set(key, value);
  else if (c instanceof Set) c.add(value);
  else if (key === '__proto__') Object.defineProperty(c, key, { value, writable: true, enumerable: true, configurable: true });
  else (c as Container)[key as PathKey] = value;
}

/** Deep equality of two values: same kind, same keys, equal values at each key. */
export function equal(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  const kind = kindOf(a);
  if (!kind || kind === 'primitive' || kind !== kindOf(b)) return false;
  const keys = keysOf(a, kind);
  if (keys.length !== keysOf(b, kind).length) return false;
  // Plain objects, the common case, without the generic look-ups (own keys only, as `has`).
  if (kind === 'object') return keys.every((k) => Object.hasOwn(b as object, k as string) && equal((a as Container)[k as string], (b as Container)[k as string]));
  return keys.every((k) => has(b, k) && equal(get(a, k), get(b, k)));
}

/**
 * A deep, unshared, writable copy (of a plain value, a frozen snapshot or a tracked proxy),
 * checked against the value rules: a value they refuse throws a ValueError naming `path`.
 */
export function clone<T>(v: T, path: PathKey[]): T {
  const kind = kindOf(v, path);
  if (kind === 'primitive') return v;
  // An empty container of the same kind: a new Array, Map, Set or Object, or a prototype-less object.
  const proto = Object.getPrototypeOf(v) as { constructor: new () => unknown } | null;
  const out = proto ? new proto.constructor() : Object.create(null);
  for (const k of keysOf(v, kind)) put(out, k, clone(get(v, k), [...path, k as PathKey]));
  return out as T;
}

// Value kinds, deep equality and copying for diff and patch. They read tracked proxies as well
// as plain values (proxies forward prototypes, keys and iteration), so patch can compare a
// tracked tree with the values an op expects.
import { ValueError, type PathKey } from '../core/index.js';

export type Kind = 'object' | 'array' | 'map' | 'set' | 'primitive';
type Obj = Record<string, unknown>;

/** The kind of a value under the value rules, or undefined for anything they refuse. */
export function kindOf(v: unknown): Kind | undefined {
  if (v === null || typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v))) return 'primitive';
  if (typeof v !== 'object') return undefined;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Array.prototype ? 'array' : proto === Map.prototype ? 'map' : proto === Set.prototype ? 'set' : proto === Object.prototype || proto === null ? 'object' : undefined;
}

/** The kind of a value at `path`; a value the rules refuse throws a ValueError naming the path. */
export function checkedKind(v: unknown, path: readonly PathKey[]): Kind {
  const k = kindOf(v);
  if (k) return k;
  throw new ValueError([...path], typeof v === 'object' ? 'a class instance' : String(v));
}

/** An own property, never one inherited from a prototype (so `constructor` reads as absent). */
export function own(o: object, key: PathKey): unknown {
  return Object.hasOwn(o, key) ? (o as Obj)[key] : undefined;
}

/** Writes an own data property; `__proto__` becomes plain data instead of a prototype change. */
export function write(o: object, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(o, key, { value, writable: true, enumerable: true, configurable: true });
  else (o as Obj)[key] = value;
}

/** Deep equality of two values: same kind, same contents (Set by members, Map and object by key). */
export function equal(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  const k = kindOf(a);
  if (!k || k !== kindOf(b)) return false;
  if (k === 'array') {
    const x = a as unknown[], y = b as unknown[];
    return x.length === y.length && x.every((v, i) => equal(v, y[i]));
  }
  if (k === 'set') {
    const x = a as Set<unknown>, y = b as Set<unknown>;
    return x.size === y.size && [...x].every((v) => y.has(v));
  }
  if (k === 'map') {
    const x = a as Map<string, unknown>, y = b as Map<string, unknown>;
    return x.size === y.size && [...x].every(([key, v]) => y.has(key) && equal(v, y.get(key)));
  }
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && equal((a as Obj)[key], (b as Obj)[key]));
}

/** A deep, unshared, writable copy (of a plain value, a frozen snapshot or a tracked proxy). */
export function clone<T>(v: T, path: readonly PathKey[] = []): T {
  const k = checkedKind(v, path);
  if (k === 'primitive') return v;
  if (k === 'array') return (v as unknown[]).map((x, i) => clone(x, [...path, i])) as T;
  if (k === 'set') return new Set(v as Set<unknown>) as T;
  if (k === 'map') {
    const out = new Map<string, unknown>();
    for (const [key, x] of v as Map<string, unknown>) out.set(key, clone(x, [...path, key]));
    return out as T;
  }
  const out: Obj = Object.getPrototypeOf(v) === null ? (Object.create(null) as Obj) : {};
  for (const key of Object.keys(v as object)) write(out, key, clone((v as Obj)[key], [...path, key]));
  return out as T;
}

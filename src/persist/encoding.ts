// How Maps and Sets live in JSON and YAML files, which have neither. A Map is written as
// `{ "$map": { key: value, ... } }`, a Set as `{ "$set": [values] }`. A plain object whose only
// key is one of `$map`, `$set`, `$object` would read back as something else, so it is wrapped
// as `{ "$object": { ... } }`. Every other object is written as it is, so files without Maps
// and Sets look exactly like the data.
import { formatPath, type PathKey } from '../core/index.js';

const MAP = '$map';
const SET = '$set';
const OBJECT = '$object';
const WRAPPERS = new Set([MAP, SET, OBJECT]);

/** A value the file holds that tinysync does not store, found while decoding. */
export class DecodeProblem extends Error {
  constructor(
    readonly filePath: PathKey[],
    readonly what: string,
  ) {
    super(`${what} at ${formatPath(filePath)}`);
  }
}

function define(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
  else obj[key] = value;
}

function wrapperKey(obj: object): string | undefined {
  const keys = Object.keys(obj);
  return keys.length === 1 && WRAPPERS.has(keys[0]!) ? keys[0] : undefined;
}

/** Turns a stored value (a snapshot) into plain JSON data, Maps and Sets wrapped. */
export function encode(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(encode);
  if (value instanceof Map) {
    const entries: Record<string, unknown> = {};
    for (const [k, v] of value as Map<string, unknown>) define(entries, k, encode(v));
    return { [MAP]: entries };
  }
  if (value instanceof Set) return { [SET]: [...value] };
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) define(out, key, encode((value as Record<string, unknown>)[key]));
  return wrapperKey(out) ? { [OBJECT]: out } : out;
}

function checkPrimitive(value: unknown, at: PathKey[]): void {
  if (typeof value === 'number' && !Number.isFinite(value)) throw new DecodeProblem(at, `the number ${String(value)} (only finite numbers are stored)`);
  if (value !== null && typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
    throw new DecodeProblem(at, `a value of type ${typeof value === 'object' ? (Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null)?.constructor?.name ?? 'object' : typeof value}`);
  }
}

/**
 * Turns parsed file data back into stored values (Maps and Sets unwrapped), checking the
 * value rules on the way; a refusal names the path inside the file as written.
 */
export function decode(value: unknown, at: PathKey[] = []): unknown {
  if (typeof value !== 'object' || value === null) {
    checkPrimitive(value, at);
    return value;
  }
  if (Array.isArray(value)) return value.map((v: unknown, i) => decode(v, [...at, i]));
  const proto = Object.getPrototypeOf(value) as object | null;
  if (proto !== Object.prototype && proto !== null) checkPrimitive(value, at);
  const obj = value as Record<string, unknown>;
  const wrapper = wrapperKey(obj);
  if (wrapper === MAP) {
    const inner = obj[MAP];
    const where = [...at, MAP];
    if (typeof inner !== 'object' || inner === null || Array.isArray(inner)) throw new DecodeProblem(where, '"$map" that does not hold an object of entries');
    const map = new Map<string, unknown>();
    for (const key of Object.keys(inner)) map.set(key, decode((inner as Record<string, unknown>)[key], [...where, key]));
    return map;
  }
  if (wrapper === SET) {
    const inner = obj[SET];
    const where = [...at, SET];
    if (!Array.isArray(inner)) throw new DecodeProblem(where, '"$set" that does not hold an array');
    const set = new Set<unknown>();
    inner.forEach((v: unknown, i) => {
      if (typeof v === 'object' && v !== null) throw new DecodeProblem([...where, i], 'an object in a Set (Sets hold primitives)');
      checkPrimitive(v, [...where, i]);
      set.add(v);
    });
    return set;
  }
  const source = wrapper === OBJECT ? obj[OBJECT] : obj;
  const base = wrapper === OBJECT ? [...at, OBJECT] : at;
  if (typeof source !== 'object' || source === null || Array.isArray(source)) throw new DecodeProblem(base, '"$object" that does not hold an object');
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(source)) define(out, key, decode((source as Record<string, unknown>)[key], [...base, key]));
  return out;
}

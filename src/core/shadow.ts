// Object proxies read like valtio's: the target of a plain object's proxy is not the object
// but its shadow, a second object with the same keys whose container values are the
// containers' proxies, so a read `s.a.b.c` runs no get trap at all (a trap with one WeakMap
// look-up per level costs ~1.4× valtio: docs/benchmarks.md). The plain object stays the truth
// (snapshots, bindings, toRaw read it); every write to it is mirrored here before anyone hears
// of it. A child's proxy is made on its first read (a shadow's own accessor, replaced then by the
// value), so making a proxy never walks its subtree. Shadows are the core's own objects: the raw
// object is kept on them under a private symbol that no trap ever reports.
//
// A big object (a record-id → record table) is a dictionary in V8, where a second insert per
// new key costs as much as the first (~0.5 µs). Past COPY_LIMIT keys its shadow stops copying
// plain values: the object itself becomes the shadow's prototype, so plain values are read
// from it, and the shadow holds only the containers' proxies. Small objects keep the copy,
// because an object that becomes a prototype loses its shared hidden class (V8 makes it a
// dictionary: slower and bigger for everything else that reads it).
import { nodes } from './tree.js';
import { writeKey } from './values.js';

export const RAW: unique symbol = Symbol('tinysync.raw');

/** Keys added to a shadow that still copies: past COPY_LIMIT it turns to reading through its prototype. */
const ADDED: unique symbol = Symbol('tinysync.added');
const COPY_LIMIT = 32;

export type Shadow = Record<PropertyKey, unknown> & { [RAW]: Record<string, unknown>; [ADDED]: number };

let viewOf: (value: object) => unknown;

/** Tells this module how a stored container becomes what reads return (its proxy). */
export const setShadowView = (view: (value: object) => unknown): unknown => (viewOf = view);

// One accessor per key name, shared by every shadow (bounded: it only saves allocations).
const lazies = new Map<string, PropertyDescriptor>();

function settle(shadow: object, key: string, value: unknown): unknown {
  Object.defineProperty(shadow, key, { value, writable: true, enumerable: true, configurable: true });
  return value;
}

function lazy(key: string): PropertyDescriptor {
  let accessor = lazies.get(key);
  if (!accessor) {
    if (lazies.size > 4096) lazies.clear();
    lazies.set(
      key,
      (accessor = {
        // `this` is the proxy (or the shadow): either way RAW reaches the plain object.
        get(this: Shadow) {
          const raw = this[RAW];
          return settle(nodes.get(raw)!.shadow!, key, viewOf(raw[key] as object));
        },
        // Only the core writes to a shadow directly; a plain value replaces the accessor.
        set(this: Shadow, value: unknown) {
          settle(this, key, value);
        },
        enumerable: true,
        configurable: true,
      }),
    );
  }
  return accessor;
}

/**
 * Sets `key` of a shadow for the stored `value` (`added`: a key the object did not have): the
 * value itself, or its proxy made on first read; a shadow that reads plain values through its
 * prototype only forgets a container it held there.
 */
export function reflect(shadow: Shadow, key: string, value: unknown, added: boolean): void {
  if (typeof value === 'object' && value !== null) Object.defineProperty(shadow, key, lazy(key));
  else if (Object.getPrototypeOf(shadow) !== shadow[RAW]) {
    writeKey(shadow as Record<string, unknown>, key, value);
    if (added && ++shadow[ADDED] > COPY_LIMIT) inherit(shadow);
  } else if (Object.hasOwn(shadow, key)) delete shadow[key];
}

/** Turns a copying shadow into one that reads plain values from its object (its new prototype). */
function inherit(shadow: Shadow): void {
  const raw = shadow[RAW];
  for (const key of Object.keys(shadow)) if (typeof raw[key] !== 'object' || raw[key] === null) delete shadow[key];
  Object.setPrototypeOf(shadow, raw);
}

/** Copies `key` of `raw` to its shadow, or deletes it there when `raw` has no such key. */
function place(shadow: Shadow, raw: Record<string, unknown>, key: string): void {
  if (Object.hasOwn(raw, key)) reflect(shadow, key, raw[key], false);
  else delete shadow[key];
}

/** Makes the shadow of a plain object about to get its proxy. */
export function shadowFor(raw: Record<string, unknown>): Shadow {
  const keys = Object.keys(raw);
  const shadow = Object.create(keys.length > COPY_LIMIT ? raw : (Object.getPrototypeOf(raw) as object | null)) as Shadow;
  shadow[RAW] = raw;
  shadow[ADDED] = keys.length;
  for (const key of keys) place(shadow, raw, key);
  return (nodes.get(raw)!.shadow = shadow);
}

/** Mirrors a write of `key` of a plain object to its shadow, if it has one: for writes that do not come through the proxy (a rollback). */
export function mirror(raw: Record<string, unknown>, key: string): void {
  const shadow = nodes.get(raw)?.shadow;
  if (shadow) place(shadow, raw, key);
}

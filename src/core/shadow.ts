// Object proxies read like valtio's: the target of a plain object's proxy is not the object
// but its shadow, a second object with the same keys whose container values are the
// containers' proxies, so a read `s.a.b.c` runs no get trap at all (a trap with one WeakMap
// look-up per level costs ~1.4× valtio: docs/benchmarks.md). The plain object stays the truth
// (snapshots, bindings, toRaw read it); every write to it is mirrored here before anyone hears
// of it. A child's proxy is made on its first read (a shadow's own accessor, replaced then by the
// value), so making a proxy never walks its subtree. Shadows are the core's own objects: the raw
// object is kept on them under a private symbol that no trap ever reports.
import type { PathKey } from './change.js';
import { nodes } from './tree.js';
import { writeKey } from './values.js';

export const RAW: unique symbol = Symbol('tinysync.raw');

export type Shadow = Record<PropertyKey, unknown> & { [RAW]: Record<string, unknown> };

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

/** Sets `key` of a shadow for the stored `value`: the value itself, or its proxy made on first read. */
export function reflect(shadow: Shadow, key: string, value: unknown): void {
  if (typeof value === 'object' && value !== null) Object.defineProperty(shadow, key, lazy(key));
  else writeKey(shadow as Record<string, unknown>, key, value);
}

/** Copies `key` of `raw` to its shadow, or deletes it there when `raw` has no such key. */
function place(shadow: Shadow, raw: Record<string, unknown>, key: string): void {
  if (Object.hasOwn(raw, key)) reflect(shadow, key, raw[key]);
  else delete shadow[key];
}

/** Makes the shadow of a plain object about to get its proxy. */
export function shadowFor(raw: Record<string, unknown>): Shadow {
  const shadow = Object.create(Object.getPrototypeOf(raw) as object | null) as Shadow;
  shadow[RAW] = raw;
  for (const key of Object.keys(raw)) place(shadow, raw, key);
  return (nodes.get(raw)!.shadow = shadow);
}

/** Mirrors a write of `key` of `raw` (any container) to its shadow, if it has one: for writes that do not come through the proxy (a rollback). */
export function mirror(raw: object, key: PathKey | undefined): void {
  const shadow = nodes.get(raw)?.shadow;
  if (shadow && typeof key === 'string') place(shadow, raw as Record<string, unknown>, key);
}

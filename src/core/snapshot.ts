// Plain, frozen deep copies. Each container's copy is kept on its tree node until it or
// something below it changes, so consecutive snapshots share every subtree that did not
// change (cheap to take, cheap to compare).
import { hooksOf } from './embedded.js';
import { nodes, toRaw } from './tree.js';
import { writeKey } from './values.js';

/**
 * A plain deep copy of a tracked value (no proxies), frozen, that never changes afterwards.
 * Unchanged subtrees are shared between consecutive snapshots, so `===` tells what changed.
 * The copy works with `structuredClone`, `JSON.stringify` and deep equality.
 */
export function snapshot<T>(tracked: T): T {
  if (typeof tracked !== 'object' || tracked === null) return tracked;
  return copy(toRaw(tracked)) as T;
}

const child = (value: unknown): unknown => (typeof value !== 'object' || value === null ? value : copy(value));

function copy(raw: object): unknown {
  const hooks = hooksOf(raw);
  if (hooks) return hooks.snapshot();
  const node = nodes.get(raw);
  if (node?.snapshot) return node.snapshot;
  let out: unknown;
  if (Array.isArray(raw)) {
    out = Object.freeze(raw.map(child));
  } else if (raw instanceof Map) {
    const map = new Map<string, unknown>();
    for (const [k, v] of raw as Map<string, unknown>) map.set(k, child(v));
    out = map;
  } else if (raw instanceof Set) {
    out = new Set(raw);
  } else {
    const obj: Record<string, unknown> = Object.getPrototypeOf(raw) === null ? Object.create(null) : {};
    for (const key of Object.keys(raw)) writeKey(obj, key, child((raw as Record<string, unknown>)[key]));
    out = Object.freeze(obj);
  }
  if (node) node.snapshot = out;
  return out;
}

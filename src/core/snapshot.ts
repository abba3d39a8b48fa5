// Plain, frozen deep copies. Each container's copy is cached by its version, so consecutive
// snapshots share every subtree that did not change (cheap to take, cheap to compare).
import { hooksOf } from './embedded.js';
import { attach, nodes, toRaw } from './tree.js';
import { writeKey } from './values.js';

const cache = new WeakMap<object, { version: number; copy: unknown }>();

/**
 * A plain deep copy of a tracked value (no proxies), frozen, that never changes afterwards.
 * Unchanged subtrees are shared between consecutive snapshots, so `===` tells what changed.
 * The copy works with `structuredClone`, `JSON.stringify` and deep equality.
 */
export function snapshot<T>(tracked: T): T {
  if (typeof tracked !== 'object' || tracked === null) return tracked;
  return copy(toRaw(tracked)) as T;
}

function child(value: unknown, parent: object, key: string | number, tracked: boolean): unknown {
  if (typeof value !== 'object' || value === null) return value;
  // Give never-read children a node so that their copies can be cached too.
  if (tracked && !nodes.has(value)) attach(value, parent, key);
  return copy(value);
}

function copy(raw: object): unknown {
  const hooks = hooksOf(raw);
  if (hooks) return hooks.snapshot();
  const node = nodes.get(raw);
  const hit = cache.get(raw);
  if (node && hit && hit.version === node.version) return hit.copy;
  const tracked = node !== undefined;
  let out: unknown;
  if (Array.isArray(raw)) {
    out = Object.freeze(raw.map((v: unknown, i) => child(v, raw, i, tracked)));
  } else if (raw instanceof Map) {
    const map = new Map<string, unknown>();
    for (const [k, v] of raw as Map<string, unknown>) map.set(k, child(v, raw, k, tracked));
    out = map;
  } else if (raw instanceof Set) {
    out = new Set(raw);
  } else {
    const obj: Record<string, unknown> = Object.getPrototypeOf(raw) === null ? Object.create(null) : {};
    for (const key of Object.keys(raw)) writeKey(obj, key, child((raw as Record<string, unknown>)[key], raw, key, tracked));
    out = Object.freeze(obj);
  }
  if (node) cache.set(raw, { version: node.version, copy: out });
  return out;
}

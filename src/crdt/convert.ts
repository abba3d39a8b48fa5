// Plain tracked values ⇄ Yjs values. Objects and Maps become Y.Map, arrays Y.Array, Sets a
// Y.Map whose keys are the JSON of the elements, text() values Y.Text. Maps and Sets carry a
// tag under the reserved key "\0" so that they come back as Map / Set; user keys that start
// with "\0" are escaped with one more "\0", so every string key stays usable.
import * as Y from 'yjs';
import { isText, TrackedText } from './text.js';

/** The reserved Y.Map key that tags a Map or a Set. */
export const TAG = '\u0000';

/** A Yjs shared type the binding creates or reads. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Yjs types its event payloads with any
export type YType = Y.AbstractType<any>;

// Where a Y type keeps its plain container (see Registry). A symbol shared by every binding:
// a type belongs to one root type and so to one binding at a time, and a new binding of the
// doc links every type again when it loads.
const RAW: unique symbol = Symbol('tinysync.raw');
type Linked = YType & { [RAW]?: object };

/**
 * Links between the tree's plain containers and their Yjs types, both ways: raw → Y in a
 * WeakMap (nothing is ever added to the app's objects), Y → raw as a field of the Y type (a
 * Yjs object, not the app's): one WeakMap entry less per container for `bind()` to make.
 */
export class Registry {
  readonly toY = new WeakMap<object, YType>();
  // The last Change target looked up: a loop of edits hits the same container again and again.
  #target: object | undefined;
  #raw: object | undefined;
  #y: YType | undefined;

  link(raw: object, y: YType): void {
    this.toY.set(raw, y);
    (y as Linked)[RAW] = raw;
    this.#target = undefined;
  }

  /** The plain container linked with `y`, if any. */
  rawOf(y: YType): object | undefined {
    return (y as Linked)[RAW];
  }

  /**
   * The Y type of a Change's `target` (a proxy or an embedded value); `lastRaw` is then the
   * plain container behind it.
   */
  lookup(target: object, unwrap: (value: object) => object): YType | undefined {
    if (target !== this.#target) {
      this.#target = target;
      this.#raw = unwrap(target);
      this.#y = this.toY.get(this.#raw);
    }
    return this.#y;
  }

  get lastRaw(): object {
    return this.#raw!;
  }
}

export function escapeKey(key: string): string {
  return key.charCodeAt(0) === 0 ? TAG + key : key;
}

/** The user key of a Y.Map key (the caller skips the tag key itself). */
export function unescapeKey(key: string): string {
  return key.charCodeAt(0) === 0 ? key.slice(1) : key;
}

/** The Y.Map key of a Set element (strings, finite numbers, booleans, null). */
export function setKey(value: unknown): string {
  return JSON.stringify(value);
}

/** The Set element of a Y.Map key, or undefined for a key that is not one. */
export function setElement(key: string): string | number | boolean | null | undefined {
  if (key === TAG) return undefined;
  try {
    const v = JSON.parse(key) as unknown;
    return v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The Yjs value for a stored plain value: primitives as they are, containers as new
 * (preliminary) Y types holding their current contents, linked in `reg`.
 */
export function toY(value: unknown, reg: Registry): unknown {
  if (typeof value !== 'object' || value === null) return value;
  let y: YType;
  if (Array.isArray(value)) {
    const arr = new Y.Array<unknown>();
    if (value.length) arr.push(value.map((v) => toY(v, reg)));
    y = arr;
  } else if (value instanceof Map) {
    const map = new Y.Map<unknown>();
    map.set(TAG, 'Map');
    for (const [k, v] of value as Map<string, unknown>) map.set(escapeKey(k), toY(v, reg));
    y = map;
  } else if (value instanceof Set) {
    const map = new Y.Map<unknown>();
    map.set(TAG, 'Set');
    for (const v of value) map.set(setKey(v), true);
    y = map;
  } else if (isText(value)) {
    y = new Y.Text(value.toString());
  } else {
    const map = new Y.Map<unknown>();
    for (const k of Object.keys(value)) map.set(escapeKey(k), toY((value as Record<string, unknown>)[k], reg));
    y = map;
  }
  reg.link(value, y);
  return y;
}

function isStorable(v: unknown): boolean {
  return v === null || typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));
}

/**
 * The plain value for a Yjs value (a fresh copy, for the core to adopt). Values the tree
 * cannot hold (binary, undefined, XML types written by other code) become null.
 */
export function fromY(value: unknown): unknown {
  if (value instanceof Y.Map) {
    const tag = value.get(TAG) as unknown;
    if (tag === 'Map') {
      const out = new Map<string, unknown>();
      value.forEach((v, k) => {
        if (k !== TAG) out.set(unescapeKey(k), fromY(v));
      });
      return out;
    }
    if (tag === 'Set') {
      const out = new Set<unknown>();
      for (const k of value.keys()) {
        const el = setElement(k);
        if (el !== undefined) out.add(el);
      }
      return out;
    }
    const out: Record<string, unknown> = {};
    value.forEach((v, k) => {
      if (k === TAG) return;
      const key = unescapeKey(k);
      const child = fromY(v);
      if (key === '__proto__') Object.defineProperty(out, key, { value: child, writable: true, enumerable: true, configurable: true });
      else out[key] = child;
    });
    return out;
  }
  if (value instanceof Y.Array) return value.toArray().map(fromY);
  if (value instanceof Y.Text) return new TrackedText(value.toString());
  return isStorable(value) ? value : null;
}

/**
 * Links every container of the stored plain `raw` with the matching Y type of `y`, which
 * holds the same contents (after a load or a remote insertion the core copied).
 */
export function linkTree(raw: unknown, y: unknown, reg: Registry): void {
  if (typeof raw !== 'object' || raw === null || !(y instanceof Y.AbstractType)) return;
  reg.link(raw, y as YType);
  if (Array.isArray(raw)) {
    if (!(y instanceof Y.Array)) return;
    let i = 0;
    for (const item of y as Y.Array<unknown>) {
      const child: unknown = raw[i++];
      if (typeof child === 'object' && child !== null) linkTree(child, item, reg);
    }
  } else if (raw instanceof Map) {
    if (!(y instanceof Y.Map)) return;
    for (const [k, v] of raw as Map<string, unknown>) {
      if (typeof v === 'object' && v !== null) linkTree(v, y.get(escapeKey(k)), reg);
    }
  } else if (!(raw instanceof Set) && !isText(raw) && y instanceof Y.Map) {
    for (const k of Object.keys(raw)) {
      const v = (raw as Record<string, unknown>)[k];
      if (typeof v === 'object' && v !== null) linkTree(v, y.get(escapeKey(k)), reg);
    }
  }
}

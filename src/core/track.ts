// The proxy core: deep, lazily created proxies over plain objects, arrays, Maps and Sets.
// Every write goes through here, is checked against the value rules, applied to the plain
// object underneath, and recorded as one Change (see transact.ts for delivery).
import type { Change, ChangeOp, PathKey } from './change.js';
import { ValueError } from './errors.js';
import { hooksOf, setEmbeddedReporter } from './embedded.js';
import { checkWrite, guarded } from './guard.js';
import { ITERATE, onReadObserverSwitch, readObserver } from './reads.js';
import { RAW, reflect, setShadowView, shadowFor, type Shadow } from './shadow.js';
import { currentOrigin, deliverNow, keep, notify, recording } from './transact.js';
import { spans, SubscriberTrie, type Span, type Subscriber } from './trie.js';
import { attach, detach, detachAll, existingProxy, nodes, pathTo, proxyFor, toRaw, touch, writePath, type Root } from './tree.js';
import { adopt, isPrimitiveValue, writeKey } from './values.js';

/** Options of `track`. */
export interface TrackOptions {
  /** A name for the tree, copied into every Change (`change.name`). */
  name?: string;
  /** Called once per change, after batch listeners and before path subscribers. */
  onChange?: (change: Change) => void;
}

/**
 * Wraps a structure (plain objects, arrays, Maps with string keys, Sets of primitives, JSON
 * primitives) so that every mutation, however deep, becomes a `Change` that subscribers
 * receive. The structure is copied and checked first; use the returned value from then on,
 * exactly as you used the original.
 *
 * @example
 * const users = track({ regulars: new Set<string>(), admins: new Set<string>() }, {
 *   onChange: (c) => { if (c.path[0] === 'regulars') console.log(`Number of users: ${users.regulars.size}`) },
 * });
 * users.regulars.add('ada'); // prints "Number of users: 1"
 */
export function track<T extends object>(value: T, opts: TrackOptions = {}): T {
  if (typeof value !== 'object' || value === null) throw new ValueError([], 'a primitive (track() takes an object, array, Map or Set)');
  const raw = adopt(value) as object;
  const root: Root = {
    proxy: raw,
    name: opts.name,
    onChange: opts.onChange,
    listeners: new Set(),
    trie: new SubscriberTrie(),
  };
  nodes.set(raw, { parent: undefined, key: '', root });
  return (root.proxy = wrap(raw)) as T;
}

/** True when `value` is a tracked proxy (a root or anything read from one). */
export function isTracked(value: unknown): boolean {
  // toRaw hands anything that is not a proxy (primitives included) back as it is.
  return toRaw(value as object) !== value;
}

function wrap(raw: object): object {
  if (Array.isArray(raw)) return proxyFor(raw, arrayHandler);
  return raw instanceof Map ? proxyFor(raw, mapHandler) : raw instanceof Set ? proxyFor(raw, setHandler) : proxyFor(raw, objectHandler, shadowFor(raw as Record<string, unknown>));
}

/** What a read returns: primitives as they are, containers as their (cached) proxy. */
function view(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  return existingProxy(value) ?? (hooksOf(value) ? value : wrap(value));
}

/**
 * The tracked view of a stored container: its proxy (an embedded value is its own view).
 * For bindings that keep their own links to the plain containers (tinysync/crdt finds the
 * container a Yjs event targets that way) and must write through the proxy to be heard.
 */
export const toTracked = (raw: object): object => view(raw) as object;

setEmbeddedReporter(record);
setShadowView(view);

/** Hands an applied mutation to delivery, skipping all bookkeeping when nobody listens. */
function record(raw: object, op: ChangeOp, args: unknown[], previous: unknown, key?: PathKey, span?: Span, at?: number): void {
  if (guarded) checkWrite(raw, op, args, previous, key, span, at);
  const node = nodes.get(raw);
  const root = touch(raw, node);
  const logging = recording();
  const onlyPaths = !logging && !root?.onChange && !root?.listeners.size;
  let change: Change | undefined;
  // Removed from its tree, or nobody listens: no Change (a transaction must still be able to undo it).
  if (root && !(onlyPaths && root.trie.empty)) {
    const path = writePath(key);
    // With path subscribers only, a change that reaches none of them is not even built.
    let subs: Subscriber[] | undefined;
    if (onlyPaths) {
      root.trie.match(path, op, span, (subs = []));
      if (!subs.length) return;
    }
    change = { root: root.proxy, path, op, args, target: node?.proxy ?? (view(raw) as object), previous, origin: currentOrigin() };
    if (root.name !== undefined) change.name = root.name;
    // Spans only serve the path trie: no WeakMap entry per change when nobody subscribes by path.
    if (span && !root.trie.empty) spans.set(change, span);
    if (subs) return notify(subs, change);
    if (!logging) return deliverNow(root, change);
  }
  if (logging) keep({ raw, op, args, previous, span, at, change, root: change && root });
}

function refuse(raw: object, what: string, key?: PathKey): never {
  throw new ValueError(pathTo(raw, key), what);
}

function sameValue(old: unknown, value: unknown): boolean {
  // Only an object can be the proxy of `old`: no WeakMap look-up for a primitive.
  return old === value || (typeof value === 'object' && toRaw(value as object) === old);
}

/**
 * Writes `value` (checked and copied) at `key` of an object, array or Map, replacing `old`. A
 * plain object's write comes through its proxy, which hands its shadow over to be kept in step.
 */
function put(raw: object, key: PathKey, value: unknown, old: unknown, span?: Span, shadow?: Shadow): void {
  const stored = adopt(value, raw, key);
  if (raw instanceof Map) raw.set(key, stored);
  else {
    writeKey(raw as Record<PathKey, unknown>, key as string, stored);
    if (shadow) reflect(shadow, key as string, stored, old === undefined);
  }
  detach(old);
  record(raw, 'set', [key, stored], old, key, span);
}

/** Removes `key` from an object, Map or Set. */
function remove(raw: object, key: PathKey, old: unknown, keys: Iterable<unknown>, shadow?: Shadow): void {
  const at = recording() ? [...keys].indexOf(key) : undefined;
  if (raw instanceof Map || raw instanceof Set) raw.delete(key);
  else {
    delete (raw as Record<PathKey, unknown>)[key];
    if (shadow) delete shadow[key as string];
  }
  detach(old);
  record(raw, 'delete', [key], old, raw instanceof Set ? undefined : key, undefined, at);
}

function clear(raw: Map<unknown, unknown> | Set<unknown>): void {
  if (raw.size === 0) return;
  const before = [...raw];
  raw.clear();
  if (raw instanceof Map) for (const [, v] of before as [unknown, unknown][]) detach(v);
  record(raw, 'clear', [], before);
}

// ---------------------------------------------------------------- plain objects and arrays

const INDEX = /^(?:0|[1-9]\d*)$/;

/** Writes `key` of an object (whose proxy's target is `target`, its shadow) or an array. */
function setKey(raw: object, key: string | symbol, value: unknown, target: object): void {
  if (typeof key === 'symbol') refuse(raw, 'a symbol key');
  if (!Array.isArray(raw)) {
    const had = Object.hasOwn(raw, key);
    const old = had ? (raw as Record<string, unknown>)[key] : undefined;
    if (!had || !sameValue(old, value)) put(raw, key, value, old, undefined, target as Shadow);
  } else if (key === 'length') {
    const n = value as number;
    if (!Number.isInteger(n) || n < 0 || n > raw.length) refuse(raw, `length ${String(value)} (length may only shrink)`);
    if (n !== raw.length) edit(raw, 'splice', n, raw.length - n, []);
  } else {
    if (!INDEX.test(key)) refuse(raw, `property "${key}" on an array`);
    const i = Number(key);
    if (i > raw.length) refuse(raw, `an item past the end (it would leave holes)`, i);
    const old = raw[i];
    if (i === raw.length || !sameValue(old, value)) put(raw, i, value, old, [i, 1, old === undefined ? [] : [old]]);
  }
}

function deleteKey(raw: object, key: string | symbol, target: object): void {
  if (typeof key === 'symbol' || !Object.hasOwn(raw, key)) return;
  if (Array.isArray(raw)) refuse(raw, 'a hole (use splice)', key);
  remove(raw, key, (raw as Record<string, unknown>)[key], Object.keys(raw), target as Shadow);
}

/** Reports a read to the read observer (reactive bindings); free when there is none. */
function observe(raw: object, key: PathKey | typeof ITERATE): void {
  const proxy = readObserver && existingProxy(raw);
  if (proxy) readObserver!(proxy, key);
}

// The only object-valued property an array inherits is `__proto__`.
const inherited = (raw: object, key: PropertyKey) => key === '__proto__' && !Object.hasOwn(raw, key);

function read(raw: object, key: string | symbol, receiver: object): unknown {
  if (readObserver && typeof key !== 'symbol') readObserver(receiver, key === 'length' ? ITERATE : INDEX.test(key) ? Number(key) : key);
  const value = (raw as Record<PropertyKey, unknown>)[key];
  if (typeof value !== 'object' || value === null || typeof key === 'symbol' || inherited(raw, key)) return value;
  return view(value);
}

/** The writing traps of objects and arrays, given how to find the plain object from the proxy's target. */
function writeTraps(rawOf: (target: object) => object): ProxyHandler<object> {
  return {
    set(target, key, value) {
      setKey(rawOf(target), key, value, target);
      return true;
    },
    deleteProperty(target, key) {
      deleteKey(rawOf(target), key, target);
      return true;
    },
    has(target, key) {
      const raw = rawOf(target);
      if (typeof key !== 'symbol') observe(raw, key);
      return key in raw;
    },
    ownKeys(target) {
      const raw = rawOf(target);
      observe(raw, ITERATE);
      return Reflect.ownKeys(raw);
    },
    defineProperty(target, key, desc) {
      const raw = rawOf(target);
      if (!('value' in desc) || desc.writable === false || desc.enumerable === false || desc.configurable === false) refuse(raw, 'an accessor or read-only property', String(key));
      setKey(raw, key, desc.value, target);
      return true;
    },
    setPrototypeOf: (target) => refuse(rawOf(target), 'another prototype'),
    preventExtensions: (target) => refuse(rawOf(target), 'a frozen object'),
  };
}

// A plain object's proxy stands over its shadow (shadow.ts), and reads need no trap; a get
// trap is put in only while a read observer (Solid, React) is installed. Every read looks the
// trap up in the handler and misses: without a prototype the miss ends there (~20% of a read).
const objectHandler: ProxyHandler<object> = Object.assign(Object.create(null) as ProxyHandler<object>, writeTraps((shadow) => (shadow as Shadow)[RAW]), {
  // The object's own property, holding what a read returns (a child's proxy).
  getOwnPropertyDescriptor(shadow: object, key: string | symbol) {
    const desc = Reflect.getOwnPropertyDescriptor((shadow as Shadow)[RAW], key);
    if (desc) desc.value = (shadow as Shadow)[key];
    return desc;
  },
  // A big object's shadow has the object itself as prototype (shadow.ts).
  getPrototypeOf: (shadow: object) => Object.getPrototypeOf((shadow as Shadow)[RAW]) as object | null,
});

function observedGet(shadow: object, key: string | symbol, receiver: object): unknown {
  if (readObserver && typeof key !== 'symbol') readObserver(receiver, key);
  return Reflect.get(shadow, key, receiver);
}

onReadObserverSwitch((observed) => {
  if (observed) objectHandler.get = observedGet;
  else delete objectHandler.get;
});

const arrayHandler: ProxyHandler<object> = {
  ...writeTraps((raw) => raw),
  get: (raw, key, receiver: object) => (key in arrayMethods ? arrayMethods[key as string] : read(raw, key, receiver)),
};

// ---------------------------------------------------------------- array methods

/** Resolves a relative index (negative counts from the end), clamped to [0, length]. */
function relative(value: unknown, length: number, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Math.trunc(Number(value)) || 0;
  return n < 0 ? Math.max(length + n, 0) : Math.min(n, length);
}

/**
 * Adopts items bound for `at`, `at + 1`, ... in place: every caller passes a fresh array of its
 * own (rest arguments, a slice), so no copy of it (nor a closure) is made per edit.
 */
function adoptAll(raw: unknown[], items: unknown[], at: number): unknown[] {
  for (let i = 0; i < items.length; i++) items[i] = adopt(items[i], raw, at + i);
  return items;
}

/** What a push removed, shared: never handed out (a push returns the length) nor changed. */
const NOTHING: unknown[] = [];

/** Splices without spreading huge item lists onto the stack. */
function spliceRaw(raw: unknown[], start: number, count: number, items: unknown[]): unknown[] {
  if (items.length < 10_000) return raw.splice(start, count, ...items);
  const removed = raw.splice(start, count);
  for (let i = 0; i < items.length; i += 10_000) raw.splice(start + i, 0, ...items.slice(i, i + 10_000));
  return removed;
}

/**
 * The one way items enter or leave an array (push, pop, shift, unshift, splice, length):
 * replaces `count` items at `start` by `items` and records it under `op`.
 */
function edit(raw: unknown[], op: ChangeOp, start: number, count: number, items: unknown[]): unknown[] {
  const stored = adoptAll(raw, items, start);
  // A push removes nothing: Array#push, not a splice building an empty result (5x slower).
  const removed = op === 'push' && stored.length < 10_000 ? (raw.push(...stored), NOTHING) : spliceRaw(raw, start, count, stored);
  detachAll(removed);
  const isSplice = op === 'splice';
  record(raw, op, isSplice ? [start, count, ...stored] : stored, isSplice ? removed : removed[0], undefined, [start, stored.length, removed]);
  return removed;
}

/** The one way items are rewritten in place (sort, reverse, fill, copyWithin). */
function rewrite(raw: unknown[], op: ChangeOp, args: unknown[], start: number, items: unknown[]): void {
  const before = raw.slice(start, start + items.length);
  if (before.every((v, i) => v === items[i])) return;
  detachAll(before);
  items.forEach((v, i) => attach((raw[start + i] = v), raw, start + i));
  record(raw, op, args, before, undefined, [start, items.length, before]);
}

// push, pop, shift, unshift and splice, each as the splice it is: [start, count, items].
const splices: Record<string, (length: number, args: unknown[]) => [number, number, unknown[]]> = {
  push: (n, items) => [n, 0, items],
  pop: (n) => [n - 1, n ? 1 : 0, []],
  shift: (n) => [0, n ? 1 : 0, []],
  unshift: (_, items) => [0, 0, items],
  splice: (n, [from, count, ...items]) => {
    const start = relative(from, n, 0);
    // splice() removes nothing, splice(s) removes the rest, splice(s, c) at most c.
    return [start, count === undefined ? (from === undefined ? 0 : n - start) : Math.min(Math.max(Math.trunc(Number(count)) || 0, 0), n - start), items];
  },
};

type ArrayMethod = (this: unknown[], ...args: never[]) => unknown;
const arrayMethods: Record<string, ArrayMethod> = Object.create(null) as Record<string, ArrayMethod>;
for (const op in splices) {
  arrayMethods[op] = function (this: unknown[], ...args: unknown[]): unknown {
    const raw = toRaw(this);
    const [start, count, items] = splices[op]!(raw.length, args);
    const removed = count || items.length ? edit(raw, op as ChangeOp, start, count, items) : [];
    return op === 'splice' ? removed : op === 'push' || op === 'unshift' ? raw.length : removed[0];
  };
}

// sort, reverse, fill and copyWithin, each on the plain array; the method returns the proxy.
const rewrites: Record<string, (raw: unknown[], ...args: never[]) => void> = {
  sort(raw, compare?: (a: unknown, b: unknown) => number) {
    if (compare !== undefined && typeof compare !== 'function') throw new TypeError('tinysync: sort() takes a function');
    // The comparator sees what any reader sees: tracked proxies.
    rewrite(raw, 'sort', compare ? [compare] : [], 0, raw.slice().sort(compare && ((a, b) => compare(view(a), view(b)))));
  },
  reverse(raw) {
    rewrite(raw, 'reverse', [], 0, raw.slice().reverse());
  },
  fill(raw, value: unknown, from?: unknown, to?: unknown) {
    const start = relative(from, raw.length, 0);
    const end = relative(to, raw.length, raw.length);
    if (start < end) {
      const stored = adoptAll(raw, new Array<unknown>(end - start).fill(value), start);
      rewrite(raw, 'fill', [stored[0], start, end], start, stored);
    }
  },
  copyWithin(raw, to: unknown, from?: unknown, end?: unknown) {
    const target = relative(to, raw.length, 0);
    const start = relative(from, raw.length, 0);
    const count = Math.min(relative(end, raw.length, raw.length) - start, raw.length - target);
    // Objects are copied, not moved: each stored object has exactly one place.
    if (count > 0) rewrite(raw, 'copyWithin', [target, start, start + count], target, adoptAll(raw, raw.slice(start, start + count), target));
  },
};
for (const op in rewrites) {
  arrayMethods[op] = function (this: unknown[], ...args: never[]): unknown[] {
    rewrites[op]!(toRaw(this), ...args);
    return this;
  };
}

// ---------------------------------------------------------------- Map and Set

function* viewEntries(raw: Map<string, unknown>, entries: boolean): IterableIterator<unknown> {
  for (const [k, v] of raw) yield entries ? [k, view(v)] : view(v);
}

type CollectionMethod = (this: Map<string, unknown> & Set<unknown>, ...args: never[]) => unknown;
// Shared by Map and Set: a Set deletes its members as a Map deletes its keys.
const removal: Record<string, CollectionMethod> = {
  delete(this: Map<string, unknown> & Set<unknown>, key: string): boolean {
    const raw = toRaw(this);
    const had = raw.has(key);
    if (had) remove(raw, key, raw instanceof Map ? raw.get(key) : key, raw.keys());
    return had;
  },
  clear(this: Map<string, unknown>): void {
    clear(toRaw(this));
  },
};

const mapMethods: Record<PropertyKey, unknown> = {
  ...removal,
  get(this: Map<string, unknown>, key: string): unknown {
    readObserver?.(this, key);
    return view(toRaw(this).get(key));
  },
  set(this: Map<string, unknown>, key: string, value: unknown): Map<string, unknown> {
    const raw = toRaw(this);
    if (typeof key !== 'string') refuse(raw, `a ${typeof key} Map key`);
    const old = raw.get(key);
    if (!raw.has(key) || !sameValue(old, value)) put(raw, key, value, old);
    return this;
  },
  has(this: Map<string, unknown>, key: string): boolean {
    readObserver?.(this, key);
    return toRaw(this).has(key);
  },
  forEach(this: Map<string, unknown>, cb: (value: unknown, key: string, map: Map<string, unknown>) => void, thisArg?: unknown): void {
    for (const [k, v] of toRaw(this)) cb.call(thisArg, view(v), k, this);
  },
  entries(this: Map<string, unknown>) {
    return viewEntries(toRaw(this), true);
  },
  values(this: Map<string, unknown>) {
    return viewEntries(toRaw(this), false);
  },
};
// As on Map.prototype, iterating a Map is its entries().
mapMethods[Symbol.iterator] = mapMethods.entries;

const setMethods: Record<PropertyKey, unknown> = {
  ...removal,
  add(this: Set<unknown>, value: unknown): Set<unknown> {
    const raw = toRaw(this);
    if (!isPrimitiveValue(value)) refuse(raw, `${typeof value === 'object' ? 'an object' : String(value)} in a Set`);
    if (!raw.has(value)) {
      raw.add(value);
      record(raw, 'add', [value], undefined);
    }
    return this;
  },
};

// Reads that depend on a collection's whole contents rather than one key (a Set's `has` too).
// A plain array: where no read observer is ever set (the bare core), it is dropped as dead code.
const iteration: PropertyKey[] = ['size', 'forEach', 'keys', 'values', 'entries', Symbol.iterator];

function collectionHandler(methods: Record<PropertyKey, unknown>, shapeRead?: string): ProxyHandler<object> {
  const refuseProperty = (raw: object): never => refuse(raw, 'a property on a Map or Set');
  return {
    get(raw, key, receiver: object) {
      if (readObserver && (key === shapeRead || iteration.includes(key))) readObserver(receiver, ITERATE);
      if (Object.hasOwn(methods, key)) return methods[key];
      // Accessors and built-in methods (size, keys, ...) need the real Map/Set as `this`.
      const value = Reflect.get(raw, key, raw) as unknown;
      return typeof value === 'function' && key !== 'constructor' ? (value as (...a: unknown[]) => unknown).bind(raw) : value;
    },
    set: refuseProperty,
    defineProperty: refuseProperty,
    deleteProperty: refuseProperty,
    setPrototypeOf: refuseProperty,
    preventExtensions: refuseProperty,
  };
}

const mapHandler = collectionHandler(mapMethods);
const setHandler = collectionHandler(setMethods, 'has');

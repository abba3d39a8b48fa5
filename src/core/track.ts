// The proxy core: deep, lazily created proxies over plain objects, arrays, Maps and Sets.
// Every write goes through here, is checked against the value rules, applied to the plain
// object underneath, and recorded as one Change (see transact.ts for delivery).
import type { Change, ChangeOp, PathKey } from './change.js';
import { ValueError } from './errors.js';
import { hooksOf, setEmbeddedReporter } from './embedded.js';
import { ITERATE, readObserver } from './reads.js';
import { emit, currentOrigin, recording } from './transact.js';
import { spans, SubscriberTrie, type Span } from './trie.js';
import { attach, detach, detachAll, existingProxy, locate, nodes, proxyFor, toRaw, touch, type Location, type Root } from './tree.js';
import { adopt, isPrimitiveValue, writeKey, type Placements } from './values.js';

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
  const placements: Placements = [];
  const raw = adopt(value, [], toRaw, placements) as object;
  const root: Root = {
    proxy: raw,
    name: opts.name,
    onChange: opts.onChange,
    listeners: new Set(),
    trie: new SubscriberTrie(),
  };
  nodes.set(raw, { parent: undefined, key: '', version: 0, root });
  for (const [child, holder, key] of placements) attach(child, holder, key);
  root.proxy = wrap(raw);
  return root.proxy as T;
}

/** True when `value` is a tracked proxy (a root or anything read from one). */
export function isTracked(value: unknown): boolean {
  return typeof value === 'object' && value !== null && toRaw(value) !== value;
}

function wrap(raw: object): object {
  return proxyFor(raw, Array.isArray(raw) ? arrayHandler : raw instanceof Map ? mapHandler : raw instanceof Set ? setHandler : objectHandler);
}

/** What a read returns: primitives as they are, containers as their (cached) proxy. */
function view(value: unknown, parent: object, key: PathKey): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const proxy = existingProxy(value);
  if (proxy) return proxy;
  if (hooksOf(value)) return value;
  attach(value, parent, key);
  return wrap(value);
}

/**
 * Gives a freshly stored value (and, when it holds embedded values, every container above
 * them) its place, so that embedded values can report their edits with the right path.
 */
function settle(stored: unknown, raw: object, key: PathKey, placements: Placements): void {
  if (typeof stored !== 'object' || stored === null) return;
  if (placements.length === 0 && !hooksOf(stored)) return;
  attach(stored, raw, key);
  for (const [child, holder, k] of placements) attach(child, holder, k);
  placements.length = 0;
}

setEmbeddedReporter((value, op, args, previous) => record(value, locate(value), op, args, previous));

/** Hands an applied mutation to delivery, skipping all bookkeeping when nobody listens. */
function record(raw: object, loc: Location | undefined, op: ChangeOp, args: unknown[], previous: unknown, key?: PathKey, span?: Span, at?: number): void {
  touch(raw);
  if (!loc) {
    // Not in a tree any more: nothing to tell, but a transaction must still be able to undo it.
    if (recording()) emit({ raw, op, args, previous, span, at, change: undefined, root: undefined });
    return;
  }
  const root = loc.root;
  if (!recording() && !root.onChange && root.listeners.size === 0 && root.trie.empty) return;
  const change: Change = {
    root: root.proxy,
    path: key === undefined ? loc.path : [...loc.path, key],
    op,
    args,
    target: hooksOf(raw) ? raw : wrap(raw),
    previous,
    origin: currentOrigin(),
  };
  if (root.name !== undefined) change.name = root.name;
  if (span) spans.set(change, span);
  emit({ raw, op, args, previous, span, at, change, root });
}

/** Where a key stands among its container's keys; only needed to undo a deletion. */
function position(keys: Iterable<unknown>, key: unknown): number | undefined {
  if (!recording()) return undefined;
  let i = 0;
  for (const k of keys) {
    if (k === key) return i;
    i++;
  }
  return undefined;
}

function pathFor(loc: Location | undefined, ...keys: PathKey[]): PathKey[] {
  return [...(loc?.path ?? []), ...keys];
}

function sameValue(old: unknown, value: unknown): boolean {
  return old === value || (typeof value === 'object' && value !== null && toRaw(value) === old);
}

function refuseShape(raw: object, what: string): never {
  throw new ValueError(locate(raw)?.path ?? [], what);
}

// ---------------------------------------------------------------- plain objects and arrays

const INDEX = /^(?:0|[1-9]\d*)$/;

function setKey(raw: object, key: string | symbol, value: unknown): void {
  if (typeof key === 'symbol') refuseShape(raw, 'a value under a symbol key');
  if (Array.isArray(raw)) return setIndex(raw, key, value);
  const obj = raw as Record<string, unknown>;
  const had = Object.hasOwn(obj, key);
  const old = had ? obj[key] : undefined;
  if (had && sameValue(old, value)) return;
  const loc = locate(raw);
  const placements: Placements = [];
  const stored = adopt(value, pathFor(loc, key), toRaw, placements);
  writeKey(obj, key, stored);
  detach(old);
  settle(stored, raw, key, placements);
  record(raw, loc, 'set', [key, stored], old, key);
}

function setIndex(raw: unknown[], key: string, value: unknown): void {
  if (key === 'length') return setLength(raw, value);
  if (!INDEX.test(key)) refuseShape(raw, `a property "${key}" on an array (arrays hold items only)`);
  const i = Number(key);
  if (i > raw.length) throw new ValueError(pathFor(locate(raw), i), `an item past the end of an array of ${raw.length} (it would leave holes)`);
  const old = raw[i];
  if (i < raw.length && sameValue(old, value)) return;
  const loc = locate(raw);
  const placements: Placements = [];
  const stored = adopt(value, pathFor(loc, i), toRaw, placements);
  raw[i] = stored;
  detach(old);
  settle(stored, raw, i, placements);
  record(raw, loc, 'set', [i, stored], old, i, [i, 1, old === undefined ? [] : [old]]);
}

function setLength(raw: unknown[], value: unknown): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > raw.length) {
    refuseShape(raw, `length ${String(value)} (length may only shrink an array; growing it would leave holes)`);
  }
  if (value !== raw.length) edit(raw, 'splice', value, raw.length - value, []);
}

function deleteKey(raw: object, key: string | symbol): void {
  if (typeof key === 'symbol') return;
  if (Array.isArray(raw)) refuseShape(raw, `a hole at [${key}] (use splice to remove items)`);
  const obj = raw as Record<string, unknown>;
  if (!Object.hasOwn(obj, key)) return;
  const old = obj[key];
  const loc = locate(raw);
  const at = position(Object.keys(obj), key);
  delete obj[key];
  detach(old);
  record(raw, loc, 'delete', [key], old, key, undefined, at);
}

// The only object-valued property a plain object or array inherits is `__proto__`.
const inherited = (raw: object, key: PropertyKey) => key === '__proto__' && !Object.hasOwn(raw, key);

const objectHandler: ProxyHandler<object> = {
  get(raw, key, receiver: object) {
    if (readObserver && typeof key !== 'symbol') readObserver(receiver, key);
    const value = (raw as Record<PropertyKey, unknown>)[key];
    if (typeof value !== 'object' || value === null || typeof key === 'symbol' || inherited(raw, key)) return value;
    return view(value, raw, key);
  },
  set(raw, key, value) {
    setKey(raw, key, value);
    return true;
  },
  deleteProperty(raw, key) {
    deleteKey(raw, key);
    return true;
  },
  has(raw, key) {
    if (readObserver && typeof key !== 'symbol') {
      const proxy = existingProxy(raw);
      if (proxy) readObserver(proxy, key);
    }
    return key in raw;
  },
  ownKeys(raw) {
    if (readObserver) {
      const proxy = existingProxy(raw);
      if (proxy) readObserver(proxy, ITERATE);
    }
    return Reflect.ownKeys(raw);
  },
  defineProperty(raw, key, desc) {
    if ('get' in desc || 'set' in desc || !('value' in desc) || desc.writable === false || desc.enumerable === false || desc.configurable === false) {
      refuseShape(raw, `an accessor or read-only property "${String(key)}" (only plain data)`);
    }
    setKey(raw, key, desc.value);
    return true;
  },
  setPrototypeOf(raw) {
    return refuseShape(raw, 'a different prototype');
  },
  preventExtensions(raw) {
    return refuseShape(raw, 'a frozen or sealed object (tracked objects stay writable)');
  },
};

const arrayHandler: ProxyHandler<object> = {
  ...objectHandler,
  get(raw, key, receiver: object) {
    if (key in arrayMethods) return arrayMethods[key as string];
    if (readObserver && typeof key !== 'symbol') readObserver(receiver, key === 'length' ? ITERATE : INDEX.test(key) ? Number(key) : key);
    const value = (raw as Record<PropertyKey, unknown>)[key];
    if (typeof value !== 'object' || value === null || typeof key === 'symbol' || inherited(raw, key)) return value;
    return view(value, raw, Number(key));
  },
};

// ---------------------------------------------------------------- array methods

function toInteger(value: unknown): number {
  const n = Math.trunc(Number(value));
  return Number.isNaN(n) ? 0 : n;
}

/** Resolves a relative index (negative counts from the end), clamped to [0, length]. */
function relative(value: unknown, length: number, fallback: number): number {
  if (value === undefined) return fallback;
  const n = toInteger(value);
  return n < 0 ? Math.max(length + n, 0) : Math.min(n, length);
}

/** Adopts items bound for `at`, `at + 1`, ...; `placed` then gives them their places. */
function adoptAll(items: unknown[], loc: Location | undefined, at: number): { stored: unknown[]; placed: (raw: unknown[], from: number) => void } {
  const placements: Placements = [];
  const stored = items.map((item, i) => adopt(item, pathFor(loc, at + i), toRaw, placements));
  const placed = (raw: unknown[], from: number) => {
    if (placements.length === 0 && !stored.some((v) => typeof v === 'object' && v !== null && hooksOf(v))) return;
    stored.forEach((v, i) => settle(v, raw, from + i, []));
    for (const [child, holder, k] of placements) attach(child, holder, k);
  };
  return { stored, placed };
}

function unchanged(before: readonly unknown[], after: readonly unknown[], at = 0): boolean {
  for (let i = 0; i < before.length; i++) if (before[i] !== after[at + i]) return false;
  return true;
}

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
  const loc = locate(raw);
  const { stored, placed } = adoptAll(items, loc, start);
  const removed = spliceRaw(raw, start, count, stored);
  detachAll(removed);
  placed(raw, start);
  const isSplice = op === 'splice';
  record(raw, loc, op, isSplice ? [start, count, ...stored] : stored, isSplice ? removed : removed[0], undefined, [start, stored.length, removed]);
  return removed;
}

const arrayMethods: Record<string, (this: unknown[], ...args: never[]) => unknown> = Object.assign(Object.create(null) as object, {
  push(this: unknown[], ...items: unknown[]): number {
    const raw = toRaw(this);
    if (items.length) edit(raw, 'push', raw.length, 0, items);
    return raw.length;
  },
  pop(this: unknown[]): unknown {
    const raw = toRaw(this);
    return raw.length ? edit(raw, 'pop', raw.length - 1, 1, [])[0] : undefined;
  },
  shift(this: unknown[]): unknown {
    const raw = toRaw(this);
    return raw.length ? edit(raw, 'shift', 0, 1, [])[0] : undefined;
  },
  unshift(this: unknown[], ...items: unknown[]): number {
    const raw = toRaw(this);
    if (items.length) edit(raw, 'unshift', 0, 0, items);
    return raw.length;
  },
  splice(this: unknown[], ...args: unknown[]): unknown[] {
    const raw = toRaw(this);
    const length = raw.length;
    const start = relative(args[0], length, 0);
    const count = args.length === 0 ? 0 : args.length === 1 ? length - start : Math.min(Math.max(toInteger(args[1]), 0), length - start);
    const items = args.slice(2);
    return count || items.length ? edit(raw, 'splice', start, count, items) : [];
  },
  sort(this: unknown[], compare?: (a: unknown, b: unknown) => number): unknown[] {
    const raw = toRaw(this);
    if (compare !== undefined && typeof compare !== 'function') throw new TypeError('tinysync: sort() takes a comparison function');
    const before = raw.slice();
    if (compare) raw.sort((a, b) => compare(view(a, raw, 0), view(b, raw, 0)));
    else raw.sort();
    if (!unchanged(before, raw)) record(raw, locate(raw), 'sort', compare ? [compare] : [], before, undefined, [0, raw.length, before]);
    return this;
  },
  reverse(this: unknown[]): unknown[] {
    const raw = toRaw(this);
    const before = raw.slice();
    raw.reverse();
    if (!unchanged(before, raw)) record(raw, locate(raw), 'reverse', [], before, undefined, [0, raw.length, before]);
    return this;
  },
  fill(this: unknown[], value: unknown, startArg?: unknown, endArg?: unknown): unknown[] {
    const raw = toRaw(this);
    const start = relative(startArg, raw.length, 0);
    const end = relative(endArg, raw.length, raw.length);
    if (start >= end) return this;
    const loc = locate(raw);
    const { stored, placed } = adoptAll(new Array<unknown>(end - start).fill(value), loc, start);
    if (unchanged(stored, raw, start)) return this;
    const before = raw.slice(start, end);
    for (let i = start; i < end; i++) raw[i] = stored[i - start];
    detachAll(before);
    placed(raw, start);
    record(raw, loc, 'fill', [stored[0], start, end], before, undefined, [start, end - start, before]);
    return this;
  },
  copyWithin(this: unknown[], targetArg: unknown, startArg?: unknown, endArg?: unknown): unknown[] {
    const raw = toRaw(this);
    const target = relative(targetArg, raw.length, 0);
    const start = relative(startArg, raw.length, 0);
    const end = relative(endArg, raw.length, raw.length);
    const count = Math.min(end - start, raw.length - target);
    if (count <= 0) return this;
    const loc = locate(raw);
    // Objects are copied, not moved: each stored object has exactly one place.
    const { stored: copies, placed } = adoptAll(raw.slice(start, start + count), loc, target);
    if (unchanged(copies, raw, target)) return this;
    const before = raw.slice(target, target + count);
    for (let i = 0; i < count; i++) raw[target + i] = copies[i];
    detachAll(before);
    placed(raw, target);
    record(raw, loc, 'copyWithin', [target, start, start + count], before, undefined, [target, count, before]);
    return this;
  },
});

// ---------------------------------------------------------------- Map and Set

function refuseProperty(raw: object): never {
  return refuseShape(raw, `a property on a ${raw instanceof Map ? 'Map' : 'Set'} (use its methods)`);
}

function* viewEntries(raw: Map<string, unknown>): IterableIterator<[string, unknown]> {
  for (const [k, v] of raw) yield [k, view(v, raw, k)];
}

function* viewValues(raw: Map<string, unknown>): IterableIterator<unknown> {
  for (const [k, v] of raw) yield view(v, raw, k);
}

type MapMethod = (this: Map<string, unknown>, ...args: never[]) => unknown;
const mapMethods: Record<PropertyKey, MapMethod> = Object.assign(Object.create(null) as object, {
  get(this: Map<string, unknown>, key: string): unknown {
    const raw = toRaw(this);
    readObserver?.(this, key);
    return view(raw.get(key), raw, key);
  },
  set(this: Map<string, unknown>, key: string, value: unknown): Map<string, unknown> {
    const raw = toRaw(this);
    if (typeof key !== 'string') refuseShape(raw, `a Map key of type ${typeof key} (Map keys must be strings)`);
    const had = raw.has(key);
    const old = raw.get(key);
    if (had && sameValue(old, value)) return this;
    const loc = locate(raw);
    const placements: Placements = [];
    const stored = adopt(value, pathFor(loc, key), toRaw, placements);
    raw.set(key, stored);
    detach(old);
    settle(stored, raw, key, placements);
    record(raw, loc, 'set', [key, stored], old, key);
    return this;
  },
  delete(this: Map<string, unknown>, key: string): boolean {
    const raw = toRaw(this);
    if (!raw.has(key)) return false;
    const old = raw.get(key);
    const loc = locate(raw);
    const at = position(raw.keys(), key);
    raw.delete(key);
    detach(old);
    record(raw, loc, 'delete', [key], old, key, undefined, at);
    return true;
  },
  clear(this: Map<string, unknown>): void {
    const raw = toRaw(this);
    if (raw.size === 0) return;
    const before = [...raw];
    const loc = locate(raw);
    raw.clear();
    for (const [, v] of before) detach(v);
    record(raw, loc, 'clear', [], before);
  },
  has(this: Map<string, unknown>, key: string): boolean {
    readObserver?.(this, key);
    return toRaw(this).has(key);
  },
  keys(this: Map<string, unknown>) {
    return toRaw(this).keys();
  },
  forEach(this: Map<string, unknown>, cb: (value: unknown, key: string, map: Map<string, unknown>) => void, thisArg?: unknown): void {
    const raw = toRaw(this);
    for (const [k, v] of raw) cb.call(thisArg, view(v, raw, k), k, this);
  },
  entries(this: Map<string, unknown>) {
    return viewEntries(toRaw(this));
  },
  values(this: Map<string, unknown>) {
    return viewValues(toRaw(this));
  },
  [Symbol.iterator](this: Map<string, unknown>) {
    return viewEntries(toRaw(this));
  },
});

type SetMethod = (this: Set<unknown>, ...args: never[]) => unknown;
const setMethods: Record<PropertyKey, SetMethod> = Object.assign(Object.create(null) as object, {
  add(this: Set<unknown>, value: unknown): Set<unknown> {
    const raw = toRaw(this);
    if (!isPrimitiveValue(value)) refuseShape(raw, `${typeof value === 'object' ? 'an object' : String(value)} in a Set (Sets hold strings, finite numbers, booleans and null)`);
    if (raw.has(value)) return this;
    const loc = locate(raw);
    raw.add(value);
    record(raw, loc, 'add', [value], undefined);
    return this;
  },
  delete(this: Set<unknown>, value: unknown): boolean {
    const raw = toRaw(this);
    if (!raw.has(value)) return false;
    const loc = locate(raw);
    const at = position(raw, value);
    raw.delete(value);
    record(raw, loc, 'delete', [value], value, undefined, undefined, at);
    return true;
  },
  has(this: Set<unknown>, value: unknown): boolean {
    return toRaw(this).has(value);
  },
  values(this: Set<unknown>) {
    return toRaw(this).values();
  },
  keys(this: Set<unknown>) {
    return toRaw(this).values();
  },
  entries(this: Set<unknown>) {
    return toRaw(this).entries();
  },
  [Symbol.iterator](this: Set<unknown>) {
    return toRaw(this).values();
  },
  forEach(this: Set<unknown>, cb: (value: unknown, key: unknown, set: Set<unknown>) => void, thisArg?: unknown): void {
    for (const v of toRaw(this)) cb.call(thisArg, v, v, this);
  },
  clear(this: Set<unknown>): void {
    const raw = toRaw(this);
    if (raw.size === 0) return;
    const before = [...raw];
    const loc = locate(raw);
    raw.clear();
    record(raw, loc, 'clear', [], before);
  },
});

function collectionHandler(methods: Record<PropertyKey, unknown>, shapeReads: Set<PropertyKey>): ProxyHandler<object> {
  return {
    get(raw, key, receiver: object) {
      if (readObserver && shapeReads.has(key)) readObserver(receiver, ITERATE);
      if (key in methods) return methods[key];
      // Accessors and built-in methods (size, has, keys, ...) need the real Map/Set as `this`.
      const value = Reflect.get(raw, key, raw) as unknown;
      return typeof value === 'function' && key !== 'constructor' ? (value as (...a: unknown[]) => unknown).bind(raw) : value;
    },
    set: (raw) => refuseProperty(raw),
    defineProperty: (raw) => refuseProperty(raw),
    deleteProperty: (raw) => refuseProperty(raw),
    setPrototypeOf: (raw) => refuseShape(raw, 'a different prototype'),
    preventExtensions: (raw) => refuseShape(raw, 'a frozen Map or Set'),
  };
}

// Reads that depend on a collection's whole contents rather than one key.
const iteration: PropertyKey[] = ['size', 'forEach', 'keys', 'values', 'entries', Symbol.iterator];
const mapHandler = collectionHandler(mapMethods, new Set(iteration));
const setHandler = collectionHandler(setMethods, new Set([...iteration, 'has']));

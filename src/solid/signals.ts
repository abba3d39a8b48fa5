// Fine-grained reactivity for tracked data in Solid. The core reports every read of a tracked
// object (setReadObserver); while a Solid computation runs, each read (object, key) subscribes
// that computation to one signal per (object, key). The core's batches of changes then fire
// exactly the signals of the keys that changed, so Solid reruns what read them and nothing
// else. Signals are per object, not per path: array items move, and the core keeps one proxy
// per stored object, so a computation follows the object it read wherever it goes.
import { batch, createSignal, getListener } from 'solid-js';
import { ITERATE, onBatch, pathOf, setReadObserver, track, type Change, type PathKey, type TrackOptions } from '../core/index.js';

type Key = PathKey | typeof ITERATE;

/** One key's signal: `read` subscribes the running computation, `fire` reruns its readers. */
interface KeySignal {
  read: () => unknown;
  fire: () => void;
}

/** The signals of each tracked object that some computation read, by key. */
const signals = new WeakMap<object, Map<Key, KeySignal>>();
/** Objects whose tree has a batch listener feeding their signals. */
const covered = new WeakSet<object>();
/** Roots with a batch listener (one per root, for the root's lifetime). */
const listened = new WeakSet<object>();
/** The listened roots, to find which root a nested object belongs to. Weak: roots may die. */
const roots = new Set<WeakRef<object>>();
/** Batches already turned into signal fires (a batch may reach more than one listener). */
const handled = new WeakSet<readonly Change[]>();
/** True while this module reads tracked data itself (those reads must not subscribe anyone). */
let internal = false;

const INDEX = /^(?:0|[1-9]\d*)$/;

function observe(target: object, key: Key): void {
  if (internal || getListener() === null) return;
  if (Array.isArray(target) && typeof key === 'string') {
    // `i in array` reports the index as a string; other names are methods (map, indexOf...),
    // whose reads of length and items are reported on their own.
    if (!INDEX.test(key)) return;
    key = Number(key);
  }
  let byKey = signals.get(target);
  if (!byKey) {
    signals.set(target, (byKey = new Map()));
    cover(target);
  }
  let signal = byKey.get(key);
  if (!signal) {
    const [read, write] = createSignal<undefined>(undefined, { equals: false });
    signal = { read, fire: () => write(undefined) };
    byKey.set(key, signal);
  }
  signal.read();
}

setReadObserver(observe);

/** Makes sure the tree holding `target` has a batch listener that feeds its signals. */
function cover(target: object): void {
  if (covered.has(target)) return;
  let path: PathKey[];
  try {
    path = pathOf(target);
  } catch {
    return; // removed from its tree: it never changes again
  }
  if (path.length === 0) {
    listen(target);
    covered.add(target);
    return;
  }
  for (const ref of roots) {
    const root = ref.deref();
    if (!root) {
      roots.delete(ref);
      continue;
    }
    if (walk(root, path) === target) {
      covered.add(target);
      return;
    }
  }
  // Its root was never read in a computation (the object came from elsewhere): listen on the
  // object's tree until the first batch names the root, then hand over to a root listener.
  const stop = onBatch(target, (changes) => {
    stop();
    const first = changes[0];
    if (first) listen(first.root);
    deliver(changes);
  });
  covered.add(target);
}

function walk(root: object, path: readonly PathKey[]): unknown {
  internal = true;
  try {
    let cur: unknown = root;
    for (const key of path) {
      if (typeof cur !== 'object' || cur === null) return undefined;
      cur = cur instanceof Map ? (cur as Map<PathKey, unknown>).get(key) : (cur as Record<PathKey, unknown>)[key];
    }
    return cur;
  } finally {
    internal = false;
  }
}

function listen(root: object): void {
  if (listened.has(root)) return;
  listened.add(root);
  roots.add(new WeakRef(root));
  // Kept for the root's lifetime: it lives in the root's own bookkeeping, so it dies with the
  // tree, and when no computation reads the tree it only costs a WeakMap miss per change.
  onBatch(root, deliver);
}

/** Turns one committed batch into signal fires, in one Solid batch. */
function deliver(changes: readonly Change[]): void {
  if (handled.has(changes)) return;
  handled.add(changes);
  const spans = arraySpans(changes);
  batch(() => {
    for (let i = 0; i < changes.length; i++) {
      const change = changes[i]!;
      if (change.op === 'text') {
        fireHolder(change);
        continue;
      }
      const byKey = signals.get(change.target);
      if (byKey) fireFor(change, byKey, spans[i]);
    }
  });
}

/**
 * For each array change, the array's length before and after it. Changes are delivered once
 * the batch is over, so lengths are worked out backwards from the array's final length.
 */
function arraySpans(changes: readonly Change[]): Array<[number, number] | undefined> {
  const spans: Array<[number, number] | undefined> = [];
  let lengths: Map<object, number> | undefined;
  for (let i = changes.length - 1; i >= 0; i--) {
    const change = changes[i]!;
    const target = change.target;
    if (!Array.isArray(target) || !signals.has(target)) continue;
    lengths ??= new Map();
    let after = lengths.get(target);
    if (after === undefined) {
      internal = true;
      after = target.length;
      internal = false;
    }
    const before = after - lengthDelta(change);
    lengths.set(target, before);
    spans[i] = [before, after];
  }
  return spans;
}

/**
 * An edit inside an embedded value (tinysync/crdt `text()`): the value reports no reads of its
 * own, so its readers are those that read the key holding it; fire that key of its container.
 */
function fireHolder(change: Change): void {
  const key = change.path[change.path.length - 1];
  if (key === undefined) return;
  const holder = walk(change.root, change.path.slice(0, -1));
  if (typeof holder === 'object' && holder !== null) signals.get(holder)?.get(key)?.fire();
}

function lengthDelta(change: Change): number {
  const { op, args } = change;
  switch (op) {
    case 'push':
    case 'unshift':
      return args.length;
    case 'pop':
    case 'shift':
      return -1;
    case 'splice':
      return args.length - 2 - (args[1] as number);
    case 'set':
      return change.previous === undefined ? 1 : 0;
    default:
      return 0;
  }
}

function fire(byKey: Map<Key, KeySignal>, key: Key): void {
  byKey.get(key)?.fire();
}

/** Fires the signals of indices in [from, to), looping over whichever set is smaller. */
function fireRange(byKey: Map<Key, KeySignal>, from: number, to: number): void {
  if (to - from <= byKey.size) {
    for (let i = from; i < to; i++) byKey.get(i)?.fire();
  } else {
    for (const [key, signal] of byKey) if (typeof key === 'number' && key >= from && key < to) signal.fire();
  }
}

function fireFor(change: Change, byKey: Map<Key, KeySignal>, span: [number, number] | undefined): void {
  const { target, op, args } = change;
  if (Array.isArray(target)) {
    const [before, after] = span ?? [0, Number.MAX_SAFE_INTEGER];
    const longest = Math.max(before, after);
    // ITERATE fires for every array change, index writes included: Solid's For / Index read
    // `length` tracked but the items untracked (they subscribe through a symbol, $TRACK, that
    // the core does not report), so a replaced item must reach them through ITERATE.
    fire(byKey, ITERATE);
    if (op === 'set') return fire(byKey, args[0] as number);
    switch (op) {
      case 'push':
        return fireRange(byKey, before, after);
      case 'pop':
        return fireRange(byKey, after, before);
      case 'splice': {
        const start = args[0] as number;
        const removed = args[1] as number;
        return fireRange(byKey, start, removed === args.length - 2 ? start + removed : longest);
      }
      case 'fill':
        return fireRange(byKey, args[1] as number, args[2] as number);
      case 'copyWithin': {
        const to = args[0] as number;
        return fireRange(byKey, to, to + (args[2] as number) - (args[1] as number));
      }
      default: // shift, unshift, sort, reverse: every index may hold another item
        return fireRange(byKey, 0, longest);
    }
  }
  if (target instanceof Set) return fire(byKey, ITERATE);
  if (target instanceof Map) {
    // Iterating a Map hands out its values without a per-key read, so iteration depends on
    // values too: any write to a Map reruns its iterators.
    if (op === 'clear') for (const signal of byKey.values()) signal.fire();
    else {
      fire(byKey, args[0] as string);
      fire(byKey, ITERATE);
    }
    return;
  }
  fire(byKey, args[0] as string);
  if (op === 'delete' || change.previous === undefined) fire(byKey, ITERATE);
}

/**
 * Returns `tracked` itself, after making sure tinysync/solid's read observer is installed.
 * Importing `tinysync/solid` installs it already; calling this states the dependency in code,
 * so that no bundler drops the module as unused (the package is marked side-effect free).
 *
 * @example
 * const state = reactive(store.data);
 * <h1>{state.title}</h1> // reruns when state.title changes, here or on any peer
 */
export function reactive<T extends object>(tracked: T): T {
  setReadObserver(observe);
  return tracked;
}

/**
 * `track(initial, opts)` made reactive: local Solid state with tinysync's change records.
 *
 * @example
 * const todos = createTracked({ items: [{ title: 'a', done: false }] });
 * todos.items[0]!.done = true; // reruns what read items[0].done
 */
export function createTracked<T extends object>(initial: T, opts?: TrackOptions): T {
  return reactive(track(initial, opts));
}

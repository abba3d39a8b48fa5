// What one component read during its renders, and which committed changes concern it. The
// core reports every read of a tracked object (setReadObserver); while a view of a component
// is being read, each (object, key) lands in that component's read set. Batches of changes
// are then matched against the read sets of the mounted components that read the changed
// object (an index by object), and only those re-render.
import { ITERATE, onBatch, pathOf, setReadObserver, type Change, type PathKey } from '../core/index.js';

export type Key = PathKey | typeof ITERATE;
type Reads = Map<object, Set<Key>>;

/** One `useTracked` call site (one per component instance): its reads and its version. */
export interface Renders {
  /** Reads of the latest render (and of event handlers since). */
  reads: Reads;
  /** Reads of the latest committed render: a discarded concurrent render must not lose them. */
  committed: Reads;
  /** Bumped when a change concerns this component: the useSyncExternalStore snapshot. */
  version: number;
  /** Subscribed (mounted): its reads are in the index. */
  live: boolean;
  /** `epoch` when it last rendered, to catch changes before it subscribed. */
  epoch: number;
  /** Objects under which it is listed in the index. */
  indexed: Set<object>;
  /** Its read-only views, by tracked object, and their Proxy handler (see view.ts). */
  views: WeakMap<object, object>;
  handler?: ProxyHandler<object>;
  notify?: (() => void) | undefined;
  subscribe: (notify: () => void) => () => void;
  snapshot: () => number;
}

/** Counts committed batches: a component that rendered before one may have missed it. */
let epoch = 0;
/** The component whose view is being read, if any. */
let reader: Renders | undefined;
/** Mounted components by the objects they read. */
const index = new WeakMap<object, Set<Renders>>();
/** Batches already matched (a batch may reach more than one listener). */
const handled = new WeakSet<readonly Change[]>();
const listened = new WeakSet<object>();
const roots = new Set<WeakRef<object>>();
const covered = new WeakSet<object>();

setReadObserver((target, key) => {
  if (!reader) return;
  let keys = reader.reads.get(target);
  if (!keys) reader.reads.set(target, (keys = new Set()));
  keys.add(key);
  if (reader.live) enlist(reader, target);
});

/** Runs `fn` with its tracked reads credited to `renders` (none with `undefined`). */
export function reading<R>(renders: Renders | undefined, fn: () => R): R {
  const before = reader;
  reader = renders;
  try {
    return fn();
  } finally {
    reader = before;
  }
}

function enlist(renders: Renders, target: object): void {
  if (renders.indexed.has(target)) return;
  renders.indexed.add(target);
  let set = index.get(target);
  if (!set) index.set(target, (set = new Set()));
  set.add(renders);
}

/** A fresh read set for one component instance, with stable subscribe / snapshot functions. */
export function createRenders(): Renders {
  const r: Renders = {
    reads: new Map(),
    committed: new Map(),
    version: 0,
    live: false,
    epoch,
    indexed: new Set(),
    views: new WeakMap(),
    subscribe(notify) {
      r.notify = notify;
      r.live = true;
      for (const reads of [r.committed, r.reads]) for (const target of reads.keys()) enlist(r, target);
      // A batch between render and subscription: render again (React checks the snapshot).
      if (r.epoch !== epoch) r.version++;
      return () => {
        r.live = false;
        r.notify = undefined;
        for (const target of r.indexed) drop(r, target);
      };
    },
    snapshot() {
      // Not subscribed yet (a render not committed): any batch since counts as a change, so
      // React's pre-commit consistency check sees it and renders again instead of tearing.
      if (!r.live && r.epoch !== epoch) {
        r.version++;
        r.epoch = epoch;
      }
      return r.version;
    },
  };
  return r;
}

/**
 * A render of `renders` committed with `reads`: they become the committed reads, and objects
 * that neither they nor later reads mention leave the index (a long-lived list does not keep
 * every item it ever showed).
 */
export function commit(renders: Renders, reads: Reads): void {
  renders.committed = reads;
  for (const target of renders.indexed) {
    if (!reads.has(target) && !renders.reads.has(target)) drop(renders, target);
  }
}

function drop(renders: Renders, target: object): void {
  renders.indexed.delete(target);
  index.get(target)?.delete(renders);
}

/** Starts a render of `renders`: its reads start over. */
export function beginRender(renders: Renders): Reads {
  renders.epoch = epoch;
  return (renders.reads = new Map());
}

/** Reads a key of a tracked container without crediting anyone. */
function child(container: unknown, key: PathKey): unknown {
  if (typeof container !== 'object' || container === null) return undefined;
  return container instanceof Map ? (container as Map<PathKey, unknown>).get(key) : (container as Record<PathKey, unknown>)[key];
}

/**
 * Makes sure the tree holding `tracked` has a batch listener. One listener per root, for the
 * root's lifetime (it lives in the root's own bookkeeping); an object whose root is not known
 * yet listens on its tree until the first batch names the root.
 */
export function cover(tracked: object): void {
  if (covered.has(tracked)) return;
  covered.add(tracked);
  let path: PathKey[];
  try {
    path = pathOf(tracked);
  } catch {
    return; // not (or no longer) in a tree: it never changes
  }
  if (!path.length) return listen(tracked);
  for (const ref of roots) {
    const root = ref.deref();
    if (!root) roots.delete(ref);
    else if (reading(undefined, () => path.reduce(child, root as unknown)) === tracked) return;
  }
  const stop = onBatch(tracked, (changes) => {
    stop();
    listen(changes[0]!.root);
    deliver(changes);
  });
}

function listen(root: object): void {
  if (listened.has(root)) return;
  listened.add(root);
  roots.add(new WeakRef(root));
  onBatch(root, deliver);
}

/** True when `change` may alter what a component read as `keys` of its target. */
function concerns(keys: Set<Key> | undefined, change: Change): boolean {
  if (!keys) return false;
  const { target, op, args } = change;
  const key = args[0] as Key;
  const grows = change.previous === undefined && keys.has(ITERATE);
  if (Array.isArray(target)) return op !== 'set' || keys.has(key) || grows;
  if (target instanceof Set || op === 'clear') return true;
  return keys.has(key) || ((target instanceof Map || op === 'delete') && keys.has(ITERATE)) || grows;
}

/** Matches one committed batch against the mounted components and re-renders those it concerns. */
function deliver(changes: readonly Change[]): void {
  if (handled.has(changes)) return;
  handled.add(changes);
  epoch++;
  const hit = new Set<Renders>();
  reading(undefined, () => {
    for (const change of changes) {
      let target = change.target;
      let embedded: Change | undefined;
      if (change.op === 'text') {
        // An edit inside an embedded text: its readers read the key that holds it.
        const path = change.path;
        target = path.slice(0, -1).reduce(child, change.root as unknown) as object;
        embedded = { ...change, target, op: 'set', args: [path[path.length - 1]], previous: 0 };
      }
      for (const r of index.get(target) ?? []) {
        if (hit.has(r)) continue;
        const c = embedded ?? change;
        if (concerns(r.reads.get(target), c) || concerns(r.committed.get(target), c)) {
          hit.add(r);
          // New views along the path, so that memoized children given one see the change.
          let at: unknown = change.root;
          r.views.delete(at as object);
          for (const key of change.path) {
            at = child(at, key);
            if (typeof at === 'object' && at !== null) r.views.delete(at);
          }
        }
      }
    }
  });
  for (const r of hit) {
    r.version++;
    r.notify?.();
  }
}

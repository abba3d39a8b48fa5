// Bookkeeping of tracked trees, kept in module WeakMaps so that nothing is ever hidden on the
// user's objects. Every stored container ("raw") gets its node when it is adopted (values.ts)
// and has at most one parent, because values are copied when they are assigned; so a raw's
// path can be found by walking up.
import type { Change, PathKey } from './change.js';
import { hooksOf, reportEmbedded } from './embedded.js';
import type { SubscriberTrie } from './trie.js';

/** Per-tree state, attached to the root raw's node. */
export interface Root {
  proxy: object;
  name: string | undefined;
  onChange: ((change: Change) => void) | undefined;
  /** Batch listeners (bindings, persisters): one call per committed transaction. */
  listeners: Set<(changes: readonly Change[]) => void>;
  trie: SubscriberTrie;
}

export interface TreeNode {
  /** The containing raw, or undefined once removed from the tree (and for the root). */
  parent: object | undefined;
  /** The key in the parent. For arrays only a hint: items move, so it is checked on use. */
  key: PathKey;
  /**
   * The last snapshot of this container, held weakly: once the application drops it, nothing
   * keeps it. `dirty` lists what changed in the container since (a child's key, or undefined
   * for the container itself), so that the next copy of an array is the last one re-spread.
   */
  snapshot?: WeakRef<object> | undefined;
  dirty?: Set<PathKey | undefined> | undefined;
  /** Set on the root node only. */
  root?: Root | undefined;
}

export const nodes = new WeakMap<object, TreeNode>();
const rawToProxy = new WeakMap<object, object>();
const proxyToRaw = new WeakMap<object, object>();

/** The plain object behind a tracked proxy (the value itself when it is not a proxy). */
export function toRaw<T extends object>(value: T): T {
  return (proxyToRaw.get(value) as T | undefined) ?? value;
}


/** The proxy of a raw container, created on first use with the given handler. */
export function proxyFor(raw: object, handler: ProxyHandler<object>): object {
  let proxy = rawToProxy.get(raw);
  if (!proxy) {
    proxy = new Proxy(raw, handler);
    rawToProxy.set(raw, proxy);
    proxyToRaw.set(proxy, raw);
  }
  return proxy;
}

export function existingProxy(raw: object): object | undefined {
  return rawToProxy.get(raw);
}

/**
 * Records that `child` sits at `key` of `parent` (when stored, or put back by a rollback). An
 * embedded value learns on its first placement how to report its edits.
 */
export function attach(child: unknown, parent: object, key: PathKey): void {
  if (typeof child !== 'object' || child === null) return;
  const node = nodes.get(child);
  if (node) {
    node.parent = parent;
    node.key = key;
    return;
  }
  nodes.set(child, { parent, key });
  hooksOf(child)?.attach((op, args, previous) => reportEmbedded(child, op, args, previous));
}

/** Cuts a removed value off its tree: later mutations through old proxies reach nobody. */
export function detach(child: unknown): void {
  const node = nodes.get(child as object);
  if (node) node.parent = undefined;
}

export function detachAll(children: Iterable<unknown>): void {
  for (const child of children) detach(child);
}

export interface Location {
  root: Root;
  path: PathKey[];
}

/**
 * Finds where `raw` sits: its root and its path, or undefined when it is not (or no longer)
 * in a tracked tree.
 */
export function locate(raw: object): Location | undefined {
  const keys: PathKey[] = [];
  let cur = raw;
  for (;;) {
    const node = nodes.get(cur);
    if (!node) return undefined;
    if (node.root) return { root: node.root, path: keys.reverse() };
    const parent = node.parent;
    if (!parent) return undefined;
    let key = node.key;
    if (Array.isArray(parent)) {
      if (parent[key as number] !== cur) {
        key = parent.indexOf(cur);
        if (key < 0) return undefined;
        node.key = key;
      }
    } else if (parent instanceof Map) {
      if (parent.get(key as string) !== cur) return undefined;
    } else if (!Object.hasOwn(parent, key) || (parent as Record<PathKey, unknown>)[key] !== cur) {
      return undefined;
    }
    keys.push(key);
    cur = parent;
  }
}

/**
 * Marks `raw` and its ancestors as changed and returns the tree's root (undefined when `raw`
 * was removed from its tree). Each ancestor that has a snapshot learns which child changed;
 * an array item's key is right wherever it is used: items move only by their array's own edits,
 * which mark the whole array (its next copy then refreshes the keys). One walk up, no allocation
 * unless snapshots are taken: the fast path of a write that nobody listens to.
 */
export function touch(raw: object): Root | undefined {
  let node = nodes.get(raw);
  let key: PathKey | undefined;
  while (node) {
    if (node.snapshot) (node.dirty ??= new Set()).add(key);
    if (node.root || !node.parent) return node.root;
    key = node.key;
    node = nodes.get(node.parent);
  }
  return undefined;
}

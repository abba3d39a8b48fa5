// Bookkeeping of tracked trees, kept in module WeakMaps so that nothing is ever hidden on the
// user's objects. Every stored container ("raw") gets its node when it is adopted (values.ts)
// and has at most one parent, because values are copied when they are assigned; so a raw's
// path can be found by walking up.
import type { Change, PathKey } from './change.js';
import { hooksOf, reportEmbedded } from './embedded.js';
import type { Shadow } from './shadow.js';
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
  /** The container's proxy, once made: kept here, not in a WeakMap of its own (one look-up finds both). */
  proxy?: object | undefined;
  /** A plain object's proxy target, which holds its children's proxies (shadow.ts). */
  shadow?: Shadow | undefined;
  /** The parent's node, found on the first walk up: later walks follow it with no WeakMap look-up. */
  up?: TreeNode | undefined;
}

export const nodes = new WeakMap<object, TreeNode>();
const proxyToRaw = new WeakMap<object, object>();

/** The plain object behind a tracked proxy (the value itself when it is not a proxy). */
export function toRaw<T extends object>(value: T): T {
  return (proxyToRaw.get(value) as T | undefined) ?? value;
}


/** Makes the proxy of a stored container (it has its node) that has none yet, over `target` (the container or its shadow). */
export function proxyFor(raw: object, handler: ProxyHandler<object>, target = raw): object {
  const proxy = (nodes.get(raw)!.proxy = new Proxy(target, handler));
  proxyToRaw.set(proxy, raw);
  return proxy;
}

export function existingProxy(raw: object): object | undefined {
  return nodes.get(raw)?.proxy;
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
    node.up = undefined;
    return;
  }
  nodes.set(child, { parent, key });
  hooksOf(child)?.attach((op, args, previous) => reportEmbedded(child, op, args, previous));
}

/** Cuts a removed value off its tree: later mutations through old proxies reach nobody. */
export function detach(child: unknown): void {
  // Most writes replace a primitive, which has no node: no WeakMap look-up for it.
  const node = typeof child === 'object' && nodes.get(child as object);
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
 * The keys from the last walked container up to its root, bottom-up, from index 1 (0 is kept
 * for a written key): walked() slices a path out of it, exactly sized, so that a write finds
 * its root and its path in one walk. `trailed` is its end (a scratch array: never shrunk,
 * which would free it).
 */
const trail: PathKey[] = [''];
let trailed = 1;

/**
 * Walks from `raw` (whose node is `node`, when the caller has it) up to its root and returns that root, or undefined
 * when `raw` is not (or no longer) in a tracked tree; the keys on the way are left for
 * walked(). An array item's key is only a hint (items move): checked, and corrected when
 * wrong. Unless `peek` (a look-up, not a write), every container on the way is marked as changed: each one
 * that has a snapshot learns which child changed. No allocation unless snapshots are taken:
 * the fast path of a write that nobody listens to.
 */
export function touch(raw: object, node = nodes.get(raw), peek?: boolean): Root | undefined {
  trailed = 1;
  let child: PathKey | undefined;
  while (node) {
    if (!peek && node.snapshot) (node.dirty ??= new Set()).add(child);
    const parent = node.parent;
    if (node.root) return node.root;
    if (!parent) break;
    child = node.key;
    if (Array.isArray(parent) && parent[child as number] !== raw) {
      if ((child = parent.indexOf(raw)) < 0) break;
      node.key = child;
    }
    trail[trailed++] = child;
    raw = parent;
    node = node.up ??= nodes.get(parent);
  }
  trailed = 1;
  return undefined;
}

/** The path the last walk found, root first, ending with `key` when given (`[key]` or `[]` when it found no root). */
export function walked(key?: PathKey): PathKey[] {
  let from = 1;
  if (key !== undefined) trail[(from = 0)] = key;
  return trail.slice(from, trailed).reverse();
}

/**
 * walked() for a write's Change (on every write someone listens to): the same path, copied
 * backwards by a plain loop into an array of its exact size. No slice()/reverse() builtins on
 * the write path (their code is what Yjs's work next to it evicts from the instruction cache),
 * no spare capacity as with push(). walked() stays the compact one for look-ups.
 */
export function writePath(key?: PathKey): PathKey[] {
  let from = 1;
  if (key !== undefined) trail[(from = 0)] = key;
  const path = new Array<PathKey>(trailed - from);
  for (let i = trailed; i > from; ) path[trailed - i] = trail[--i]!;
  return path;
}

/**
 * Finds where `raw` sits: its root and its path (ending with `key` when given), or undefined
 * when it is not (or no longer) in a tracked tree.
 */
export function locate(raw: object, key?: PathKey): Location | undefined {
  const root = touch(raw, undefined, true);
  return root && { root, path: walked(key) };
}

/** The path of `raw` and `key` for an error message: as much of it as is known. */
export const pathTo = (raw: object, key?: PathKey): PathKey[] => locate(raw, key)?.path ?? walked(key);

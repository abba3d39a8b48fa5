// Subscribers indexed by path, so that a change reaches exactly the subscribers whose path it
// touches in O(path depth + matching subscribers), however many others there are.
import type { Change, ChangeOp, PathKey } from './change.js';

export type Subscriber = (change: Change) => void;

interface TrieNode {
  children: Map<string, TrieNode> | undefined;
  subs: Set<Subscriber> | undefined;
}

const WILDCARD = '*';
const newNode = (): TrieNode => ({ children: undefined, subs: undefined });

/**
 * Which children of the changed location a change reaches: all of them (the location itself
 * was replaced or cleared) or, for array edits, the indexes from `from` up to `to`.
 */
interface Reach {
  from: number;
  to: number;
}
const EVERYTHING: Reach = { from: 0, to: Infinity };

/**
 * An array edit as one splice: `count` items now stand at `start` where `removed` stood.
 * Kept for each array Change: the trie reads it to know which items moved, and a rollback
 * undoes the edit with it.
 */
export type Span = [start: number, count: number, removed: unknown[]];
export const spans = new WeakMap<Change, Span>();

export class SubscriberTrie {
  private readonly top: TrieNode = newNode();

  /** Adds a subscriber at `path` (`'*'` matches any one key); returns its removal. */
  add(path: readonly PathKey[], sub: Subscriber): () => void {
    const trail: TrieNode[] = [this.top];
    let node = this.top;
    for (const key of path) {
      const k = String(key);
      node.children ??= new Map();
      let next = node.children.get(k);
      if (!next) node.children.set(k, (next = newNode()));
      node = next;
      trail.push(node);
    }
    (node.subs ??= new Set()).add(sub);
    return () => {
      // A second call must not prune again: the branch may have been pruned and grown anew.
      if (!node.subs?.delete(sub)) return;
      // Prune the branch bottom-up so that unsubscribed paths cost nothing later.
      for (let i = trail.length - 1; i > 0; i--) {
        const n = trail[i]!;
        if (n.subs?.size || n.children?.size) break;
        trail[i - 1]!.children?.delete(String(path[i - 1]));
      }
    };
  }

  get empty(): boolean {
    return !this.top.children?.size && !this.top.subs?.size;
  }

  /**
   * The subscribers a change reaches: those at the changed path or above it (a change below
   * what they watch), and those below it that the change replaced. Each appears once: the
   * trie is a tree, so no node is reached twice. Allocates nothing but `out`.
   */
  match(path: readonly PathKey[], op: ChangeOp, span: Span | undefined, out: Subscriber[]): void {
    visit(this.top, path, 0, op === 'set' || op === 'delete' || !span ? EVERYTHING : reach(span), out);
  }
}

function reach([start, count, removed]: Span): Reach {
  return { from: start, to: count === removed.length ? start + count : Infinity };
}

function visit(node: TrieNode, path: readonly PathKey[], depth: number, r: Reach, out: Subscriber[]): void {
  addAll(node, out);
  const children = node.children;
  if (!children) return;
  if (depth === path.length) {
    for (const [k, child] of children) {
      if (r === EVERYTHING || k === WILDCARD || (Number(k) >= r.from && Number(k) < r.to)) collect(child, out);
    }
    return;
  }
  const k = String(path[depth]);
  const exact = children.get(k);
  if (exact) visit(exact, path, depth + 1, r, out);
  const any = k === WILDCARD ? undefined : children.get(WILDCARD);
  if (any) visit(any, path, depth + 1, r, out);
}

function addAll(node: TrieNode, out: Subscriber[]): void {
  if (node.subs) for (const s of node.subs) out.push(s);
}

function collect(node: TrieNode, out: Subscriber[]): void {
  addAll(node, out);
  if (node.children) for (const child of node.children.values()) collect(child, out);
}

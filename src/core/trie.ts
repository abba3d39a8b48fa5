// Subscribers indexed by path, so that a change reaches exactly the subscribers whose path it
// touches in O(path depth + matching subscribers), however many others there are.
import type { Change, PathKey } from './change.js';

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

function reachOf(change: Change): Reach {
  const span = spans.get(change);
  if (!span) return EVERYTHING;
  const [start, count, removed] = span;
  return { from: start, to: count === removed.length ? start + count : Infinity };
}

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
      node.subs?.delete(sub);
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
   * what they watch), and those below it that the change replaced.
   */
  match(change: Change, out: Set<Subscriber>): void {
    let frontier: TrieNode[] = [this.top];
    addAll(this.top, out);
    for (const key of change.path) {
      const k = String(key);
      const next: TrieNode[] = [];
      for (const node of frontier) {
        const exact = node.children?.get(k);
        if (exact) next.push(exact);
        const any = k === WILDCARD ? undefined : node.children?.get(WILDCARD);
        if (any) next.push(any);
      }
      if (next.length === 0) return;
      for (const node of next) addAll(node, out);
      frontier = next;
    }
    const reach = change.op === 'set' || change.op === 'delete' ? EVERYTHING : reachOf(change);
    for (const node of frontier) {
      if (!node.children) continue;
      for (const [k, child] of node.children) {
        if (reach === EVERYTHING || k === WILDCARD) collect(child, out);
        else {
          const i = Number(k);
          if (Number.isInteger(i) && i >= reach.from && i < reach.to) collect(child, out);
        }
      }
    }
  }
}

function addAll(node: TrieNode, out: Set<Subscriber>): void {
  if (node.subs) for (const s of node.subs) out.add(s);
}

function collect(node: TrieNode, out: Set<Subscriber>): void {
  addAll(node, out);
  if (node.children) for (const child of node.children.values()) collect(child, out);
}

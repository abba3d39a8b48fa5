// Which paths of the tracked tree an update changes, found from the decoded update and the
// room's document without applying anything. The binding lays the tree out as one root type
// ("tinysync"): a map key is a Y.Map key (escaped, see crdt/convert.ts; the "\0" tag key is the
// container itself), an array item is `*`, a text() field's edits are the field's own path.
// A new change names its parent (a root name or a type's ID) or, more often, only its left or
// right neighbour, whose parent and key it shares; both are looked up in the document or in
// the update itself. The work is linear in the update's size plus the delete ranges' span.
import * as Y from 'yjs';
import { formatPointer, type PathRules } from '../core/index.js';

type Struct = Y.Item | Y.GC | Y.Skip;
/** Where a change lands: the root type's name and the path below it. */
interface Loc {
  root: string;
  segs: string[];
}
/** A struct or a type whose location is asked for. */
type Node = Y.Item | Y.AbstractType<any>;
/** One resolution step: the location, no effect (null: Yjs will garbage-collect it), or what it needs first. */
type Step = { done: Loc | null } | { need: Node; then: (loc: Loc) => Loc | null };

/** The root type the binding uses; changes to any other root are outside every path rule. */
export const TREE_ROOT = 'tinysync';
const TAG = '\u0000';
/** Most nested lookups for one location, so a hostile chain cannot exhaust the stack or time. */
const MAX_CHAIN = 1_000_000;

/** An update whose changes cannot be placed (their history is missing, or they are forged). */
class Unresolvable extends Error {}


/**
 * The first path the decoded `update` would change that `rules` do not allow (as a JSON
 * pointer, array items as `*`), or null when every change is allowed. Counted as changes: new
 * items (a map key set, an array item inserted, text edited), deletions of items the document
 * holds and has not deleted yet, and, for a deleted or overwritten container (a map or array),
 * every path below it. Changes the document already holds are skipped, so a client's resync
 * (which repeats its whole delete set) passes. A change whose place cannot be resolved, because
 * its history is neither in the document nor in the update, counts as forbidden: a restricted
 * client's update is never held aside unchecked.
 */
export function forbiddenPath(doc: Y.Doc, update: ReturnType<typeof Y.decodeUpdate>, rules: PathRules): string | null {
  const byClient = new Map<number, Struct[]>();
  for (const s of update.structs) {
    let list = byClient.get(s.id.client);
    if (!list) byClient.set(s.id.client, (list = []));
    list.push(s);
  }
  const fromUpdate = (id: Y.ID): Struct | undefined => {
    const list = byClient.get(id.client);
    if (!list) return undefined;
    let lo = 0;
    let hi = list.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const s = list[mid]!;
      if (id.clock < s.id.clock) hi = mid - 1;
      else if (id.clock >= s.id.clock + s.length) lo = mid + 1;
      else return s;
    }
    return undefined;
  };
  /** The struct with `id`: the document's when it has it, else the update's; undefined when neither. */
  const find = (id: Y.ID): Struct | undefined => (id.clock < Y.getState(doc.store, id.client) ? Y.getItem(doc.store, id) : fromUpdate(id));
  const cache = new Map<Node, Loc | null>();
  const onStack = new Set<Node>();

  const rootLoc = (name: string): Loc => ({ root: name, segs: [] });
  const child = (parent: Loc, parentSub: string | null, parentIsText: boolean): Loc => {
    if (parentSub === TAG || (parentSub === null && parentIsText)) return parent;
    const key = parentSub === null ? '*' : parentSub.charCodeAt(0) === 0 ? parentSub.slice(1) : parentSub;
    return { root: parent.root, segs: [...parent.segs, key] };
  };
  const typeOf = (s: Struct | undefined): Y.AbstractType<any> => {
    if (!(s instanceof Y.Item) || !(s.content instanceof Y.ContentType)) throw new Unresolvable();
    return s.content.type;
  };

  const step = (node: Node): Step => {
    if (node instanceof Y.AbstractType) {
      if (node._item === null) return { done: rootLoc(Y.findRootTypeKey(node)) };
      return { need: node._item, then: (loc) => loc };
    }
    const parent = node.parent;
    // Integrated: its parent is a type of the document.
    if (parent instanceof Y.AbstractType) return { need: parent, then: (loc) => child(loc, node.parentSub, parent instanceof Y.Text) };
    if (typeof parent === 'string') return { done: child(rootLoc(parent), node.parentSub, doc.share.get(parent) instanceof Y.Text) };
    if (parent instanceof Y.ID) {
      const p = find(parent);
      if (p instanceof Y.GC) return { done: null };
      // A type's location is its item's, in the document or new in this update.
      const type = typeOf(p);
      return { need: p as Y.Item, then: (loc) => child(loc, node.parentSub, type instanceof Y.Text) };
    }
    // No parent written: it shares the parent and key of its left (else right) neighbour.
    const nid = node.origin ?? node.rightOrigin;
    if (nid === null) throw new Unresolvable();
    const n = find(nid);
    if (n instanceof Y.GC) return { done: null };
    if (!(n instanceof Y.Item)) throw new Unresolvable();
    return { need: n, then: (loc) => loc };
  };

  const resolve = (start: Node): Loc | null => {
    const stack: Node[] = [start];
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      if (cache.has(top)) {
        stack.pop();
        onStack.delete(top);
        continue;
      }
      onStack.add(top);
      const r = step(top);
      if ('done' in r) {
        cache.set(top, r.done);
        continue;
      }
      const dep = cache.get(r.need);
      if (dep !== undefined) {
        cache.set(top, dep === null ? null : r.then(dep));
        continue;
      }
      if (onStack.has(r.need) || stack.length > MAX_CHAIN) throw new Unresolvable();
      stack.push(r.need);
    }
    return cache.get(start)!;
  };

  const isContainer = (s: Struct): boolean => s instanceof Y.Item && s.content instanceof Y.ContentType && !(s.content.type instanceof Y.Text);
  const show = (loc: Loc): string => (loc.root === TREE_ROOT ? formatPointer(loc.segs) || '/' : `${JSON.stringify(loc.root)}:${formatPointer(loc.segs)}`);
  /** The reason a change at `loc` is refused, or null. `below`: it also replaces everything under loc. */
  const judge = (loc: Loc | null, below: boolean): string | null => {
    if (loc === null) return null;
    if (loc.root !== TREE_ROOT || !rules.allows(loc.segs)) return show(loc);
    if (below && !rules.allowsBelow(loc.segs)) return `${show(loc)}/**`;
    return null;
  };
  /** The document's live value a new map item replaces, if it is a container: deleting it changes all below. */
  const replacesContainer = (item: Y.Item): boolean => {
    let n: Struct | undefined = item;
    for (let hops = 0; n instanceof Y.Item && !(n.parent instanceof Y.AbstractType) && typeof n.parent !== 'string' && hops < MAX_CHAIN; hops++) {
      if (n.parent instanceof Y.ID) {
        // A parent new in this update holds nothing yet; a document one may hold a container there.
        const p = find(n.parent);
        return p instanceof Y.Item && p.parent instanceof Y.AbstractType && p.content instanceof Y.ContentType && slotHoldsContainer(p.content.type, n.parentSub);
      }
      const nid: Y.ID | null = n.origin ?? n.rightOrigin;
      n = nid === null ? undefined : find(nid);
    }
    if (!(n instanceof Y.Item)) return false;
    const type = n.parent instanceof Y.AbstractType ? n.parent : typeof n.parent === 'string' ? doc.share.get(n.parent) : undefined;
    return type !== undefined && slotHoldsContainer(type, n.parentSub);
  };
  const slotHoldsContainer = (type: Y.AbstractType<any>, sub: string | null): boolean => {
    if (sub === null || sub === TAG || type instanceof Y.Text) return false;
    const current = type._map.get(sub);
    return current !== undefined && !current.deleted && isContainer(current);
  };

  try {
    for (const s of update.structs) {
      if (!(s instanceof Y.Item) || s.id.clock + s.length <= Y.getState(doc.store, s.id.client)) continue;
      const loc = resolve(s);
      const bad = judge(loc, loc !== null && loc.segs.length > 0 && replacesContainer(s));
      if (bad !== null) return bad;
    }
    for (const [client, ranges] of update.ds.clients) {
      const state = Y.getState(doc.store, client);
      const structs = doc.store.clients.get(client);
      for (const { clock, len } of ranges) {
        const end = clock + len;
        if (clock < state && structs) {
          for (let i = Y.findIndexSS(structs, clock); i < structs.length && structs[i]!.id.clock < end; i++) {
            const s = structs[i]!;
            if (!(s instanceof Y.Item) || s.deleted) continue;
            const bad = judge(resolve(s), isContainer(s));
            if (bad !== null) return bad;
          }
        }
        // Beyond the document: the update's own new items, checked above; anything else is unknown.
        for (let c = Math.max(clock, state); c < end; ) {
          const s = fromUpdate(Y.createID(client, c));
          if (s === undefined) throw new Unresolvable();
          c = s.id.clock + s.length;
        }
      }
    }
  } catch {
    // Unresolvable, or a forged reference Yjs's lookups throw on (a clock inside no struct).
    return 'a change whose place is unknown (its history is missing)';
  }
  return null;
}

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
  /** How many more places the document these belong to may keep (shared by all of them). */
  pool: { left: number };
}
/** A struct or a type whose location is asked for. */
type Node = Y.Item | Y.AbstractType<any>;
/**
 * One resolution step: the location (`need` null; `loc` null: no effect, Yjs will garbage-
 * collect the change), or the node whose location it needs first: the same place (`same`),
 * or the key `sub` (an array item when null, the place itself when the parent is a text) below it.
 */
interface Step {
  need: Node | null;
  loc: Loc | null;
  same: boolean;
  sub: string | null;
  text: boolean;
}

/** The root type the binding uses; changes to any other root are outside every path rule. */
export const TREE_ROOT = 'tinysync';
const TAG = '\u0000';
/** Most nested lookups for one location, so a hostile chain cannot exhaust the stack or time. */
const MAX_CHAIN = 1_000_000;

/**
 * The location of each type of a document met so far. An integrated item never changes its
 * parent or key (Yjs has no moves), so a type's place holds for good; weak keys let a reloaded
 * document's old types go.
 */
const typeLocs = new WeakMap<Y.AbstractType<any>, Loc>();

/**
 * Locations are shared between calls, children hung off their parent, so that the small edits a
 * client sends all day (one counter, one title) find their place and its verdict without
 * allocating: per update, the check costs a few look-ups rather than fresh paths and maps. The
 * tree of places belongs to its document (its root held weakly by the Y.Doc, so it goes with the
 * room) and keeps at most MAX_PLACES places; past that (a document with very many keys, or
 * hostile updates inventing them) new places are made per call and forgotten.
 */
const MAX_PLACES = 65_536;
const treeLocs = new WeakMap<Y.Doc, Loc>();
const kidsOf = new WeakMap<Loc, Map<string, Loc>>();
/** Per rules (one per connection) and place: 1 allowed, 3 allowed with all below, 0 refused. */
const verdictsOf = new WeakMap<PathRules, WeakMap<Loc, number>>();
function newVerdicts(rules: PathRules): WeakMap<Loc, number> {
  const verdicts = new WeakMap<Loc, number>();
  verdictsOf.set(rules, verdicts);
  return verdicts;
}

/** The refusal of a change whose place cannot be resolved. */
const UNKNOWN_PLACE = 'a change whose place is unknown (its history is missing)';

/** An update whose changes cannot be placed (their history is missing, or they are forged). */
class Unresolvable extends Error {}

// Helpers that need nothing of one call: module functions, so that a call allocates no closures
// for them (a room checks every update of a restricted client; most are one small edit).
/** The place of root type `name`; the tree's own is kept per document, any other root's is made per call. */
const rootLoc = (doc: Y.Doc, name: string): Loc => {
  if (name !== TREE_ROOT) return { root: name, segs: [], pool: { left: 0 } };
  let loc = treeLocs.get(doc);
  if (!loc) treeLocs.set(doc, (loc = { root: TREE_ROOT, segs: [], pool: { left: MAX_PLACES } }));
  return loc;
};
const child = (parent: Loc, parentSub: string | null, parentIsText: boolean): Loc => {
  if (parentSub === TAG || (parentSub === null && parentIsText)) return parent;
  const key = parentSub === null ? '*' : parentSub.charCodeAt(0) === 0 ? parentSub.slice(1) : parentSub;
  let kids = kidsOf.get(parent);
  if (!kids) kidsOf.set(parent, (kids = new Map()));
  let loc = kids.get(key);
  if (!loc) {
    loc = { root: parent.root, segs: [...parent.segs, key], pool: parent.pool };
    if (parent.pool.left > 0) {
      parent.pool.left--;
      kids.set(key, loc);
    }
  }
  return loc;
};
const typeOf = (s: Struct | undefined): Y.AbstractType<any> => {
  if (!(s instanceof Y.Item) || !(s.content instanceof Y.ContentType)) throw new Unresolvable();
  return s.content.type;
};

/** The one Step every resolution step writes into (the check is synchronous: no two run at once). */
const st: Step = { need: null, loc: null, same: false, sub: null, text: false };
const done = (loc: Loc | null): Step => {
  st.need = null;
  st.loc = loc;
  return st;
};
const needs = (need: Node, same: boolean, sub: string | null = null, text = false): Step => {
  st.need = need;
  st.same = same;
  st.sub = sub;
  st.text = text;
  return st;
};
const isContainer = (s: Struct): boolean => s instanceof Y.Item && s.content instanceof Y.ContentType && !(s.content.type instanceof Y.Text);
const show = (loc: Loc): string => (loc.root === TREE_ROOT ? formatPointer(loc.segs) || '/' : `${JSON.stringify(loc.root)}:${formatPointer(loc.segs)}`);
const slotHoldsContainer = (type: Y.AbstractType<any>, sub: string | null): boolean => {
  if (sub === null || sub === TAG || type instanceof Y.Text) return false;
  const current = type._map.get(sub);
  return current !== undefined && !current.deleted && isContainer(current);
};

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
  // Each client's structs are one run of update.structs (checkUpdate refuses a client listed
  // twice); a run keeps the client's clock in the document and the last struct looked up.
  const structs = update.structs;
  const runs = new Map<number, { from: number; to: number; state: number; hint: number }>();
  const stateOf = (client: number): number => runs.get(client)?.state ?? Y.getState(doc.store, client);
  for (let i = 0; i < structs.length; ) {
    const client = structs[i]!.id.client;
    if (runs.has(client)) return UNKNOWN_PLACE;
    const from = i;
    while (i < structs.length && structs[i]!.id.client === client) i++;
    runs.set(client, { from, to: i, state: Y.getState(doc.store, client), hint: from });
  }
  const fromUpdate = (id: Y.ID): Struct | undefined => {
    const run = runs.get(id.client);
    if (!run) return undefined;
    // Neighbours are mostly the struct just looked up or the next one (a paste is a chain).
    for (let i = run.hint; i < run.hint + 2 && i < run.to; i++) {
      const s = structs[i]!;
      if (id.clock >= s.id.clock && id.clock < s.id.clock + s.length) {
        run.hint = i;
        return s;
      }
    }
    let lo = run.from;
    let hi = run.to - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const s = structs[mid]!;
      if (id.clock < s.id.clock) hi = mid - 1;
      else if (id.clock >= s.id.clock + s.length) lo = mid + 1;
      else {
        run.hint = mid;
        return s;
      }
    }
    return undefined;
  };
  /** The struct with `id`: the document's when it has it, else the update's; undefined when neither. */
  const find = (id: Y.ID): Struct | undefined => (id.clock < stateOf(id.client) ? Y.getItem(doc.store, id) : fromUpdate(id));
  const cache = new Map<Node, Loc | null>();
  let onStack: Set<Node> | undefined;

  const verdicts = verdictsOf.get(rules) ?? newVerdicts(rules);
  const step = (node: Node): Step => {
    if (node instanceof Y.AbstractType) {
      const known = typeLocs.get(node);
      if (known) return done(known);
      return node._item === null ? done(rootLoc(doc, Y.findRootTypeKey(node))) : needs(node._item, true);
    }
    const parent = node.parent;
    // Integrated: its parent is a type of the document.
    if (parent instanceof Y.AbstractType) return needs(parent, false, node.parentSub, parent instanceof Y.Text);
    if (typeof parent === 'string') return done(child(rootLoc(doc, parent), node.parentSub, doc.share.get(parent) instanceof Y.Text));
    if (parent instanceof Y.ID) {
      const p = find(parent);
      if (p instanceof Y.GC) return done(null);
      // A type's location is its item's, in the document or new in this update.
      return needs(p as Y.Item, false, node.parentSub, typeOf(p) instanceof Y.Text);
    }
    // No parent written: it shares the parent and key of its left (else right) neighbour.
    const nid = node.origin ?? node.rightOrigin;
    if (nid === null) throw new Unresolvable();
    const n = find(nid);
    if (n instanceof Y.GC) return done(null);
    if (!(n instanceof Y.Item)) throw new Unresolvable();
    return needs(n, true);
  };

  /** The location of `node` if already known: in this call, or a type's from an earlier one. */
  const known = (node: Node): Loc | null | undefined => cache.get(node) ?? (node instanceof Y.AbstractType ? typeLocs.get(node) : undefined);
  const resolve = (start: Node): Loc | null => {
    // Most changes need one lookup of a place already known (the previous item, the parent).
    const seen = cache.get(start);
    if (seen !== undefined) return seen;
    const first = step(start);
    const dep = first.need === null ? first.loc : known(first.need);
    if (dep !== undefined) {
      const loc = first.need === null || dep === null || first.same ? dep : child(dep, first.sub, first.text);
      cache.set(start, loc);
      return loc;
    }
    const stack: Node[] = [start];
    onStack ??= new Set();
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      if (cache.has(top)) {
        stack.pop();
        onStack!.delete(top);
        continue;
      }
      onStack!.add(top);
      const r = step(top);
      const dep = r.need === null ? r.loc : known(r.need);
      if (dep !== undefined) {
        const loc = r.need === null || dep === null || r.same ? dep : child(dep, r.sub, r.text);
        cache.set(top, loc);
        if (loc !== null && top instanceof Y.AbstractType) typeLocs.set(top, loc);
        continue;
      }
      const need = r.need!;
      if (onStack!.has(need) || stack.length > MAX_CHAIN) throw new Unresolvable();
      stack.push(need);
    }
    return cache.get(start)!;
  };

  /**
   * The reason a change at `loc` is refused, or null. Whether struct `s` also replaces
   * everything under loc (a deleted container, or a new item overwriting one) is asked only when
   * the rules do not cover all below loc anyway.
   */
  const judge = (loc: Loc | null, s: Struct, deleted: boolean): string | null => {
    if (loc === null) return null;
    let verdict = verdicts.get(loc);
    if (verdict === undefined) {
      verdict = loc.root === TREE_ROOT && rules.allows(loc.segs) ? (rules.allowsBelow(loc.segs) ? 3 : 1) : 0;
      verdicts.set(loc, verdict);
    }
    if (verdict === 0) return show(loc);
    if (verdict === 1 && (deleted ? isContainer(s) : replacesContainer(s as Y.Item))) return `${show(loc)}/**`;
    return null;
  };
  /** The document's live value a new map item replaces, if it is a container: deleting it changes all below. */
  // Memoised along neighbour chains: a paste of n items is n lookups, not n².
  let replaces: Map<Y.Item, boolean> | undefined;
  const replacesContainer = (item: Y.Item): boolean => {
    const chain: Y.Item[] = [];
    let result = false;
    for (let n: Struct | undefined = item; n instanceof Y.Item && chain.length <= MAX_CHAIN; ) {
      const known = replaces?.get(n);
      if (known !== undefined) {
        result = known;
        break;
      }
      chain.push(n);
      const parent = n.parent;
      if (parent instanceof Y.AbstractType || typeof parent === 'string') {
        const type = typeof parent === 'string' ? doc.share.get(parent) : parent;
        result = type !== undefined && slotHoldsContainer(type, n.parentSub);
        break;
      }
      if (parent instanceof Y.ID) {
        // A parent new in this update holds nothing yet; a document one may hold a container there.
        const p = find(parent);
        result = p instanceof Y.Item && p.parent instanceof Y.AbstractType && p.content instanceof Y.ContentType && slotHoldsContainer(p.content.type, n.parentSub);
        break;
      }
      const nid: Y.ID | null = n.origin ?? n.rightOrigin;
      n = nid === null ? undefined : find(nid);
    }
    replaces ??= new Map();
    for (const c of chain) replaces.set(c, result);
    return result;
  };

  try {
    for (const s of update.structs) {
      if (!(s instanceof Y.Item) || s.id.clock + s.length <= stateOf(s.id.client)) continue;
      const bad = judge(resolve(s), s, false);
      if (bad !== null) return bad;
    }
    for (const [client, ranges] of update.ds.clients) {
      const state = stateOf(client);
      const docStructs = doc.store.clients.get(client);
      for (const { clock, len } of ranges) {
        const end = clock + len;
        if (clock < state && docStructs) {
          for (let i = Y.findIndexSS(docStructs, clock); i < docStructs.length && docStructs[i]!.id.clock < end; i++) {
            const s = docStructs[i]!;
            if (!(s instanceof Y.Item) || s.deleted) continue;
            const bad = judge(resolve(s), s, true);
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
    return UNKNOWN_PLACE;
  }
  return null;
}

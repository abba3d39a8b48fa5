// An estimate of the work Yjs's conflict resolution will do for an update. Item.integrate
// walks the document's list from an item's left neighbour towards its right one; for an honest
// change the two are adjacent or a few concurrent changes apart, but an update may name any two
// items (or none, meaning "from the start" / "to the end"), and then every item of it walks a
// long stretch of the document: 1,000 such items, 8 KB, stalled Yjs 26 s on a 20,000-struct
// text. This walks the same stretches in the document as it is before the update (linked-list
// steps, no Yjs work) and stops counting at a budget.
import * as Y from 'yjs';

/** Finds a struct of the update by an id it contains, or undefined when the update lacks it. */
export type UpdateLookup = (id: Y.ID) => Y.Item | Y.GC | Y.Skip | undefined;

/** Where an item lands: after a document item, at the start of a list, or unknown (no walk). */
type Anchor = Y.Item | 'start' | 'none';

/**
 * Counts, up to `budget`, the list steps Yjs's conflict resolution may take for `items` (the
 * update's items): per item, from where it lands in the document (its left neighbour, or the
 * start of its list) to its right neighbour (or the end). Items an update places relative to
 * its own items are located through them. Returns the count, `budget + 1` once it is exceeded.
 */
export function scanSteps(doc: Y.Doc, items: Y.Item[], lookup: UpdateLookup, budget: number): number {
  const anchors = new Map<Y.Item, Anchor>();
  const inDoc = (id: Y.ID): boolean => id.clock < Y.getState(doc.store, id.client);

  /** The document item an update item lands after, following origins through the update. */
  const anchorOf = (item: Y.Item): Anchor => {
    const chain: Y.Item[] = [];
    const seen = new Set<Y.Item>(); // only filled for chains longer than a few links
    let current: Y.Item = item;
    let anchor: Anchor;
    for (;;) {
      const known = anchors.get(current);
      if (known !== undefined) {
        anchor = known;
        break;
      }
      chain.push(current);
      if (chain.length > 8) seen.add(current);
      const origin = current.origin;
      if (origin === null) {
        anchor = 'start';
        break;
      }
      if (inDoc(origin)) {
        const struct = Y.getItem(doc.store, origin);
        anchor = struct instanceof Y.Item ? struct : 'none'; // next to a GC it becomes a GC: no walk
        break;
      }
      const next = lookup(origin);
      if (!(next instanceof Y.Item) || (chain.length > 8 ? seen.has(next) : chain.includes(next))) {
        anchor = 'none';
        break;
      }
      current = next;
    }
    for (const c of chain) anchors.set(c, anchor);
    return anchor;
  };

  let steps = 0;
  for (const item of items) {
    const left = anchorOf(item);
    if (left === 'none') continue;
    // The right end of the walk: a document item, or where an update item lands, or the end.
    let stop: Y.Item | null | 'none' = null;
    if (item.rightOrigin !== null) {
      if (inDoc(item.rightOrigin)) {
        const struct = Y.getItem(doc.store, item.rightOrigin);
        stop = struct instanceof Y.Item ? struct : 'none';
      } else {
        const q = lookup(item.rightOrigin);
        const at = q instanceof Y.Item ? anchorOf(q) : 'none';
        stop = at === 'start' ? 'none' : at;
      }
    }
    if (stop === 'none') continue;
    let o: Y.Item | null;
    if (left === 'start') {
      // From the start of the list: count from the right end back to the start instead.
      if (stop !== null) {
        for (o = stop.left; o !== null && steps <= budget; o = o.left) steps++;
        continue;
      }
      o = listStart(doc, item);
    } else {
      if (left === stop) continue;
      o = left.right;
    }
    for (; o !== null && o !== stop && steps <= budget; o = o.right) steps++;
    if (steps > budget) return budget + 1;
  }
  return steps;
}

/** The first item of the list (or map entry's history) `item` goes into, when it has no neighbours. */
function listStart(doc: Y.Doc, item: Y.Item): Y.Item | null {
  let type: Y.AbstractType<any> | undefined;
  const parent = item.parent;
  if (typeof parent === 'string') type = doc.share.get(parent);
  else if (parent instanceof Y.ID) {
    if (parent.clock >= Y.getState(doc.store, parent.client)) return null; // a type of the update: empty
    const struct = Y.getItem(doc.store, parent);
    if (struct instanceof Y.Item && struct.content instanceof Y.ContentType) type = struct.content.type;
  }
  if (type === undefined) return null;
  if (item.parentSub === null) return type._start;
  let o = type._map.get(item.parentSub) ?? null;
  while (o !== null && o.left !== null) o = o.left;
  return o;
}

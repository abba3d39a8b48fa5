// Whether an update holds nothing a document lacks: the test a read-only client's updates
// must pass. Y.snapshotContainsUpdate needs Y.snapshot(doc), which walks the whole document
// for every frame; this looks at the state vector and at the delete ranges in question only.
import * as Y from 'yjs';

/**
 * True when every change of `update` is already in `doc` (by its client's clock) and every
 * range it deletes is already deleted there. Throws when the update does not decode. Cost is
 * the update's size plus, per delete range, a binary search and the structs that range covers
 * (ranges are merged first, so a range repeated many times is walked once).
 */
export function updateIsKnown(doc: Y.Doc, update: Uint8Array): boolean {
  const { structs, ds } = Y.decodeUpdate(update);
  for (const struct of structs) {
    if (struct instanceof Y.Skip) continue; // a gap brings nothing
    if (struct.id.clock + struct.length > Y.getState(doc.store, struct.id.client)) return false;
  }
  for (const [client, ranges] of ds.clients) {
    const list = doc.store.clients.get(client);
    for (const [from, to] of merged(ranges)) {
      if (!list || !rangeDeleted(list, from, to)) return false;
    }
  }
  return true;
}

/** The ranges as sorted, non-overlapping [from, to) pairs; empty ranges dropped. */
function merged(ranges: { clock: number; len: number }[]): [number, number][] {
  const sorted = ranges.filter((r) => r.len > 0).map((r): [number, number] => [r.clock, r.clock + r.len]).sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const range of sorted) {
    const last = out[out.length - 1];
    if (last && range[0] <= last[1]) last[1] = Math.max(last[1], range[1]);
    else out.push(range);
  }
  return out;
}

/** Whether every struct of one client's list covering clocks [from, to) is deleted. */
function rangeDeleted(list: (Y.Item | Y.GC)[], from: number, to: number): boolean {
  const last = list[list.length - 1];
  if (!last || to > last.id.clock + last.length) return false;
  for (let i = Y.findIndexSS(list, from); i < list.length; i++) {
    const struct = list[i]!;
    if (struct.id.clock >= to) break;
    if (!struct.deleted) return false;
  }
  return true;
}

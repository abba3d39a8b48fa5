// What `repair()` would drop: the local changes (inserted items and deletions) that the
// server's state lacks, computed from state vectors and delete sets.
import * as Y from 'yjs';

/** A run of Yjs ids: `length` clocks of `client` starting at `clock`. */
export interface IdRange {
  client: number;
  clock: number;
  length: number;
}

/** The local changes absent from the server state, and an update that holds the inserts. */
export interface Dropped {
  update: Uint8Array;
  inserts: IdRange[];
  deletes: IdRange[];
}

/**
 * Compares a local doc with the server's state (one update): `inserts` are the items the
 * server never received, `deletes` the deletions it never received; `update` holds everything
 * the server lacks (`Y.encodeStateAsUpdate(local, serverStateVector)`), so an app can apply it
 * to a scratch doc to show the user what was lost.
 */
export function droppedChanges(local: Y.Doc, serverUpdate: Uint8Array): Dropped {
  const server = new Y.Doc();
  try {
    Y.applyUpdate(server, serverUpdate);
    const update = Y.encodeStateAsUpdate(local, Y.encodeStateVector(server));
    const inserts: IdRange[] = [];
    for (const s of Y.decodeUpdate(update).structs) {
      if (s instanceof Y.Skip) continue;
      inserts.push({ client: s.id.client, clock: s.id.clock, length: s.length });
    }
    const localDs = Y.createDeleteSetFromStructStore(local.store);
    const serverDs = Y.createDeleteSetFromStructStore(server.store);
    const deletes: IdRange[] = [];
    for (const [client, items] of localDs.clients) {
      const theirs = serverDs.clients.get(client) ?? [];
      for (const item of items) {
        for (const r of subtract({ clock: item.clock, len: item.len }, theirs)) {
          deletes.push({ client, clock: r.clock, length: r.len });
        }
      }
    }
    return { update, inserts, deletes };
  } finally {
    server.destroy();
  }
}

/** The parts of `range` not covered by any of `cover` (sorted, non-overlapping ranges). */
function subtract(range: { clock: number; len: number }, cover: Array<{ clock: number; len: number }>): Array<{ clock: number; len: number }> {
  const out: Array<{ clock: number; len: number }> = [];
  let start = range.clock;
  const end = range.clock + range.len;
  for (const c of cover) {
    const cEnd = c.clock + c.len;
    if (cEnd <= start || c.clock >= end) continue;
    if (c.clock > start) out.push({ clock: start, len: c.clock - start });
    start = Math.max(start, cEnd);
    if (start >= end) break;
  }
  if (start < end) out.push({ clock: start, len: end - start });
  return out;
}

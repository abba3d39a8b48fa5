// A deeply nested document, as an attacker with a write token could send one.
import * as Y from 'yjs';

/** A document with `levels` nested maps under the top-level map `root` (level 1), sent as one update. */
export function deepMapUpdate(levels: number): Uint8Array {
  const doc = new Y.Doc();
  // One transaction: types created in it are not walked up per change by Yjs' observer bookkeeping.
  doc.transact(() => {
    let map = doc.getMap('root');
    for (let level = 2; level <= levels; level++) {
      const next = new Y.Map<unknown>();
      map.set('child', next);
      map = next;
    }
    map.set('leaf', true);
  });
  const update = Y.encodeStateAsUpdate(doc);
  doc.destroy();
  return update;
}

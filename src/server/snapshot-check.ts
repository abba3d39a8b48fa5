// A compaction replaces a document's whole stored log by one snapshot: a snapshot that does
// not load would make the document unavailable for good, its earlier content included.
import * as Y from 'yjs';

/**
 * Loads `snapshot` into a fresh Y.Doc and throws unless it applies without error, leaves
 * nothing pending, and gives `doc`'s state vector (checked before the snapshot replaces the log).
 */
export function checkSnapshot(doc: Y.Doc, snapshot: Uint8Array): void {
  const probe = new Y.Doc();
  try {
    Y.applyUpdate(probe, snapshot);
    if (probe.store.pendingStructs || probe.store.pendingDs) throw new Error('snapshot leaves structs or deletes pending');
    const want = Y.encodeStateVector(doc);
    const got = Y.encodeStateVector(probe);
    if (Buffer.compare(want, got) !== 0) throw new Error('snapshot does not hold the document\'s state vector');
  } finally {
    probe.destroy();
  }
}

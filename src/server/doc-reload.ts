// Loading a room's document from its stored log, and loading it again in place when an update
// broke it halfway. The stored log is the truth: every accepted update is stored before it is
// relayed, so the log is exactly the document as clients have seen it.
import * as Y from 'yjs';

/**
 * Applies a stored log to `doc` in one transaction. Throws when an update does not apply or
 * when the log leaves anything pending: the server stores integrated changes only, so a log
 * whose updates lack their history is damaged, and serving it would compact that part away.
 */
export function applyLog(doc: Y.Doc, updates: Uint8Array[]): void {
  doc.transact(() => {
    for (const update of updates) Y.applyUpdate(doc, update, 'load');
  });
  if (doc.store.pendingStructs || doc.store.pendingDs) throw new Error('stored log holds updates whose history is missing');
}

/**
 * Empties `doc` and applies `updates` to it again, keeping the Y.Doc object (its listeners and
 * the awareness bound to it stay). For a document Y.applyUpdate threw on halfway: the
 * structs it took in, what it held aside, and every shared type are dropped and rebuilt from
 * the log. Costs one load of the document; taken only when the update check missed a case.
 */
export function reloadLog(doc: Y.Doc, updates: Uint8Array[]): void {
  // A throw inside a transaction still runs its cleanup, so no transaction is open here;
  // clearing the fields anyway keeps a half-closed one from swallowing the reload.
  doc._transaction = null;
  doc._transactionCleanups = [];
  doc.store.clients = new Map();
  doc.store.pendingStructs = null;
  doc.store.pendingDs = null;
  doc.share = new Map();
  doc.subdocs = new Set();
  applyLog(doc, updates);
}

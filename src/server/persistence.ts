// The storage contract of the sync server. SQLite implements it (sqlite.ts); a Postgres or
// Redis backend only has to implement these four methods.

/** What a backend holds for one document: its updates in order, and the sequence number of the last. */
export interface StoredLog {
  /** Yjs updates (v1 encoding), oldest first. Applying all of them rebuilds the document. */
  updates: Uint8Array[];
  /** Sequence number of the last update, 0 when the document has none. */
  lastSeq: number;
}

/**
 * A document store: an append-only log of Yjs updates per document, compacted from time to
 * time. Methods may be synchronous or return promises; the server waits either way, and never
 * calls two methods for the same document at once.
 *
 * Contract:
 * - `append` returns only once the update is durable (the server broadcasts it afterwards).
 * - `load` throws when the stored data cannot be read; it must not return a partial log.
 * - `compact` atomically replaces every update with seq ≤ `upTo` by `snapshot`; updates
 *   appended after `upTo` stay.
 */
export interface Persistence {
  load(doc: string): StoredLog | Promise<StoredLog>;
  /** Stores one update; returns its sequence number (increasing per document). */
  append(doc: string, update: Uint8Array): number | Promise<number>;
  compact(doc: string, snapshot: Uint8Array, upTo: number): void | Promise<void>;
  close(): void | Promise<void>;
}

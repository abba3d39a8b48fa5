// createStore(): a tracked tree, bound to a Y.Doc, connected to the sync worker.
import * as Y from 'yjs';
import { setWriteGuard, snapshot, toRaw, track, type PathKey, type TinysyncError } from '../core/index.js';
import { bind, type Binding } from '../crdt/index.js';
import { SyncClient, type Presence, type RepairReport } from './client.js';
import { guardWrites, rulePath, tokenRules } from './permissions.js';
import type { NetStatus, SyncOptions } from './protocol.js';

/**
 * A store's status: `loading` until the stored state is in `data`, then the network's; a store
 * opened without `sync` is `local` for good (it never connects, so `offline` would mislead).
 */
export type StoreStatus = 'loading' | 'local' | NetStatus;

export interface StoreOptions {
  /** Sync with a tinysync (y-websocket) server; `url` is its sync base, e.g. `ws://host:1234/sync`. */
  sync?: SyncOptions | false;
  /** Keep the IndexedDB log (default true). */
  persist?: boolean;
  /**
   * Keep an undo history of this tab's changes for `undo()` / `redo()` (default true). Like any
   * Y.UndoManager it keeps deleted content alive; turn it off for stores that never undo.
   */
  undo?: boolean;
  /** Starts the sync worker, for bundlers that do not handle `new URL('./x', import.meta.url)` workers. */
  worker?: () => Worker;
  /** Compact the IndexedDB log past this many entries (default 500). */
  compactAfter?: number;
  /** Cap of the reconnect backoff in ms (default 2500). */
  maxBackoffMs?: number;
  /** Worker heartbeat period in ms (default 5000); the worker counts as dead after 3 missed. */
  heartbeatMs?: number;
  /** Test hook: the next N IndexedDB appends fail with a QuotaExceededError (then succeed). */
  failWrites?: number;
}

/** What `repair()` dropped, plus the data as it was before (to show the user what was lost). */
export interface StoreRepairReport<T> extends RepairReport {
  before: T;
}

/** A synced, persisted, tracked structure. See `createStore`. */
export interface Store<T> {
  /** The tracked root: read and mutate it like the plain structure it was. */
  readonly data: T;
  readonly status: StoreStatus;
  onStatus(cb: (status: StoreStatus) => void): () => void;
  /** Typed errors: `StorageError` (quota, blocked), `AuthError`, `WorkerError`. */
  onError(cb: (error: TinysyncError) => void): () => void;
  /** Every change so far is durable in IndexedDB. */
  flushed(): Promise<void>;
  /** Every change so far is held by the server. */
  synced(): Promise<void>;
  /**
   * Takes the store offline on purpose (`false`) or back online (`true`), e.g. for an app's
   * offline switch. Offline, changes are kept and persisted locally and sent on reconnect.
   * Holds for every tab of the store in this browser profile; the browser's own offline state
   * is followed too. Does nothing without `sync`.
   */
  setOnline(online: boolean): void;
  /** Suspends persisting and sending local changes (kept in memory); nests. */
  hold(): void;
  /** Ends a `hold()`: the kept changes go out as one batch. */
  unhold(): void;
  /** Undoes the last local transaction; false if there was none. */
  undo(): boolean;
  redo(): boolean;
  /**
   * Whether the store's token lets it write `path` (for UI: disable what would be refused).
   * True without a token or when its token has no `paths` rules. A write it refuses throws a
   * `PermissionError` at the assignment and leaves the data unchanged.
   */
  canWrite(path: PathKey[]): boolean;
  /** Runs `fn` under an exclusive lock shared by every tab of this browser profile. */
  lock<R>(name: string, fn: () => Promise<R> | R): Promise<R>;
  /** Replaces the local state with the server's; reports the local changes that were dropped. */
  repair(): Promise<StoreRepairReport<T>>;
  readonly presence: Presence;
  /** Test hook: the sync client underneath (its worker, leadership, Y.Doc). */
  readonly client: SyncClient;
  close(): Promise<void>;
}

/**
 * Opens the store `name`: tracks `initial`, loads what IndexedDB holds for `name` (stored data
 * wins over `initial`), then keeps `data` persisted, in step with every other tab, and, with
 * `sync`, with the server. Resolves once the stored state is loaded.
 *
 * @example
 * const store = await createStore('todos', { items: [] as { title: string; done: boolean }[] }, {
 *   sync: { url: 'ws://localhost:1234/sync', token },
 * });
 * store.data.items.push({ title: 'write docs', done: false });
 * await store.synced();
 */
export async function createStore<T extends object>(name: string, initial: T, opts: StoreOptions = {}): Promise<Store<T>> {
  const data = track(initial, { name });
  // The token's path rules, read (not verified) so that a write the server would refuse is
  // refused here, at the assignment, before anything is stored or sent.
  const rules = tokenRules(opts.sync ? opts.sync.token : undefined);
  let binding: Binding | null = null;
  let status: StoreStatus = 'loading';
  const statusListeners = new Set<(s: StoreStatus) => void>();
  const setStatus = (s: StoreStatus) => {
    if (s === status) return;
    status = s;
    for (const cb of statusListeners) cb(s);
  };
  const apply = (doc: Y.Doc, update: Uint8Array) => {
    if (binding && binding.doc === doc) binding.applyUpdate(update, 'remote');
    else Y.applyUpdate(doc, update, 'remote');
  };
  const client = await SyncClient.open(name, new Y.Doc(), {
    persist: opts.persist ?? true,
    sync: opts.sync ?? false,
    apply,
    ...(opts.worker ? { worker: opts.worker } : {}),
    ...(opts.compactAfter !== undefined ? { compactAfter: opts.compactAfter } : {}),
    ...(opts.maxBackoffMs !== undefined ? { maxBackoffMs: opts.maxBackoffMs } : {}),
    ...(opts.heartbeatMs !== undefined ? { heartbeatMs: opts.heartbeatMs } : {}),
    ...(opts.failWrites !== undefined ? { failWrites: opts.failWrites } : {}),
  });
  // The doc holds the stored state now; binding makes it win over `initial`.
  const bindOptions = { undo: opts.undo ?? true };
  binding = bind(data, client.doc, bindOptions);
  if (rules) setWriteGuard(data, guardWrites(() => toRaw(data), rules));
  client.onReset((doc) => {
    binding?.destroy();
    binding = bind(data, doc, bindOptions);
  });
  if (!opts.sync) setStatus('local');
  else {
    setStatus(client.status);
    client.onStatus(setStatus);
  }

  return {
    data,
    get status() {
      return status;
    },
    onStatus(cb) {
      statusListeners.add(cb);
      return () => statusListeners.delete(cb);
    },
    onError: (cb) => client.onError(cb),
    flushed: () => client.flushed(),
    synced: () => client.synced(),
    setOnline: (online) => client.setOnline(online),
    hold: () => client.hold(),
    unhold: () => client.unhold(),
    undo: () => binding?.undo() ?? false,
    redo: () => binding?.redo() ?? false,
    canWrite: (path) => !rules || rules.allows(rulePath(toRaw(data), path)),
    lock: (lockName, fn) => client.lock(lockName, fn),
    async repair() {
      const before = snapshot(data);
      const report = await client.repair();
      return { ...report, before };
    },
    presence: client.presence,
    client,
    async close() {
      await client.close();
      binding?.destroy();
      binding = null;
      client.doc.destroy();
      if (opts.sync) setStatus('offline');
    },
  };
}

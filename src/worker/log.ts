// The IndexedDB update log of one store: appends (batched, one transaction per batch),
// compaction into one snapshot record, load, catch-up reads, replacement (repair).
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import { compactState, mergeMany } from './merge.js';
import type { ErrorInfo } from './protocol.js';

interface LogSchema extends DBSchema {
  updates: { key: number; value: Uint8Array };
  meta: { key: string; value: Snapshot };
}

/** The merged state of every entry compacted so far. `seq` changes on every compaction. */
interface Snapshot {
  update: Uint8Array;
  seq: number;
}

type DB = IDBPDatabase<LogSchema>;

/** Runs `fn` holding the exclusive lock `name` unless someone holds it; `fn(false)` then. */
export type TryLock = <R>(name: string, fn: (got: boolean) => Promise<R>) => Promise<R>;

export interface LogOptions {
  /** Store name; the database is `tinysync:<name>`. */
  name: string;
  /** Compact once the log holds (about) this many entries. */
  compactAfter?: number;
  /** Keeps two tabs from compacting at once (Web Locks `ifAvailable`). */
  tryLock: TryLock;
  /** The whole current state, written after the database was deleted or upgraded under us. */
  fullState?: () => Uint8Array;
  onError?: (error: ErrorInfo) => void;
  /** First retry delay after a failed write or open, doubled up to 30 s. */
  retryMs?: number;
  /** Test hook: wraps the transaction that appends, e.g. to make it fail with a quota error. */
  beforeAppend?: () => void;
}

const SNAPSHOT = 'snapshot';

/** The IndexedDB database name of a store. */
export function databaseName(name: string): string {
  return `tinysync:${name}`;
}

/**
 * The durable log of a store's Yjs updates. `append()` queues an update; queued updates are
 * merged and written in one transaction, and `flushed()` resolves once the transaction holding
 * every update appended so far has completed. Failures (quota, blocked or failed open, the
 * database deleted under us) are reported through `onError` and retried; nothing queued is
 * dropped meanwhile.
 *
 * @example
 * const log = new UpdateLog({ name: 'todos', tryLock });
 * const stored = await log.load();      // snapshot first, then the entries
 * log.append(update); await log.flushed();
 */
export class UpdateLog {
  private db: DB | null = null;
  private opening: Promise<DB> | null = null;
  private queue: Uint8Array[] = [];
  private appended = 0;
  private durable = 0;
  private waiters: Array<{ seq: number; resolve: () => void }> = [];
  private writing = false;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private retryDelay: number;
  private needFullWrite = false;
  private entries = 0;
  private lastKey = 0;
  private snapshotSeq = 0;
  private compacting: Promise<void> | null = null;
  private closed = false;
  private readonly compactAfter: number;

  constructor(private readonly opts: LogOptions) {
    this.compactAfter = opts.compactAfter ?? 500;
    this.retryDelay = opts.retryMs ?? 100;
  }

  /** Reads snapshot + every entry in one transaction; returns them in order, snapshot first. */
  async load(): Promise<Uint8Array[]> {
    const db = await this.open();
    const tx = db.transaction(['meta', 'updates'], 'readonly');
    const [snapshot, keys, values] = await Promise.all([
      tx.objectStore('meta').get(SNAPSHOT),
      tx.objectStore('updates').getAllKeys(),
      tx.objectStore('updates').getAll(),
      tx.done,
    ]);
    this.snapshotSeq = snapshot?.seq ?? 0;
    this.entries = values.length;
    this.lastKey = keys.at(-1) ?? 0;
    return snapshot ? [snapshot.update, ...values] : values;
  }

  /**
   * Reads what other tabs wrote since the last read (the snapshot again if one of them
   * compacted meanwhile). Applying something twice is harmless for Yjs, so overlap is fine.
   */
  async catchUp(): Promise<Uint8Array[]> {
    const db = await this.open();
    const tx = db.transaction(['meta', 'updates'], 'readonly');
    const [snapshot, keys, values] = await Promise.all([
      tx.objectStore('meta').get(SNAPSHOT),
      tx.objectStore('updates').getAllKeys(IDBKeyRange.lowerBound(this.lastKey, true)),
      tx.objectStore('updates').getAll(IDBKeyRange.lowerBound(this.lastKey, true)),
      tx.done,
    ]);
    const out: Uint8Array[] = [];
    if (snapshot && snapshot.seq !== this.snapshotSeq) {
      this.snapshotSeq = snapshot.seq;
      out.push(snapshot.update);
    }
    this.lastKey = keys.at(-1) ?? this.lastKey;
    return out.concat(values);
  }

  /** Queues an update for the next write. */
  append(update: Uint8Array): void {
    if (this.closed) return;
    this.queue.push(update);
    this.appended++;
    this.schedule();
  }

  /** Resolves once every update appended so far is durable. Waits through retries. */
  flushed(): Promise<void> {
    const seq = this.appended;
    if (this.durable >= seq) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ seq, resolve }));
  }

  /** True while appended updates are not yet durable. */
  get pending(): boolean {
    return this.durable < this.appended;
  }

  /**
   * Replaces the whole log with one snapshot (`repair()`), in one transaction. Updates queued
   * before are dropped: the new state supersedes them.
   */
  async replace(update: Uint8Array): Promise<void> {
    const dropped = this.queue.length;
    this.queue = [];
    this.durable += dropped;
    const db = await this.open();
    const tx = db.transaction(['meta', 'updates'], 'readwrite');
    const seq = Date.now() + Math.random();
    void tx.objectStore('updates').clear();
    void tx.objectStore('meta').put({ update, seq }, SNAPSHOT);
    await tx.done;
    this.snapshotSeq = seq;
    this.entries = 0;
    this.resolveWaiters();
  }

  /**
   * Merges snapshot + entries into one snapshot record, in one readwrite transaction (so an
   * entry another tab appends meanwhile lands either before, and is merged, or after, and is
   * kept), under a Web Lock so only one tab compacts at a time. Skipped if another tab is at it.
   */
  compact(): Promise<void> {
    this.compacting ??= this.opts
      .tryLock(`tinysync:compact:${this.opts.name}`, async (got) => {
        if (!got || this.closed) return;
        const db = await this.open();
        const tx = db.transaction(['meta', 'updates'], 'readwrite');
        const meta = tx.objectStore('meta');
        const updates = tx.objectStore('updates');
        const [snapshot, keys, values] = await Promise.all([meta.get(SNAPSHOT), updates.getAllKeys(), updates.getAll()]);
        const last = keys.at(-1);
        if (last !== undefined) {
          // Synchronous between the reads and the writes, so the transaction stays active.
          const merged = compactState(snapshot ? [snapshot.update, ...values] : values);
          const seq = (snapshot?.seq ?? 0) + 1;
          void meta.put({ update: merged, seq }, SNAPSHOT);
          void updates.delete(IDBKeyRange.upperBound(last));
          await tx.done;
          if (this.snapshotSeq === (snapshot?.seq ?? 0) && this.lastKey >= last) this.snapshotSeq = seq;
        } else {
          await tx.done;
        }
        this.entries = 0;
      })
      .catch((err: unknown) => this.report(err))
      .finally(() => {
        this.compacting = null;
      });
    return this.compacting;
  }

  /** Number of entries this tab believes the log holds (its own appends + what it loaded). */
  get size(): number {
    return this.entries;
  }

  /** Waits for pending writes (best effort), then closes the database. */
  async close(): Promise<void> {
    if (this.closed) return;
    if (this.queue.length > 0 || this.writing) {
      await Promise.race([this.flushed(), new Promise((r) => setTimeout(r, 2000))]);
    }
    await this.compacting;
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.db?.close();
    this.db = null;
  }

  private schedule(delay = -1): void {
    if (this.writing || this.closed) return;
    if (delay >= 0) {
      if (this.retryTimer) return;
      this.retryTimer = setTimeout(() => {
        this.retryTimer = null;
        void this.write();
      }, delay);
      return;
    }
    if (this.retryTimer) return; // a retry is pending; it writes the whole queue
    queueMicrotask(() => void this.write());
  }

  private async write(): Promise<void> {
    if (this.writing || this.closed || (this.queue.length === 0 && !this.needFullWrite)) return;
    this.writing = true;
    const batch = this.queue;
    this.queue = [];
    const seq = this.durable + batch.length;
    const full = this.needFullWrite && this.opts.fullState ? this.opts.fullState() : null;
    try {
      const db = await this.open();
      const parts = full ? [full, ...batch] : batch;
      const entry = mergeMany(parts);
      const tx = db.transaction('updates', 'readwrite');
      this.opts.beforeAppend?.();
      void tx.store.add(entry);
      await tx.done;
      this.needFullWrite = false;
      this.durable = seq;
      this.entries++;
      this.retryDelay = this.opts.retryMs ?? 100;
      this.resolveWaiters();
    } catch (err) {
      // Keep the batch (in order, ahead of what came meanwhile) and retry with backoff.
      this.queue = batch.concat(this.queue);
      this.report(err);
      this.writing = false;
      const delay = this.retryDelay;
      this.retryDelay = Math.min(this.retryDelay * 2, 30_000);
      this.schedule(delay);
      return;
    }
    this.writing = false;
    if (this.queue.length > 0 || this.needFullWrite) this.schedule();
    else if (this.entries >= this.compactAfter) void this.compact();
  }

  private resolveWaiters(): void {
    const ready = this.waiters.filter((w) => w.seq <= this.durable);
    this.waiters = this.waiters.filter((w) => w.seq > this.durable);
    for (const w of ready) w.resolve();
  }

  private open(): Promise<DB> {
    if (this.db) return Promise.resolve(this.db);
    this.opening ??= openDB<LogSchema>(databaseName(this.opts.name), 1, {
      upgrade(db) {
        if (!db.objectStoreNames.contains('updates')) db.createObjectStore('updates', { autoIncrement: true });
        if (!db.objectStoreNames.contains('meta')) db.createObjectStore('meta');
      },
      blocked: () => {
        this.opts.onError?.({ code: 'E_STORAGE_BLOCKED', message: `tinysync: opening IndexedDB "${databaseName(this.opts.name)}" is blocked by another connection` });
      },
      blocking: () => this.dropConnection(),
      terminated: () => this.dropConnection(),
    })
      .then((db) => {
        this.db = db;
        return db;
      })
      .finally(() => {
        this.opening = null;
      });
    return this.opening;
  }

  /**
   * Another connection wants to upgrade or delete the database (`versionchange`), or the browser
   * closed ours: let go, and write the whole state on the next open so nothing depends on what
   * may have been deleted.
   */
  private dropConnection(): void {
    this.db?.close();
    this.db = null;
    if (this.closed) return;
    this.needFullWrite = Boolean(this.opts.fullState);
    this.schedule(this.opts.retryMs ?? 100);
  }

  private report(err: unknown): void {
    const name = err instanceof Error || err instanceof DOMException ? err.name : '';
    const message = err instanceof Error || err instanceof DOMException ? err.message : String(err);
    const code = name === 'QuotaExceededError' ? 'E_QUOTA' : 'E_STORAGE';
    this.opts.onError?.({ code, message: `tinysync: IndexedDB "${databaseName(this.opts.name)}": ${name ? `${name}: ` : ''}${message}` });
  }
}

// Embedded persistence: one SQLite file (WAL mode) holding every document's update log.
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { Persistence, StoredLog } from './persistence.js';

/** Options of {@link SqlitePersistence}. */
export interface SqliteOptions {
  /**
   * `'normal'` (default) commits survive a crash of the process (kill -9) but maybe not a
   * power cut; `'full'` also syncs the disk on every commit, at a large cost in latency.
   */
  durability?: 'normal' | 'full';
  /**
   * How often a background thread moves the write-ahead log into the database file, in ms
   * (default 1000). Checkpoints sync the disk, which takes milliseconds; done on the main
   * thread they would stall every client of the server. `0` leaves it to SQLite's automatic
   * checkpoints on the main thread.
   */
  checkpointMs?: number;
}

// The checkpointer: its own connection in a worker thread. PASSIVE never blocks the writer.
const CHECKPOINTER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { timeout: 1000 });
const timer = setInterval(() => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch {}
}, workerData.intervalMs);
parentPort.once('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

/**
 * Stores the update logs in `<dataDir>/tinysync.sqlite`. Every `append` is its own committed
 * transaction, so an update is on disk before the server broadcasts it; `compact` deletes and
 * inserts in one transaction, so a crash leaves either the old log or the snapshot.
 *
 * @example
 * const store = new SqlitePersistence('./data');
 * const { updates } = store.load('notes');
 */
export class SqlitePersistence implements Persistence {
  readonly file: string;
  private readonly db: Database.Database;
  private readonly selectLog: Database.Statement<[string], { seq: number; data: Buffer }>;
  private readonly insert: Database.Statement<[string, Uint8Array]>;
  private readonly compactTx: (doc: string, snapshot: Uint8Array, upTo: number) => void;
  private checkpointer: { worker: Worker; exited: Promise<unknown> } | undefined;

  constructor(dataDir: string, opts: SqliteOptions = {}) {
    mkdirSync(dataDir, { recursive: true });
    this.file = join(dataDir, 'tinysync.sqlite');
    this.db = new Database(this.file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${opts.durability === 'full' ? 'FULL' : 'NORMAL'}`);
    const checkpointMs = opts.checkpointMs ?? 1000;
    if (checkpointMs > 0) this.startCheckpointer(checkpointMs);
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS updates (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        doc TEXT NOT NULL,
        data BLOB NOT NULL
      );
      CREATE INDEX IF NOT EXISTS updates_by_doc ON updates (doc, seq);
    `);
    this.selectLog = this.db.prepare('SELECT seq, data FROM updates WHERE doc = ? ORDER BY seq');
    this.insert = this.db.prepare('INSERT INTO updates (doc, data) VALUES (?, ?)');
    const remove = this.db.prepare<[string, number]>('DELETE FROM updates WHERE doc = ? AND seq <= ?');
    // The snapshot takes the sequence number of the last update it replaces, so it stays
    // ordered before anything appended after `upTo`.
    const insertAt = this.db.prepare<[number, string, Uint8Array]>('INSERT INTO updates (seq, doc, data) VALUES (?, ?, ?)');
    this.compactTx = this.db.transaction((doc: string, snapshot: Uint8Array, upTo: number) => {
      const removed = remove.run(doc, upTo).changes;
      if (removed === 0) throw new Error(`compact: no stored update of "${doc}" up to seq ${upTo}`);
      insertAt.run(upTo, doc, snapshot);
    });
  }

  load(doc: string): StoredLog {
    const rows = this.selectLog.all(doc);
    const updates = rows.map((r) => new Uint8Array(r.data.buffer, r.data.byteOffset, r.data.byteLength));
    return { updates, lastSeq: rows.at(-1)?.seq ?? 0 };
  }

  append(doc: string, update: Uint8Array): number {
    return Number(this.insert.run(doc, update).lastInsertRowid);
  }

  compact(doc: string, snapshot: Uint8Array, upTo: number): void {
    this.compactTx(doc, snapshot, upTo);
  }

  async close(): Promise<void> {
    const checkpointer = this.checkpointer;
    this.checkpointer = undefined;
    if (checkpointer) {
      // Unreferenced, the thread would not keep the process alive while we wait for it.
      checkpointer.worker.ref();
      checkpointer.worker.postMessage('stop');
      await checkpointer.exited;
    }
    // The last connection to close checkpoints the log into the file and removes it.
    if (this.db.open) this.db.close();
  }

  private startCheckpointer(intervalMs: number): void {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    const worker = new Worker(CHECKPOINTER, { eval: true, workerData: { driver, file: this.file, intervalMs } });
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    worker.unref();
    // Without the thread (it failed to start or died) SQLite checkpoints on its own again.
    worker.once('error', () => {
      if (this.db.open) this.db.pragma('wal_autocheckpoint = 1000');
    });
    this.db.pragma('wal_autocheckpoint = 0');
    this.checkpointer = { worker, exited };
  }
}

// The rows of one tinysync/db store in SQLite (better-sqlite3, synchronous): one row per
// top-level key, its value as JSON text. Reads are by key, so opening costs the same whatever
// the number of rows; every call counts its statements for `dbStats`.
import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';
import { isMissing, MissingPackageError } from '../core/missing-package.js';
import { DbError } from './errors.js';
import { TABLE_NAME, type RowCounters, type Rows } from './rows.js';

/** One table of rows `(key TEXT UNIQUE, value TEXT)` in insertion order, plus a meta row. */
export class SqliteRows implements Rows {
  readonly counters: RowCounters = { statements: 0, rowsRead: 0, rowsWritten: 0, rowsDeleted: 0, transactions: 0 };
  private readonly db: BetterSqlite3.Database;
  private readonly select: BetterSqlite3.Statement<[string], { value: string }>;
  private readonly exists: BetterSqlite3.Statement<[string], { one: number }>;
  private readonly upsert: BetterSqlite3.Statement<[string, string]>;
  private readonly remove: BetterSqlite3.Statement<[string]>;
  private readonly topKeys: BetterSqlite3.Statement<[], { key: string }>;
  private readonly branchKeys: BetterSqlite3.Statement<[string, string], { key: string }>;
  private readonly begin: BetterSqlite3.Statement;
  private readonly commit: BetterSqlite3.Statement;
  private readonly rollback: BetterSqlite3.Statement;
  /** Whether the table was made by an earlier open (so `initial` is not written again). */
  readonly existed: boolean;

  constructor(
    readonly location: string,
    table: string,
  ) {
    if (!TABLE_NAME.test(table)) throw new DbError('E_DB_OPEN', location, `table name ${JSON.stringify(table)} must be a plain SQL identifier (letters, digits, _)`);
    // Loaded here, not at import: tinysync/db's module graph stays free of the native addon
    // until a store is opened.
    const Database = loadDriver();
    try {
      this.db = new Database(location, { timeout: 5000 });
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
      const meta = `${table}_meta`;
      this.existed = this.db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(meta) !== undefined;
      // Only the first open writes (the schema): later opens only read, so their cost does
      // not depend on the number of rows.
      if (!this.existed) {
        this.db.exec(`BEGIN; CREATE TABLE IF NOT EXISTS "${table}" (key TEXT NOT NULL UNIQUE, value TEXT NOT NULL);
          CREATE TABLE IF NOT EXISTS "${meta}" (name TEXT PRIMARY KEY, value TEXT NOT NULL);
          INSERT OR IGNORE INTO "${meta}" VALUES ('format', 'tinysync/db 1'); COMMIT;`);
      }
      const format = this.db.prepare(`SELECT value FROM "${meta}" WHERE name = 'format'`).get() as { value: string } | undefined;
      if (format?.value !== 'tinysync/db 1') throw new Error(`table "${table}" holds format ${JSON.stringify(format?.value)}, not tinysync/db 1`);
      this.select = this.db.prepare(`SELECT value FROM "${table}" WHERE key = ?`);
      this.exists = this.db.prepare(`SELECT 1 AS one FROM "${table}" WHERE key = ?`);
      this.upsert = this.db.prepare(`INSERT INTO "${table}" (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`);
      this.remove = this.db.prepare(`DELETE FROM "${table}" WHERE key = ?`);
      this.topKeys = this.db.prepare(`SELECT key FROM "${table}" WHERE instr(key, char(31)) = 0 ORDER BY rowid`);
      this.branchKeys = this.db.prepare(`SELECT key FROM "${table}" WHERE substr(key, 1, length(?)) = ? ORDER BY rowid`);
      this.begin = this.db.prepare('BEGIN IMMEDIATE');
      this.commit = this.db.prepare('COMMIT');
      this.rollback = this.db.prepare('ROLLBACK');
    } catch (e) {
      throw new DbError('E_DB_OPEN', location, (e as Error).message, [], { cause: e });
    }
  }

  /** The JSON text of a key's row, or undefined. */
  get(key: string): string | undefined {
    this.counters.statements++;
    const row = this.select.get(key);
    if (row) this.counters.rowsRead++;
    return row?.value;
  }

  has(key: string): boolean {
    this.counters.statements++;
    return this.exists.get(key) !== undefined;
  }

  keys(prefix?: string): string[] {
    this.counters.statements++;
    return (prefix === undefined ? this.topKeys.all() : this.branchKeys.all(prefix, prefix)).map((r) => r.key);
  }

  /** Writes and deletes rows in one transaction: all of them land, or none. */
  write(puts: readonly (readonly [string, string])[], deletes: readonly string[]): void {
    this.begin.run();
    this.counters.statements++;
    try {
      for (const [key, value] of puts) this.upsert.run(key, value);
      for (const key of deletes) this.remove.run(key);
      this.commit.run();
    } catch (e) {
      if (this.db.inTransaction) this.rollback.run();
      throw e;
    }
    this.counters.statements += puts.length + deletes.length + 1;
    this.counters.rowsWritten += puts.length;
    this.counters.rowsDeleted += deletes.length;
    this.counters.transactions++;
  }

  close(): void {
    this.db.close();
  }
}

/** better-sqlite3, an optional peer of tinysync: a missing one is a MissingPackageError naming it. */
function loadDriver(): typeof BetterSqlite3 {
  try {
    return createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3;
  } catch (err) {
    throw isMissing(err, 'better-sqlite3') ? new MissingPackageError('better-sqlite3', 'tinysync/db (for SQLite)', { cause: err }) : err;
  }
}

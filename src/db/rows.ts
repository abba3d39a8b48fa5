// What a tinysync/db store needs from a database: rows by key, synchronously (a key is read
// inside a property access), and one transaction per write.

/** Statements run so far, by kind. */
export interface RowCounters {
  /** Every SQL statement run (reads, writes, BEGIN / COMMIT included). */
  statements: number;
  rowsRead: number;
  rowsWritten: number;
  rowsDeleted: number;
  transactions: number;
}

/** One table of `(key, JSON text)` rows in insertion order. */
export interface Rows {
  /** Names the database in errors (a path, or a URL without its password). */
  readonly location: string;
  readonly counters: RowCounters;
  /** Whether the table was made by an earlier open (so `initial` is not written again). */
  readonly existed: boolean;
  get(key: string): string | undefined;
  has(key: string): boolean;
  /**
   * In insertion order (a scan: only for enumeration): the keys that start with `prefix`
   * (returned whole), or with no prefix the keys that hold no {@link BRANCH_SEPARATOR}.
   */
  keys(prefix?: string): string[];
  /** Writes and deletes rows in one transaction: all of them land, or none. */
  write(puts: readonly (readonly [string, string])[], deletes: readonly string[]): void;
  close(): void;
}

/** Table names are spliced into SQL, so only plain identifiers are accepted. */
export const TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,50}$/;

/** Between a branch's name and an item's id in a row key: `users\u001fada`. */
export const BRANCH_SEPARATOR = '\u001f';

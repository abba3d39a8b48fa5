// The options and figures of tinysync/db stores.
import type { FlushPolicy } from '../persist/index.js';
import type { DbError } from './errors.js';
import type { RowCounters } from './rows.js';

/** Options of `trackDb`. */
export interface TrackDbOptions {
  /** When to write: `'auto'` (default: at the end of the tick), ms of quiet (debounce), `'manual'`. */
  flush?: FlushPolicy;
  /** The table holding the rows (default `tinysync`; a second table `<table>_meta` is made too). */
  table?: string;
  /** The name copied into the Changes of every key's tree. */
  name?: string;
  /** Called when a background write fails (the rows stay pending); else a process warning. */
  onError?: (error: DbError) => void;
  /** Called after each transaction has committed, with the keys it wrote or deleted. */
  onWrite?: (keys: string[]) => void;
  /**
   * Top-level keys that are branches: objects whose own keys are rows (`root.users.ada` is the
   * row `users` + U+001F + `ada`), read on first access like top-level keys.
   */
  branches?: readonly string[];
}

/** What a store has done so far: statements run and rows moved (for tests and benchmarks). */
export interface DbStats extends RowCounters {
  /** Keys whose row has been read (or written) and is held in memory. */
  loaded: number;
  /** Keys changed and not yet written. */
  pending: number;
}

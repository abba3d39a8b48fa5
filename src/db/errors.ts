import { TinysyncError } from '../core/index.js';

/**
 * A database store could not do what was asked: `E_DB_OPEN` (the database or its table could
 * not be opened or is not a tinysync table), `E_DB_READ` (a row could not be read), `E_DB_WRITE` (a write failed; the changes stay
 * pending and are retried by the next flush), `E_DB_URL` (a location tinysync/db does not
 * handle), `E_DB_CLOSED` (a key not read before `close()` is read after it). `location` names the database, `path` the key involved when there is one.
 */
export class DbError extends TinysyncError {
  override name = 'DbError';
  readonly location: string;
  constructor(code: 'E_DB_OPEN' | 'E_DB_READ' | 'E_DB_WRITE' | 'E_DB_URL' | 'E_DB_CLOSED', location: string, message: string, path: string[] = [], options?: { cause?: unknown }) {
    super(code, `tinysync: ${location}: ${message}`, path, options);
    this.location = location;
  }
}

/** A db function was given something that is not the root an open `trackDb` returned. */
export class NotADbError extends TinysyncError {
  override name = 'NotADbError';
  constructor(fn: string) {
    super('E_NOT_DB', `tinysync: ${fn}() takes the root returned by trackDb() (and not closed)`);
  }
}

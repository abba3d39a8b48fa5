// trackDb and the functions that take its root: hold, unhold, flush, close, dbStats, lock.
import { resolve } from 'node:path';
import { registerExit } from '../persist/exit-hooks.js';
import { withLock } from '../persist/lock.js';
import { DbError, NotADbError } from './errors.js';
import { proxyFor } from './lazy-proxy.js';
import type { DbStats, TrackDbOptions } from './options.js';
import { PgRows, redact } from './pg-rows.js';
import { BRANCH_SEPARATOR as SEP } from './rows.js';
import { SqliteRows } from './sqlite-rows.js';
import { ABSENT, DbStore } from './store.js';

const stores = new WeakMap<object, DbStore>();
const openLocations = new Set<string>();

/** The database a location names: PostgreSQL by URL, else a SQLite path, `sqlite:<path>`, `file:<path>` or `:memory:`. */
function where(location: string): { kind: 'postgres'; url: string } | { kind: 'sqlite'; file: string } {
  if (/^postgres(ql)?:\/\//i.test(location)) return { kind: 'postgres', url: location };
  const path = location.replace(/^(sqlite|file):(\/\/)?/i, '');
  if (path === ':memory:') return { kind: 'sqlite', file: path };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(location)) throw new DbError('E_DB_URL', redact(location), 'expected postgres://…, a SQLite path, sqlite:<path> or :memory:');
  return { kind: 'sqlite', file: resolve(path) };
}

/**
 * Opens a tracked structure stored in a database, one row per top-level key (the ancestor's
 * DBM): SQLite by path (`data.db`, `sqlite:data.db`, `:memory:`, via better-sqlite3) or
 * PostgreSQL by URL (`postgres://user@host/db`, via pg in a worker thread). Opening
 * reads no rows: a key's row is read the first time the key is read, and its value is then a
 * tracked tree of its own; a change rewrites only the rows it touched, all the changes of a tick
 * in one transaction (or by the `flush` policy). On the first open of a table `initial`'s keys
 * are written; afterwards the table is the truth. Pending rows are written at process exit.
 * Use `hold`, `unhold`, `flush`, `close` and `dbStats` on the returned root.
 *
 * @example
 * const users = await trackDb('users.db', {} as Record<string, { name: string; visits: number }>);
 * users.ada ??= { name: 'Ada', visits: 0 }; // reads one row, writes one row
 * users.ada.visits++;
 * await close(users);
 */
export async function trackDb<T extends Record<string, unknown>>(location: string, initial: T, opts: TrackDbOptions = {}): Promise<T> {
  const policy = opts.flush ?? 'auto';
  if (typeof policy === 'number' && !(policy >= 0)) throw new TypeError(`tinysync: flush must be 'auto', 'manual' or a number of ms ≥ 0, not ${policy}`);
  if (typeof initial !== 'object' || initial === null || Array.isArray(initial) || initial instanceof Map || initial instanceof Set) {
    throw new TypeError('tinysync: trackDb takes a plain object as initial (its keys become rows)');
  }
  const db = where(location);
  const table = opts.table ?? 'tinysync';
  const id = db.kind === 'sqlite' ? (db.file === ':memory:' ? undefined : db.file) : `${redact(db.url)}#${table}`;
  if (id !== undefined && openLocations.has(id)) throw new DbError('E_DB_OPEN', id, 'already open in this process (close() it first)');
  const rows = db.kind === 'sqlite' ? new SqliteRows(db.file, table) : new PgRows(db.url, table);
  const store = new DbStore(rows, opts);
  const branches = new Map<string, object>();
  for (const name of opts.branches ?? []) {
    if (typeof name !== 'string' || name === '' || name.includes(SEP)) throw new TypeError(`tinysync: branch names are non-empty strings without U+001F, not ${JSON.stringify(name)}`);
    branches.set(name, proxyFor(store, name + SEP, new Map()));
  }
  try {
    if (!rows.existed) {
      for (const key of Object.keys(initial)) {
        const value = initial[key];
        if (!branches.has(key)) store.set(key, value);
        else if (typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Map) && !(value instanceof Set)) {
          for (const id of Object.keys(value)) store.set(key + SEP + id, (value as Record<string, unknown>)[id]);
        } else throw new TypeError(`tinysync: initial.${key} must be an object of items: it is a branch`);
      }
      store.write();
    }
  } catch (e) {
    rows.close();
    throw e;
  }
  const root = proxyFor(store, '', branches);
  store.root = root;
  stores.set(root, store);
  if (id !== undefined) openLocations.add(id);
  store.onDetach = () => {
    stores.delete(root);
    if (id !== undefined) openLocations.delete(id);
  };
  registerExit(store);
  return root as T;
}

function storeOf(data: object, fn: string): DbStore {
  const store = stores.get(data);
  if (!store) throw new NotADbError(fn);
  return store;
}

/** Suspends writing until the matching `unhold()` (holds nest); changes are still recorded. */
export function hold(data: object): void {
  storeOf(data, 'hold').writes.hold();
}

/** Ends a `hold()`; when the last hold ends, pending rows are written by the flush policy. */
export function unhold(data: object): void {
  const store = storeOf(data, 'unhold');
  if (store.writes.unhold() && store.dirty.size > 0) store.schedule();
}

/** Writes pending rows now (whatever the policy or holds), in one transaction. */
export async function flush(data: object): Promise<void> {
  const store = storeOf(data, 'flush');
  store.cancel();
  store.write();
}

/**
 * Writes pending rows and closes the database. The values read so far stay usable in memory,
 * but the root reads nothing more and saves nothing. With `discard`, pending rows are dropped.
 */
export async function close(data: object, opts: { discard?: boolean } = {}): Promise<void> {
  const store = storeOf(data, 'close');
  if (!opts.discard) {
    store.cancel();
    store.write();
  }
  store.detach();
}

/** Statements and rows a store has read and written so far, and what it holds in memory. */
export function dbStats(data: object): DbStats {
  const store = storeOf(data, 'dbStats');
  let loaded = 0;
  for (const slot of store.cache.values()) if (slot !== ABSENT) loaded++;
  return { ...store.rows.counters, loaded, pending: store.dirty.size };
}

/**
 * Runs `fn` holding the async lock `name` (default `''`) of a trackDb root, as `lock` of
 * tinysync/file does for other roots: concurrent read-modify-write sequences with awaits inside
 * run one after another. Per process.
 */
export function lock<R>(data: object, fn: () => Promise<R> | R): Promise<R>;
export function lock<R>(data: object, name: string, fn: () => Promise<R> | R): Promise<R>;
export async function lock<R>(data: object, a: string | (() => Promise<R> | R), b?: () => Promise<R> | R): Promise<R> {
  const [name, fn] = typeof a === 'function' ? ['', a] : [a, b];
  if (typeof fn !== 'function') throw new TypeError('tinysync: lock(data, [name,] fn) needs a function');
  return withLock(storeOf(data, 'lock').root, name, fn);
}

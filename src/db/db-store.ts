// A tracked structure whose top-level keys are rows of a database, loaded on first access.
// The root is a proxy that reads a key's row when the key is first read and keeps the value
// as a tracked tree of its own; a batch on one of those trees marks its row dirty, and the
// flush policy writes the dirty rows (only those) in one transaction.
import { resolve } from 'node:path';
import { onBatch, snapshot, track, ValueError } from '../core/index.js';
import { registerExit, unregisterExit, type ExitFlusher } from '../persist/exit-hooks.js';
import { decode, encode } from '../persist/encoding.js';
import type { FlushPolicy } from '../persist/index.js';
import { withLock } from '../persist/lock.js';
import { DbError, NotADbError } from './errors.js';
import { PgRows, redact } from './pg-rows.js';
import { BRANCH_SEPARATOR as SEP, type RowCounters, type Rows } from './rows.js';
import { SqliteRows } from './sqlite-rows.js';

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

const ABSENT = Symbol('absent');
type Slot = { value: unknown; stop?: () => void } | typeof ABSENT;

const stores = new WeakMap<object, DbStore>();
const openLocations = new Set<string>();

function isPrimitive(v: unknown): boolean {
  return v === null || typeof v === 'string' || typeof v === 'boolean' || Number.isFinite(v);
}

class DbStore implements ExitFlusher {
  readonly cache = new Map<string, Slot>();
  readonly dirty = new Set<string>();
  /** Keys known to have a row (from a key scan or an existence check), not yet read. */
  readonly known = new Set<string>();
  holds = 0;
  closed = false;
  /** The key of this store in openLocations (undefined for `:memory:`). */
  id: string | undefined;
  timer: ReturnType<typeof setTimeout> | ReturnType<typeof setImmediate> | undefined;
  root!: object;

  constructor(
    readonly rows: Rows,
    readonly opts: TrackDbOptions,
  ) {}

  /** The value of a key: from memory, else its row (made a tracked tree), else undefined. */
  read(key: string): unknown {
    let slot = this.cache.get(key);
    if (slot === undefined) {
      this.open();
      const text = this.reading(key, () => this.rows.get(key));
      slot = text === undefined ? ABSENT : this.adopt(key, decode(JSON.parse(text), key.split(SEP)));
      this.cache.set(key, slot);
    }
    return slot === ABSENT ? undefined : slot.value;
  }

  has(key: string): boolean {
    const slot = this.cache.get(key);
    if (slot !== undefined) return slot !== ABSENT;
    if (this.known.has(key)) return true;
    this.open();
    const present = this.reading(key, () => this.rows.has(key));
    if (present) this.known.add(key);
    return present;
  }

  /** A value made ready to be held under `key`: primitives as they are, containers tracked. */
  adopt(key: string, value: unknown): Slot {
    if (isPrimitive(value)) return { value };
    const path = key.split(SEP);
    if (typeof value !== 'object' || value === null) throw new ValueError(path, value === undefined ? 'undefined (delete the key instead)' : `a ${typeof value}`);
    let tracked: object;
    try {
      tracked = track(value, this.opts.name === undefined ? {} : { name: this.opts.name });
    } catch (e) {
      // track() names paths inside the value; put the key in front.
      if (e instanceof ValueError) throw new ValueError([...path, ...e.path], e.message.replace(/^tinysync: cannot store (.*) at .*$/, '$1'));
      throw e;
    }
    return { value: tracked, stop: onBatch(tracked, () => this.touch(key)) };
  }

  set(key: string, value: unknown): void {
    const slot = this.adopt(key, value);
    this.drop(key);
    this.cache.set(key, slot);
    this.touch(key);
  }

  remove(key: string): void {
    if (!this.has(key)) return;
    this.drop(key);
    this.cache.set(key, ABSENT);
    this.touch(key);
  }

  /** Stops listening to the tree a key held (it is detached: later edits to it are not saved). */
  drop(key: string): void {
    const old = this.cache.get(key);
    if (old !== undefined && old !== ABSENT) old.stop?.();
  }

  /** The row keys of the top level (no prefix) or of one branch (its prefix), written or not. */
  keys(prefix?: string): string[] {
    this.open();
    const out = this.reading(undefined, () => this.rows.keys(prefix)).filter((k) => this.cache.get(k) !== ABSENT);
    for (const k of out) if (!this.cache.has(k)) this.known.add(k);
    const known = new Set(out);
    const mine = (k: string) => (prefix === undefined ? !k.includes(SEP) : k.startsWith(prefix));
    for (const [k, slot] of this.cache) if (slot !== ABSENT && !known.has(k) && mine(k)) out.push(k);
    return out;
  }

  /** Runs a read of the database, turning its failure into a DbError naming the key. */
  reading<R>(key: string | undefined, fn: () => R): R {
    try {
      return fn();
    } catch (e) {
      throw new DbError('E_DB_READ', this.rows.location, `could not read ${key === undefined ? 'the keys' : `key ${JSON.stringify(key)}`}: ${(e as Error).message}`, key === undefined ? [] : [key], { cause: e });
    }
  }

  /** Throws once the store is closed: rows not read before close() cannot be read any more. */
  open(): void {
    if (this.closed) throw new DbError('E_DB_CLOSED', this.rows.location, 'closed: only the values read before close() are in memory');
  }

  touch(key: string): void {
    if (this.closed) return;
    this.dirty.add(key);
    this.schedule();
  }

  schedule(): void {
    const policy = this.opts.flush ?? 'auto';
    if (this.holds > 0 || policy === 'manual') return;
    if (policy === 'auto') {
      this.timer ??= setImmediate(() => this.background());
    } else {
      this.cancel();
      this.timer = setTimeout(() => this.background(), policy);
    }
  }

  cancel(): void {
    if (this.timer === undefined) return;
    clearTimeout(this.timer as ReturnType<typeof setTimeout>);
    clearImmediate(this.timer as ReturnType<typeof setImmediate>);
    this.timer = undefined;
  }

  background(): void {
    this.timer = undefined;
    try {
      this.write();
    } catch {
      // reported by write()
    }
  }

  /** Writes every dirty row in one transaction; on failure they stay dirty and the error is reported. */
  write(): void {
    if (this.dirty.size === 0) return;
    const keys = [...this.dirty];
    const puts: [string, string][] = [];
    const deletes: string[] = [];
    for (const key of keys) {
      const slot = this.cache.get(key);
      if (slot === undefined || slot === ABSENT) deletes.push(key);
      else puts.push([key, JSON.stringify(encode(typeof slot.value === 'object' ? snapshot(slot.value) : slot.value))]);
    }
    try {
      this.rows.write(puts, deletes);
    } catch (e) {
      const error = new DbError('E_DB_WRITE', this.rows.location, `could not write ${keys.length} row(s): ${(e as Error).message}`, keys.slice(0, 10), { cause: e });
      if (this.opts.onError) this.opts.onError(error);
      else process.emitWarning(error.message, { code: error.code });
      throw error;
    }
    for (const key of keys) this.dirty.delete(key);
    this.opts.onWrite?.(keys);
  }

  flushAtExit(): void {
    this.write();
  }

  detach(): void {
    this.closed = true;
    this.cancel();
    for (const key of this.cache.keys()) this.drop(key);
    unregisterExit(this);
    stores.delete(this.root);
    if (this.id !== undefined) openLocations.delete(this.id);
    this.rows.close();
  }
}

/**
 * The root proxy (prefix `''`) or a branch's (prefix `<branch>` + U+001F): every key is a row,
 * read on first access. On the root, the branch names give the branches' proxies.
 */
function proxyFor(store: DbStore, prefix: string, branches: ReadonlyMap<string, object>): object {
  const refuse = (what: string): never => {
    throw new TypeError(`tinysync: a trackDb ${prefix === '' ? 'root' : `branch (${prefix.slice(0, -1)})`} cannot take ${what}`);
  };
  // Keys holding the separator would reach into a branch's rows: they are no keys here.
  const plain = (key: string | symbol): key is string => typeof key === 'string' && !key.includes(SEP);
  const writable = (key: string | symbol): string => {
    if (typeof key === 'symbol') refuse('symbol keys');
    if ((key as string).includes(SEP)) refuse('keys holding U+001F (it separates branches from ids)');
    if (branches.has(key as string)) refuse(`a new value for the branch "${key as string}" (set or delete its keys instead)`);
    return prefix + (key as string);
  };
  return new Proxy(Object.create(null) as object, {
    get: (_, key) => (!plain(key) ? undefined : (branches.get(key) ?? store.read(prefix + key))),
    set: (_, key, value) => {
      store.set(writable(key), value);
      return true;
    },
    deleteProperty: (_, key) => {
      store.remove(writable(key));
      return true;
    },
    has: (_, key) => plain(key) && (branches.has(key) || store.has(prefix + key)),
    ownKeys: () => {
      const keys = store.keys(prefix === '' ? undefined : prefix).map((k) => k.slice(prefix.length));
      return prefix === '' ? [...keys, ...branches.keys()] : keys;
    },
    // An accessor, so that Object.keys() (which asks for every key's descriptor) reads no value.
    getOwnPropertyDescriptor: (_, key) => {
      if (!plain(key)) return undefined;
      const branch = branches.get(key);
      if (branch) return { value: branch, writable: false, enumerable: true, configurable: true };
      if (!store.has(prefix + key)) return undefined;
      return { get: () => store.read(prefix + key), set: (v: unknown) => store.set(writable(key), v), enumerable: true, configurable: true };
    },
    defineProperty: (_, key, desc) => {
      if (!('value' in desc)) refuse('accessors');
      store.set(writable(key), desc.value);
      return true;
    },
    setPrototypeOf: () => refuse('another prototype'),
    preventExtensions: () => refuse('being frozen'),
  });
}

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
  store.id = id;
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
  const store = storeOf(data, 'hold');
  store.holds++;
  store.cancel();
}

/** Ends a `hold()`; when the last hold ends, pending rows are written by the flush policy. */
export function unhold(data: object): void {
  const store = storeOf(data, 'unhold');
  if (store.holds === 0) return;
  if (--store.holds === 0 && store.dirty.size > 0) store.schedule();
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

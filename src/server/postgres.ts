// Shared persistence: the update logs of every document in one PostgreSQL database, so that
// several server instances (on several machines) serve the same documents.
import type pg from 'pg';
import * as Y from 'yjs';
import { PersistenceError } from './errors.js';
import type { Persistence, StoredLog } from './persistence.js';

/** Options of {@link PostgresPersistence}. */
export interface PostgresOptions {
  /** Most connections this instance opens. Default 10. */
  maxConnections?: number;
  /** How long a query may wait for a connection or an answer before it fails, in ms. Default 10 s. */
  timeoutMs?: number;
}

/** The schema version this code writes; a database holding a newer one is refused. */
export const POSTGRES_SCHEMA_VERSION = 1;

/**
 * First key of the advisory locks this backend takes (the second is `hashtext(doc)`, or 0 for
 * the schema migration). Another application sharing the database must not use this one.
 */
export const ADVISORY_LOCK_CLASS = 0x7473796e; // "tsyn"

/** What the backend currently sees of its database: the `/health` answer and the write gate read it. */
export type DependencyState = 'up' | 'down';

const MIGRATIONS: string[] = [
  `CREATE TABLE IF NOT EXISTS tinysync_updates (
     seq BIGSERIAL PRIMARY KEY,
     doc TEXT NOT NULL,
     data BYTEA NOT NULL
   );
   CREATE INDEX IF NOT EXISTS tinysync_updates_by_doc ON tinysync_updates (doc, seq);`,
];

/**
 * Stores the update logs in PostgreSQL (table `tinysync_updates`, created on first use together
 * with `tinysync_schema`, which records the schema version). Every `append` is its own
 * committed statement, so an update is durable before the server broadcasts it; `load` is one
 * SELECT, hence one consistent view even while another instance compacts; `compact` runs in
 * one transaction under a per-document advisory lock. Since another instance may have
 * appended updates the compacting one has not applied yet, the rows it replaces are merged
 * into its snapshot instead of being dropped: no instance can compact another's update away.
 *
 * An unreachable database makes calls reject (after `timeoutMs`) and `state` turn `'down'`;
 * the pool reconnects by itself, and `check()` turns it `'up'` again.
 *
 * @example
 * const store = new PostgresPersistence('postgres://tinysync@db.internal/tinysync');
 * const server = await createSyncServer({ persistence: store });
 */
export class PostgresPersistence implements Persistence {
  private readonly config: pg.PoolConfig;
  private pool: pg.Pool | undefined;
  private closed = false;
  private ready: Promise<void> | undefined;
  private current: DependencyState = 'up';
  private readonly listeners = new Set<(state: DependencyState) => void>();

  constructor(connection: string | pg.PoolConfig, opts: PostgresOptions = {}) {
    const timeout = opts.timeoutMs ?? 10_000;
    const config: pg.PoolConfig = typeof connection === 'string' ? { connectionString: connection } : { ...connection };
    this.config = { max: opts.maxConnections ?? 10, connectionTimeoutMillis: timeout, query_timeout: timeout, ...config };
  }

  /** The pool, created on first use: `pg` is an optional dependency, loaded only by those who use it. */
  private async connection(): Promise<pg.Pool> {
    if (this.pool) return this.pool;
    const { default: driver } = await import('pg');
    if (this.pool) return this.pool;
    if (this.closed) throw new PersistenceError('*', 'use the PostgreSQL store after close()');
    this.pool = new driver.Pool(this.config);
    // An idle connection that breaks (database restarted) is reported here; without a listener
    // the error would end the process.
    this.pool.on('error', () => this.setState('down'));
    return this.pool;
  }

  /** `'down'` after a call failed to reach the database, `'up'` again after one succeeded. */
  get state(): DependencyState {
    return this.current;
  }

  /** Calls `listener` on every change of {@link state}; returns the unsubscribe function. */
  onState(listener: (state: DependencyState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Asks the database whether it answers (and creates the schema if that is still to do). */
  async check(): Promise<DependencyState> {
    try {
      await this.query('SELECT 1');
    } catch {
      // state is already 'down'
    }
    return this.current;
  }

  async load(doc: string): Promise<StoredLog> {
    const { rows } = await this.query<{ seq: string; data: Buffer }>('SELECT seq, data FROM tinysync_updates WHERE doc = $1 ORDER BY seq', [doc]);
    const updates = rows.map((r) => new Uint8Array(r.data.buffer, r.data.byteOffset, r.data.byteLength));
    return { updates, lastSeq: rows.length === 0 ? 0 : Number(rows.at(-1)!.seq) };
  }

  async append(doc: string, update: Uint8Array): Promise<number> {
    const { rows } = await this.query<{ seq: string }>('INSERT INTO tinysync_updates (doc, data) VALUES ($1, $2) RETURNING seq', [doc, Buffer.from(update.buffer, update.byteOffset, update.byteLength)]);
    return Number(rows[0]!.seq);
  }

  async compact(doc: string, snapshot: Uint8Array, upTo: number): Promise<void> {
    await this.transaction(async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [ADVISORY_LOCK_CLASS, doc]);
      const { rows } = await client.query<{ data: Buffer }>('DELETE FROM tinysync_updates WHERE doc = $1 AND seq <= $2 RETURNING data', [doc, upTo]);
      if (rows.length === 0) {
        // Another instance compacted past `upTo` already: nothing of ours is left to replace.
        const later = await client.query('SELECT 1 FROM tinysync_updates WHERE doc = $1 LIMIT 1', [doc]);
        if (later.rowCount !== 0) return;
        throw new Error(`compact: no stored update of "${doc}" up to seq ${upTo}`);
      }
      const merged = mergeStored(snapshot, rows.map((r) => r.data));
      // The snapshot takes the sequence number of the last update it replaces, so it stays
      // ordered before anything appended after `upTo`.
      await client.query('INSERT INTO tinysync_updates (seq, doc, data) VALUES ($1, $2, $3)', [upTo, doc, Buffer.from(merged)]);
    });
  }

  async close(): Promise<void> {
    this.listeners.clear();
    this.closed = true;
    await this.pool?.end();
  }

  private setState(state: DependencyState): void {
    if (state === this.current) return;
    this.current = state;
    for (const listener of this.listeners) listener(state);
  }

  /** Creates or upgrades the schema once per instance (again after a failed attempt). */
  private migrate(): Promise<void> {
    this.ready ??= this.transaction(async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1, 0)', [ADVISORY_LOCK_CLASS]);
      await client.query('CREATE TABLE IF NOT EXISTS tinysync_schema (version INTEGER NOT NULL)');
      const { rows } = await client.query<{ version: number | null }>('SELECT max(version) AS version FROM tinysync_schema');
      const version = rows[0]?.version ?? 0;
      if (version > POSTGRES_SCHEMA_VERSION) {
        throw new PersistenceError('*', `use a database whose tinysync schema is version ${version} (this server knows up to ${POSTGRES_SCHEMA_VERSION}; upgrade tinysync)`);
      }
      for (let v = version; v < POSTGRES_SCHEMA_VERSION; v++) {
        await client.query(MIGRATIONS[v]!);
        await client.query('INSERT INTO tinysync_schema (version) VALUES ($1)', [v + 1]);
      }
    }, false).catch((err: unknown) => {
      this.ready = undefined;
      throw err;
    });
    return this.ready;
  }

  private async query<R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>> {
    await this.migrate();
    const pool = await this.connection();
    return this.reached(() => pool.query<R>(text, values));
  }

  private async transaction(body: (client: pg.PoolClient) => Promise<void>, migrated = true): Promise<void> {
    if (migrated) await this.migrate();
    const pool = await this.connection();
    const client = await this.reached(() => pool.connect());
    try {
      await client.query('BEGIN');
      await body(client);
      await client.query('COMMIT');
      client.release();
    } catch (err) {
      // A connection that failed mid-transaction is not given back to the pool.
      await client.query('ROLLBACK').then(
        () => client.release(),
        (rollbackErr: unknown) => client.release(rollbackErr instanceof Error ? rollbackErr : true),
      );
      throw err;
    }
  }

  /** Runs a database call, recording whether the database answered. */
  private async reached<R>(call: () => Promise<R>): Promise<R> {
    try {
      const result = await call();
      this.setState('up');
      return result;
    } catch (err) {
      // An SQL error (a constraint, a lock timeout) still means the database answered.
      this.setState(isConnectionError(err) ? 'down' : 'up');
      throw err;
    }
  }
}

/** Whether `err` says the database could not be reached (rather than refusing a statement). */
function isConnectionError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  // Class 08 is "connection exception", 57P0x "operator intervention" (shutdown, crash).
  if (typeof code === 'string' && /^(08|57P0)/.test(code)) return true;
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return false;
  return true; // ECONNREFUSED, timeouts, "Connection terminated", ...
}

/**
 * The compacting instance's snapshot together with every stored row it replaces. The rows are
 * updates the server stored after validating them, so applying them here is safe; most are
 * already in the snapshot and change nothing.
 */
function mergeStored(snapshot: Uint8Array, rows: Uint8Array[]): Uint8Array {
  const doc = new Y.Doc();
  try {
    doc.transact(() => {
      Y.applyUpdate(doc, snapshot);
      for (const row of rows) Y.applyUpdate(doc, row);
    });
    return Y.encodeStateAsUpdate(doc);
  } finally {
    doc.destroy();
  }
}

// The rows of one tinysync/db store in PostgreSQL (pg). A key is read inside a property
// access, which cannot await, so the pg client lives in a worker thread and the main thread
// waits for each answer (Atomics.wait on a shared flag, then receiveMessageOnPort): a first
// read of a key blocks for one round trip, as a SQLite read blocks for one page read.
import { createRequire } from 'node:module';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { DbError } from './errors.js';
import { TABLE_NAME, type RowCounters, type Rows } from './rows.js';

/** How long the main thread waits for one answer from PostgreSQL before giving up. */
export const PG_TIMEOUT_MS = 30_000;

type Request = { sql: string; params: unknown[] } | { tx: [sql: string, params: unknown[]][] };
type Reply = { rows: Record<string, unknown>[] } | { error: string };

// One client, one request at a time; the flag goes to 1 when the reply is posted.
const BRIDGE = `
const { workerData } = require('node:worker_threads');
const { Client } = require(workerData.driver);
const port = workerData.port;
const flag = new Int32Array(workerData.flag);
const client = new Client({ connectionString: workerData.url });
client.on('error', () => {});
const ready = client.connect();
ready.catch(() => {});
const reply = (message) => {
  port.postMessage(message);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
};
port.on('message', async (request) => {
  if (request === 'close') {
    await client.end().catch(() => {});
    port.close();
    return;
  }
  try {
    await ready;
    if (request.tx) {
      await client.query('BEGIN');
      try {
        for (const [sql, params] of request.tx) await client.query(sql, params);
        await client.query('COMMIT');
      } catch (e) {
        await client.query('ROLLBACK').catch(() => {});
        throw e;
      }
      reply({ rows: [] });
    } else {
      reply({ rows: (await client.query(request.sql, request.params)).rows });
    }
  } catch (e) {
    reply({ error: String((e && e.message) || e) });
  }
});
`;

/** A PostgreSQL URL without its password, for messages. */
export function redact(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:…@');
}

/** One table `(seq, key, value)` in PostgreSQL, read and written through the bridge thread. */
export class PgRows implements Rows {
  readonly counters: RowCounters = { statements: 0, rowsRead: 0, rowsWritten: 0, rowsDeleted: 0, transactions: 0 };
  readonly location: string;
  readonly existed: boolean;
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly flag = new Int32Array(new SharedArrayBuffer(4));
  private readonly table: string;

  constructor(url: string, table: string) {
    this.location = redact(url);
    if (!TABLE_NAME.test(table)) throw new DbError('E_DB_OPEN', this.location, `table name ${JSON.stringify(table)} must be a plain SQL identifier (letters, digits, _)`);
    this.table = `"${table}"`;
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    let driver: string;
    try {
      driver = createRequire(import.meta.url).resolve('pg');
    } catch (e) {
      throw new DbError('E_DB_OPEN', this.location, 'PostgreSQL needs the pg package: npm install pg', [], { cause: e });
    }
    this.worker = new Worker(BRIDGE, { eval: true, workerData: { driver, url, port: port2, flag: this.flag.buffer }, transferList: [port2] });
    // The bridge never keeps the process alive: pending rows are written by the exit hook.
    this.worker.unref();
    try {
      const meta = `${table}_meta`;
      this.existed = this.query('SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = $1', [meta]).length > 0;
      if (!this.existed) {
        this.transaction([
          [`CREATE TABLE IF NOT EXISTS ${this.table} (seq BIGSERIAL, key TEXT PRIMARY KEY, value TEXT NOT NULL)`, []],
          [`CREATE TABLE IF NOT EXISTS "${meta}" (name TEXT PRIMARY KEY, value TEXT NOT NULL)`, []],
          [`INSERT INTO "${meta}" VALUES ('format', 'tinysync/db 1') ON CONFLICT (name) DO NOTHING`, []],
        ]);
      }
      const format = this.query(`SELECT value FROM "${meta}" WHERE name = 'format'`, [])[0]?.value;
      if (format !== 'tinysync/db 1') throw new Error(`table "${table}" holds format ${JSON.stringify(format)}, not tinysync/db 1`);
    } catch (e) {
      this.close();
      throw new DbError('E_DB_OPEN', this.location, (e as Error).message, [], { cause: e });
    }
  }

  /** Sends one request to the bridge and waits for its answer. */
  private call(request: Request): Record<string, unknown>[] {
    Atomics.store(this.flag, 0, 0);
    this.port.postMessage(request);
    if (Atomics.wait(this.flag, 0, 0, PG_TIMEOUT_MS) === 'timed-out') throw new Error(`no answer from PostgreSQL within ${PG_TIMEOUT_MS} ms`);
    const reply = receiveMessageOnPort(this.port)?.message as Reply | undefined;
    if (!reply) throw new Error('the PostgreSQL bridge answered nothing');
    if ('error' in reply) throw new Error(reply.error);
    return reply.rows;
  }

  private query(sql: string, params: unknown[]): Record<string, unknown>[] {
    this.counters.statements++;
    return this.call({ sql, params });
  }

  private transaction(statements: [string, unknown[]][]): void {
    this.call({ tx: statements });
    this.counters.statements += statements.length + 2;
    this.counters.transactions++;
  }

  get(key: string): string | undefined {
    const row = this.query(`SELECT value FROM ${this.table} WHERE key = $1`, [key])[0];
    if (row) this.counters.rowsRead++;
    return row?.value as string | undefined;
  }

  has(key: string): boolean {
    return this.query(`SELECT 1 FROM ${this.table} WHERE key = $1`, [key]).length > 0;
  }

  keys(prefix?: string): string[] {
    const rows = prefix === undefined ? this.query(`SELECT key FROM ${this.table} WHERE strpos(key, chr(31)) = 0 ORDER BY seq`, []) : this.query(`SELECT key FROM ${this.table} WHERE left(key, length($1)) = $1 ORDER BY seq`, [prefix]);
    return rows.map((r) => r.key as string);
  }

  write(puts: readonly (readonly [string, string])[], deletes: readonly string[]): void {
    const upsert = `INSERT INTO ${this.table} (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`;
    this.transaction([
      ...puts.map(([key, value]): [string, unknown[]] => [upsert, [key, value]]),
      ...deletes.map((key): [string, unknown[]] => [`DELETE FROM ${this.table} WHERE key = $1`, [key]]),
    ]);
    this.counters.rowsWritten += puts.length;
    this.counters.rowsDeleted += deletes.length;
  }

  close(): void {
    this.port.postMessage('close');
    this.port.close();
    // The bridge ends its client and exits by itself; terminate() is the backstop.
    setTimeout(() => void this.worker.terminate(), 1000).unref();
  }
}

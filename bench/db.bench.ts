// tinysync/db on SQLite, what the ancestor's DBM promised, measured on the built package:
// - opening a store of 1,000,000 keys vs one of 1,000 (median of OPENS opens each): no row is
//   read at open, so both should take the same time;
// - changing one key of the 1,000,000-key store: the statements and rows one flush runs
//   (counted by dbStats, not timed);
// - memory (JS heap + external, after GC) with an empty store open vs with the 1,000,000-key
//   store open and 10 of its keys read and changed.
// The stores are filled with plain SQL in one transaction (a tracked initial of a million
// objects would measure track(), not the database). With TINYSYNC_TEST_POSTGRES_URL set, the
// open and change cases run on PostgreSQL too (tables made and dropped here).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import Database from 'better-sqlite3';
import pg from 'pg';
import { close, dbStats, flush, trackDb } from 'tinysync/db';
import { describe, expect, it } from 'vitest';
import { report, type BenchRow } from './harness.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const OPENS = 31;
type Row = { name: string; visits: number; tags: string[] };
const row = (i: number): Row => ({ name: `user ${i}`, visits: i % 100, tags: ['a', 'b'] });

/** A tinysync/db SQLite file holding `n` keys (k0 … k<n-1>). */
async function fill(file: string, n: number): Promise<void> {
  await close(await trackDb(file, {}));
  const db = new Database(file);
  const insert = db.prepare('INSERT INTO tinysync (key, value) VALUES (?, ?)');
  db.transaction(() => {
    for (let i = 0; i < n; i++) insert.run(`k${i}`, JSON.stringify(row(i)));
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Median open time of each file, opens interleaved so that drift in the machine's load hits both alike. */
async function openTimes(files: string[]): Promise<number[]> {
  const samples = files.map(() => [] as number[]);
  for (let i = 0; i < OPENS; i++) {
    for (const [k, file] of files.entries()) {
      const t0 = performance.now();
      const store = await trackDb(file, {});
      samples[k]!.push(performance.now() - t0);
      await close(store);
    }
  }
  return samples.map(median);
}

function memory(): number {
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

describe('tinysync/db bench', () => {
  it('open time by size, rows written per change, memory after touching 10 keys of 1,000,000', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tinysync-db-bench-'));
    try {
      const small = join(dir, 'small.db');
      const big = join(dir, 'big.db');
      const empty = join(dir, 'empty.db');
      await fill(small, 1_000);
      await fill(big, 1_000_000);
      await close(await trackDb(empty, {}));
      const rows: BenchRow[] = [];

      await openTimes([small, big]); // warm-up: module, native addon, file cache
      const [openSmall, openBig] = (await openTimes([small, big])) as [number, number];
      rows.push({ case: 'open', subject: '1,000 keys', value: openSmall, unit: 'ms', better: 'lower', extra: { opens: OPENS } });
      rows.push({ case: 'open', subject: '1,000,000 keys', value: openBig, unit: 'ms', better: 'lower', extra: { opens: OPENS } });

      // One key changed in the big store: what the flush runs.
      const store = await trackDb(big, {} as Record<string, Row>);
      store.k123456!.visits++;
      const before = dbStats(store);
      await flush(store);
      const after = dbStats(store);
      const written = after.rowsWritten - before.rowsWritten;
      const statements = after.statements - before.statements;
      expect(written).toBe(1);
      expect(statements).toBe(3); // BEGIN, one upsert, COMMIT
      rows.push({ case: 'change one key of 1,000,000', subject: 'rows written', value: written, unit: 'rows', better: 'lower' });
      rows.push({ case: 'change one key of 1,000,000', subject: 'SQL statements', value: statements, unit: 'statements', better: 'lower', extra: { rowsRead: after.rowsRead } });
      await close(store);

      // Memory: an empty store open, then the big one with 10 keys touched.
      const base = memory();
      const none = await trackDb(empty, {});
      const withEmpty = memory();
      await close(none);
      const bigStore = await trackDb(big, {} as Record<string, Row>);
      for (let i = 0; i < 10; i++) bigStore[`k${i * 99_991}`]!.visits++;
      await flush(bigStore);
      const withBig = memory();
      expect(dbStats(bigStore).loaded).toBe(10);
      await close(bigStore);
      rows.push({ case: 'memory (heap + external after GC)', subject: 'empty store open', value: withEmpty, unit: 'bytes', better: 'lower', extra: { delta: withEmpty - base } });
      rows.push({ case: 'memory (heap + external after GC)', subject: '1,000,000 keys, 10 touched', value: withBig, unit: 'bytes', better: 'lower', extra: { delta: withBig - base } });

      report('tinysync/db (SQLite)', rows, '1,000 keys');
      if (process.env.TINYSYNC_TEST_POSTGRES_URL) await postgres(process.env.TINYSYNC_TEST_POSTGRES_URL);
      console.log(`open 1,000,000 / 1,000 keys: ${(openBig / openSmall).toFixed(2)}×; memory 1,000,000 keys with 10 touched / empty store: ${(withBig / withEmpty).toFixed(3)}× (deltas over the process baseline: ${withEmpty - base} vs ${withBig - base} bytes)`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** The open and change cases on PostgreSQL: tables of 1,000 and 1,000,000 keys. */
async function postgres(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const tables = { small: 'bench_db_small', big: 'bench_db_big' };
  try {
    for (const [table, n] of [[tables.small, 1_000], [tables.big, 1_000_000]] as const) {
      await client.query(`DROP TABLE IF EXISTS "${table}", "${table}_meta"`);
      await close(await trackDb(url, {}, { table }));
      await client.query(`INSERT INTO "${table}" (key, value) SELECT 'k' || i, '{"name":"user ' || i || '","visits":1,"tags":["a","b"]}' FROM generate_series(0, ${n - 1}) AS i`);
    }
    const open = async (table: string) => {
      const t0 = performance.now();
      const store = await trackDb(url, {} as Record<string, Row>, { table });
      const ms = performance.now() - t0;
      return { store, ms };
    };
    const samples = { small: [] as number[], big: [] as number[] };
    for (let i = 0; i < OPENS; i++) {
      for (const size of ['small', 'big'] as const) {
        const { store, ms } = await open(tables[size]);
        samples[size].push(ms);
        await close(store);
      }
    }
    const { store } = await open(tables.big);
    store.k123456!.visits++;
    const before = dbStats(store);
    await flush(store);
    const after = dbStats(store);
    expect(after.rowsWritten - before.rowsWritten).toBe(1);
    await close(store);
    const openSmall = median(samples.small);
    const openBig = median(samples.big);
    report('tinysync/db (PostgreSQL)', [
      { case: 'open', subject: '1,000 keys', value: openSmall, unit: 'ms', better: 'lower', extra: { opens: OPENS } },
      { case: 'open', subject: '1,000,000 keys', value: openBig, unit: 'ms', better: 'lower', extra: { opens: OPENS } },
      { case: 'change one key of 1,000,000', subject: 'rows written', value: after.rowsWritten - before.rowsWritten, unit: 'rows', better: 'lower', extra: { statements: after.statements - before.statements } },
    ], '1,000 keys');
  } finally {
    for (const table of Object.values(tables)) await client.query(`DROP TABLE IF EXISTS "${table}", "${table}_meta"`);
    await client.end();
  }
}

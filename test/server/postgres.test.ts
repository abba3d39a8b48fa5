// The PostgreSQL backend on a real PostgreSQL: the Persistence contract, plus what sharing one
// database between instances asks for (advisory lock around compaction, nothing compacted away).
import pg from 'pg';
import { PostgresPersistence } from 'tinysync/server';
import { afterAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { testPostgres, reportSkip } from './engines.js';
import { contentOf, edit, persistenceContract } from './persistence-contract.js';
import { pollUntil } from './helpers.js';

const got = await testPostgres();
const url = 'engine' in got ? got.engine.url : '';
if ('skip' in got) reportSkip('PostgreSQL tests', got.skip);
afterAll(() => ('engine' in got ? got.engine.stop() : undefined));

let n = 0;
const fresh = (name: string) => `${name}-${process.pid}-${++n}-${Date.now()}`;
const LOCK_CLASS = 0x7473796e;

describe.skipIf(!url)('PostgresPersistence', () => {
  describe('contract', () => {
    persistenceContract({ open: () => new PostgresPersistence(url), doc: fresh });
  });

  it('creates its schema once even when instances start together, and records its version', async () => {
    const stores = [1, 2, 3].map(() => new PostgresPersistence(url));
    const doc = fresh('s');
    await Promise.all(stores.map((s, i) => s.append(doc, edit(`k${i}`, 'v'))));
    expect(contentOf((await stores[0]!.load(doc)).updates)).toEqual({ k0: 'v', k1: 'v', k2: 'v' });
    const db = new pg.Client(url);
    await db.connect();
    const { rows } = await db.query<{ version: number }>('SELECT version FROM tinysync_schema ORDER BY version');
    await db.end();
    expect(rows).toEqual([{ version: 1 }]);
    await Promise.all(stores.map((s) => s.close()));
  });

  it('keeps an update another instance appended that the compacting instance had not seen', async () => {
    const doc = fresh('merge');
    const a = new PostgresPersistence(url);
    const b = new PostgresPersistence(url);
    const mine = [edit('a1', 'x'), edit('a2', 'y')];
    await a.append(doc, mine[0]!);
    await b.append(doc, edit('b1', 'from B')); // not yet applied by A
    const upTo = await a.append(doc, mine[1]!);
    await a.compact(doc, Y.mergeUpdates(mine), upTo);
    const log = await b.load(doc);
    expect(log.updates).toHaveLength(1);
    expect(contentOf(log.updates)).toEqual({ a1: 'x', a2: 'y', b1: 'from B' });
    await Promise.all([a.close(), b.close()]);
  });

  it('compacts under a per-document advisory lock: a compaction waits while another holds it', async () => {
    const doc = fresh('lock');
    const store = new PostgresPersistence(url);
    const updates = [edit('x', '1'), edit('y', '2')];
    await store.append(doc, updates[0]!);
    const upTo = await store.append(doc, updates[1]!);
    const other = new pg.Client(url);
    await other.connect();
    await other.query('SELECT pg_advisory_lock($1, hashtext($2))', [LOCK_CLASS, doc]);
    let done = false;
    const compaction = store.compact(doc, Y.mergeUpdates(updates), upTo).then(() => (done = true));
    // The compaction's transaction is queued behind our lock ...
    const waiting = async () => {
      const { rows } = await other.query<{ n: string }>("SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND classid = $1::oid", [LOCK_CLASS]);
      return Number(rows[0]!.n);
    };
    expect(await pollUntil(waiting, (w) => w > 0)).toBe(1);
    expect(done).toBe(false);
    // ... and nothing changed meanwhile.
    expect(await store.load(doc).then((l) => l.updates.length)).toBe(2);
    await other.query('SELECT pg_advisory_unlock($1, hashtext($2))', [LOCK_CLASS, doc]);
    await compaction;
    expect((await store.load(doc)).updates).toHaveLength(1);
    await other.end();
    await store.close();
  });

  it('a compaction behind another instance\'s (up to an older seq) changes nothing and does not fail', async () => {
    const doc = fresh('behind');
    const a = new PostgresPersistence(url);
    const b = new PostgresPersistence(url);
    const updates = [edit('x', '1'), edit('y', '2'), edit('z', '3')];
    const first = await a.append(doc, updates[0]!);
    await a.append(doc, updates[1]!);
    const last = await a.append(doc, updates[2]!);
    await a.compact(doc, Y.mergeUpdates(updates), last);
    // B had only seen the first update when it decided to compact.
    await b.compact(doc, updates[0]!, first);
    const log = await b.load(doc);
    expect(log.updates).toHaveLength(1);
    expect(contentOf(log.updates)).toEqual({ x: '1', y: '2', z: '3' });
    await Promise.all([a.close(), b.close()]);
  });

  it('two instances compacting one document at once lose nothing', async () => {
    const doc = fresh('race');
    const a = new PostgresPersistence(url);
    const b = new PostgresPersistence(url);
    const all: Uint8Array[] = [];
    let last = 0;
    for (let i = 0; i < 20; i++) {
      const u = edit(`k${i}`, String(i));
      all.push(u);
      last = await (i % 2 ? a : b).append(doc, u);
    }
    const results = await Promise.allSettled([a.compact(doc, Y.mergeUpdates(all.slice(0, 10)), last), b.compact(doc, Y.mergeUpdates(all), last)]);
    // The second to take the lock may find only the first's snapshot to replace: it merges it.
    expect(results.filter((r) => r.status === 'fulfilled').length).toBeGreaterThanOrEqual(1);
    const log = await a.load(doc);
    expect(log.updates).toHaveLength(1);
    expect(Object.keys(contentOf(log.updates))).toHaveLength(20);
    await Promise.all([a.close(), b.close()]);
  });

  it('reports the database down when it cannot be reached, without throwing from check()', async () => {
    const store = new PostgresPersistence('postgres://postgres@127.0.0.1:1/none', { timeoutMs: 2000 });
    expect(await store.check()).toBe('down');
    await expect(store.append('x', edit('a', 'b'))).rejects.toThrow();
    expect(store.state).toBe('down');
    await store.close();
  });
});

// tinysync/db on PostgreSQL: the same lazy rows as SQLite, through pg in a worker thread.
// Needs a server: TINYSYNC_TEST_POSTGRES_URL=postgres://user@host:port/db, or a throwaway one
// started here as the server's tests do (test/server/engines.ts; tests create and drop their own
// tables). Skipped, with a message, when neither can be had.
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { snapshot } from 'tinysync';
import { close, dbStats, flush, lock, trackDb } from 'tinysync/db';
import { distModule, startChild } from '../child.js';
import { reportSkip, testPostgres } from '../server/engines.js';

const got = await testPostgres();
if ('skip' in got) reportSkip('tinysync/db PostgreSQL tests', got.skip);
const url = 'engine' in got ? got.engine.url : undefined;

const tables: string[] = [];
const fresh = () => {
  const t = `t_${randomUUID().replace(/-/g, '')}`;
  tables.push(t);
  return t;
};

async function sql<R extends Record<string, unknown>>(text: string, params: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, params)).rows as R[];
  } finally {
    await client.end();
  }
}

afterAll(async () => {
  if (!url || !('engine' in got)) return;
  for (const t of tables) await sql(`DROP TABLE IF EXISTS "${t}", "${t}_meta"`);
  await got.engine.stop();
});

const nextTick = () => new Promise<void>((r) => setImmediate(r));

describe.skipIf(!url)('trackDb on PostgreSQL', () => {
  it('writes initial once, reads no row at open and one per first access, writes only touched rows in one transaction', async () => {
    const table = fresh();
    const first = await trackDb(url!, Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`k${i}`, { n: i }])) as Record<string, { n: number }>, { table });
    await close(first);
    const s = await trackDb(url!, { ignored: { n: -1 } } as Record<string, { n: number }>, { table });
    expect(dbStats(s)).toMatchObject({ rowsRead: 0, loaded: 0 });
    expect(s.k7!.n).toBe(7);
    expect(s.k7!.n).toBe(7);
    expect('ignored' in s).toBe(false);
    expect(dbStats(s)).toMatchObject({ rowsRead: 1, loaded: 1 });
    s.k7!.n = 70;
    s.added = { n: 1000 };
    delete s.k199;
    const before = dbStats(s);
    await flush(s);
    const after = dbStats(s);
    expect(after.transactions - before.transactions).toBe(1);
    expect([after.rowsWritten - before.rowsWritten, after.rowsDeleted - before.rowsDeleted]).toEqual([2, 1]);
    const rows = await sql<{ key: string; value: string }>(`SELECT key, value FROM "${table}" ORDER BY seq`);
    expect(rows).toHaveLength(200);
    expect(rows.find((r) => r.key === 'k7')!.value).toBe('{"n":70}');
    expect(rows.at(-1)).toEqual({ key: 'added', value: '{"n":1000}' });
    expect(Object.keys(s).slice(-2)).toEqual(['k198', 'added']);
    await close(s);
  });

  it("'auto' writes at the end of the tick; Maps, Sets and __proto__ round trip; lock serialises the seed's counter", async () => {
    const table = fresh();
    const s = await trackDb(url!, { counter: { value: 0 } } as Record<string, unknown>, { table });
    const counter = s.counter as { value: number };
    const increment = async () => {
      const n = counter.value;
      await nextTick();
      counter.value = n + 1;
    };
    await Promise.all([lock(s, increment), lock(s, increment)]);
    s.tags = new Set(['a']);
    s['__proto__'] = { polluted: true };
    s.users = new Map([['ada', { admin: true }]]);
    await nextTick();
    await nextTick();
    expect(dbStats(s).pending).toBe(0);
    await close(s);
    const again = await trackDb(url!, {} as Record<string, unknown>, { table });
    expect(snapshot(again.counter)).toEqual({ value: 2 });
    expect(again.tags).toBeInstanceOf(Set);
    expect((again.users as Map<string, unknown>).get('ada')).toEqual({ admin: true });
    expect(snapshot(again['__proto__'] as object)).toEqual({ polluted: true });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    await close(again);
  });

  it('a read that fails (the connection was killed) is a DbError E_DB_READ naming the key', async () => {
    const table = fresh();
    // Its own application_name, so that only this store's connection is killed.
    const name = `tinysync-test-${randomUUID()}`;
    const withName = `${url!}${url!.includes('?') ? '&' : '?'}application_name=${name}`;
    const s = await trackDb(withName, { a: 1 } as Record<string, unknown>, { table });
    const [killed] = await sql<{ n: string }>('SELECT count(pg_terminate_backend(pid)) AS n FROM pg_stat_activity WHERE application_name = $1', [name]);
    expect(Number(killed!.n)).toBe(1);
    expect(() => s.b).toThrow(expect.objectContaining({ name: 'DbError', code: 'E_DB_READ', path: ['b'] }));
    await close(s, { discard: true });
  });

  it('branches: each item is a row; a branch lists only its own rows', async () => {
    const table = fresh();
    const first = await trackDb(url!, { top: 1, users: { ada: { n: 1 }, bob: { n: 2 } } } as Record<string, unknown>, { table, branches: ['users'] });
    await close(first);
    const s = await trackDb(url!, {} as { top: number; users: Record<string, { n: number }> }, { table, branches: ['users'] });
    expect(Object.keys(s)).toEqual(['top', 'users']);
    expect(Object.keys(s.users)).toEqual(['ada', 'bob']);
    s.users.bob!.n = 20;
    await flush(s);
    expect(dbStats(s)).toMatchObject({ rowsRead: 1, loaded: 1 });
    const rows = await sql<{ key: string; value: string }>(`SELECT key, value FROM "${table}" ORDER BY seq`);
    expect(rows).toEqual([
      { key: 'top', value: '1' },
      { key: 'users\u001fada', value: '{"n":1}' },
      { key: 'users\u001fbob', value: '{"n":20}' },
    ]);
    await close(s);
  });

  it('pending rows are written at process exit', async () => {
    const table = fresh();
    const child = startChild(new URL('./fixtures/exit-pg.mjs', import.meta.url), [url!, table], { TINYSYNC_DB_MODULE: distModule('db') });
    expect(await child.exited).toEqual({ code: 0, signal: null });
    const rows = await sql<{ key: string; value: string }>(`SELECT key, value FROM "${table}" ORDER BY seq`);
    expect(rows).toEqual([
      { key: 'n', value: '{"v":42}' },
      { key: 'extra', value: '[1,2]' },
    ]);
  });
});

// tinysync/db: top-level keys are SQLite rows, read on first access, written per touched row.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { snapshot, subscribe, transact } from 'tinysync';
import { close, dbStats, flush, hold, lock, trackDb, unhold } from 'tinysync/db';
import { distModule, startChild } from '../child.js';

let dir: string;
const opened: object[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tinysync-db-'));
});
afterEach(async () => {
  for (const data of opened.splice(0)) await close(data, { discard: true }).catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

type Users = Record<string, { name: string; visits: number; tags?: Set<string> }>;

async function open<T extends Record<string, unknown>>(initial: T, opts: Parameters<typeof trackDb>[2] = {}, file = 'store.db') {
  const data = await trackDb(join(dir, file), initial, opts);
  opened.push(data);
  return data;
}

async function reopen<T extends Record<string, unknown>>(data: object, initial: T, file = 'store.db') {
  await close(data);
  opened.splice(opened.indexOf(data), 1);
  return open(initial, {}, file);
}

/** The rows as SQLite holds them, read with a separate connection. */
function rows(file = 'store.db'): Record<string, unknown> {
  const db = new Database(join(dir, file), { readonly: true });
  try {
    return Object.fromEntries((db.prepare('SELECT key, value FROM tinysync ORDER BY rowid').all() as { key: string; value: string }[]).map((r) => [r.key, JSON.parse(r.value)]));
  } finally {
    db.close();
  }
}

const nextTick = () => new Promise<void>((r) => setImmediate(r));

describe('trackDb', () => {
  it('writes initial as one row per key on the first open; later opens take the rows and ignore initial', async () => {
    const users = await open<Users>({ ada: { name: 'Ada', visits: 1 }, bob: { name: 'Bob', visits: 0, tags: new Set(['x']) } });
    expect(rows()).toEqual({ ada: { name: 'Ada', visits: 1 }, bob: { name: 'Bob', visits: 0, tags: { $set: ['x'] } } });
    const again = await reopen(users, { other: { name: 'O', visits: 9 } } as Users);
    expect(Object.keys(again)).toEqual(['ada', 'bob']);
    expect(again.bob!.tags).toBeInstanceOf(Set);
    expect(snapshot(again.ada)).toEqual({ name: 'Ada', visits: 1 });
    expect('other' in again).toBe(false);
  });

  it('reads no row at open, and one row on the first access of a key', async () => {
    const seed = await open<Record<string, { n: number }>>(Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`k${i}`, { n: i }])));
    const store = await reopen(seed, {} as Record<string, { n: number }>);
    expect(dbStats(store)).toMatchObject({ rowsRead: 0, loaded: 0 });
    expect(store.k42!.n).toBe(42);
    expect(store.k42!.n).toBe(42);
    expect(store.k7!.n).toBe(7);
    expect(dbStats(store)).toMatchObject({ rowsRead: 2, loaded: 2 });
    expect(store.missing).toBeUndefined();
    expect('k499' in store).toBe(true);
    expect(dbStats(store)).toMatchObject({ rowsRead: 2, loaded: 2 });
    // Listing keys is one scan and reads no value; spreading reads them all.
    const before = dbStats(store).statements;
    expect(Object.keys(store)).toHaveLength(500);
    expect(Object.keys(store)[42]).toBe('k42');
    expect(dbStats(store)).toMatchObject({ rowsRead: 2, loaded: 2, statements: before + 2 });
    expect(Object.values({ ...store }).map((v) => v!.n)).toEqual(Array.from({ length: 500 }, (_, i) => i));
    expect(dbStats(store)).toMatchObject({ rowsRead: 500, loaded: 500 });
  });

  it('a change rewrites only the rows it touched: all changes of one tick in one transaction', async () => {
    const store = await open<Users>(Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`u${i}`, { name: `U${i}`, visits: 0 }])));
    const s = await reopen(store, {} as Users);
    s.u3!.visits++;
    s.u3!.visits++;
    s.u50!.name = 'Fifty';
    s.newcomer = { name: 'New', visits: 1 };
    delete s.u99;
    expect(dbStats(s)).toMatchObject({ rowsRead: 2, pending: 4 }); // u3 and u50 were read; u99 only checked
    const before = dbStats(s);
    await flush(s);
    const after = dbStats(s);
    expect(after.transactions - before.transactions).toBe(1);
    expect(after.rowsWritten - before.rowsWritten).toBe(3);
    expect(after.rowsDeleted - before.rowsDeleted).toBe(1);
    // BEGIN, 3 upserts, 1 delete, COMMIT.
    expect(after.statements - before.statements).toBe(6);
    const r = rows();
    expect(r.u3).toEqual({ name: 'U3', visits: 2 });
    expect(r.u50).toEqual({ name: 'Fifty', visits: 0 });
    expect(r.newcomer).toEqual({ name: 'New', visits: 1 });
    expect('u99' in r).toBe(false);
    expect(Object.keys(r)).toHaveLength(100);
  });

  it("'auto' writes at the end of the tick by itself; hold() keeps writing back until unhold()", async () => {
    const written: string[][] = [];
    const s = await open({ a: { n: 0 }, b: { n: 0 } }, { onWrite: (keys) => written.push(keys) });
    written.length = 0;
    s.a.n = 1;
    transact(s.b, () => {
      s.b.n = 1;
    });
    expect(rows().a).toEqual({ n: 0 }); // not yet: end of tick
    await nextTick();
    await nextTick();
    expect(written).toEqual([['a', 'b']]);
    expect(rows()).toMatchObject({ a: { n: 1 }, b: { n: 1 } });
    hold(s);
    s.a.n = 2;
    await nextTick();
    await nextTick();
    expect(rows().a).toEqual({ n: 1 });
    unhold(s);
    await nextTick();
    await nextTick();
    expect(rows().a).toEqual({ n: 2 });
    expect(written).toEqual([['a', 'b'], ['a']]);
  });

  it('keeps the value rules: a refused value names its key path and changes nothing', async () => {
    const s = await open({ a: { n: 1 } } as Record<string, unknown>);
    expect(() => (s.b = { f: () => 1 })).toThrow(expect.objectContaining({ code: 'E_VALUE', path: ['b', 'f'] }));
    expect(() => (s.c = Number.NaN)).toThrow(expect.objectContaining({ code: 'E_VALUE', path: ['c'] }));
    expect(() => (s.d = undefined)).toThrow(expect.objectContaining({ code: 'E_VALUE' }));
    expect(Object.keys(s)).toEqual(['a']);
    s.count = 5;
    s.label = 'x';
    s['__proto__'] = { polluted: true };
    await flush(s);
    expect(rows()).toEqual({ a: { n: 1 }, count: 5, label: 'x', ['__proto__']: { polluted: true } });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const again = await reopen(s, {} as Record<string, unknown>);
    expect(snapshot(again['__proto__'] as object)).toEqual({ polluted: true });
    expect(again.count).toBe(5);
  });

  it('each key is a tracked tree: subscribe and transact work on it; a replaced tree is no longer saved', async () => {
    const s = await open({ todo: { items: ['a'] as string[] } });
    const heard: string[] = [];
    subscribe(s.todo, ['items'], (c) => heard.push(c.op));
    s.todo.items.push('b');
    expect(heard).toEqual(['push']);
    const old = s.todo;
    s.todo = { items: ['fresh'] };
    old.items.push('lost');
    await flush(s);
    expect(rows().todo).toEqual({ items: ['fresh'] });
  });

  it('flush at exit writes pending rows, even held and manual ones', async () => {
    const child = startChild(new URL('./fixtures/exit.mjs', import.meta.url), [join(dir, 'exit.db')], { TINYSYNC_DB_MODULE: distModule('db') });
    expect(await child.exited).toEqual({ code: 0, signal: null });
    expect(rows('exit.db')).toEqual({ n: { v: 42 }, extra: [1, 2] });
  });

  it('close() writes and closes; later reads of unread keys fail with E_DB_CLOSED; bad handles and locations are refused', async () => {
    const s = await reopen(await open({ a: { n: 1 }, b: { n: 2 } }), {} as Record<string, { n: number }>);
    expect(s.a!.n).toBe(1);
    s.a!.n = 5;
    await close(s);
    opened.length = 0;
    expect(s.a!.n).toBe(5);
    expect(() => s.b).toThrow(expect.objectContaining({ code: 'E_DB_CLOSED' }));
    expect(() => hold(s)).toThrow(expect.objectContaining({ code: 'E_NOT_DB' }));
    expect(rows()).toEqual({ a: { n: 5 }, b: { n: 2 } });
    await expect(trackDb('mysql://u:secret@127.0.0.1/db', {})).rejects.toMatchObject({ code: 'E_DB_URL', message: expect.not.stringContaining('secret') });
    await expect(trackDb('postgres://u:secret@127.0.0.1:1/db', {})).rejects.toMatchObject({ code: 'E_DB_OPEN', message: expect.not.stringContaining('secret') });
    await expect(trackDb(join(dir, 'x.db'), {}, { table: 'a; DROP TABLE x' })).rejects.toMatchObject({ code: 'E_DB_OPEN' });
    const twice = await open({}, {}, 'twice.db');
    await expect(trackDb(join(dir, 'twice.db'), {})).rejects.toMatchObject({ code: 'E_DB_OPEN' });
    expect(Object.keys(twice)).toEqual([]);
  });
});

describe('lock on a db root', () => {
  it("the seed's counter: two concurrent async read-modify-writes of one row end at 2", async () => {
    const s = await open({ counter: { value: 0 } });
    const increment = async () => {
      const n = s.counter.value;
      await nextTick();
      s.counter.value = n + 1;
    };
    await Promise.all([lock(s, increment), lock(s, increment)]);
    expect(s.counter.value).toBe(2);
    await flush(s);
    expect(rows().counter).toEqual({ value: 2 });
    await expect(lock({}, increment)).rejects.toMatchObject({ code: 'E_NOT_DB' });
  });
});

describe('branches', () => {
  type User = { name: string; visits: number };
  it('each item of a branch is a row, read on first access; listing a branch reads no row', async () => {
    const first = await open({ settings: { theme: 'dark' }, users: { ada: { name: 'Ada', visits: 1 }, bob: { name: 'Bob', visits: 2 } } as Record<string, User> }, { branches: ['users'] });
    expect(Object.keys(rows())).toEqual(['settings', 'users\u001fada', 'users\u001fbob']);
    await close(first);
    opened.length = 0;
    const s = await open({ settings: { theme: '' }, users: {} as Record<string, User> }, { branches: ['users'] });
    expect(Object.keys(s)).toEqual(['settings', 'users']);
    expect(Object.keys(s.users)).toEqual(['ada', 'bob']);
    expect(dbStats(s)).toMatchObject({ rowsRead: 0, loaded: 0 });
    s.users.bob!.visits++;
    s.users.cy = { name: 'Cy', visits: 0 };
    delete s.users.ada;
    expect('ada' in s.users).toBe(false);
    expect(dbStats(s)).toMatchObject({ rowsRead: 1, loaded: 2 });
    const before = dbStats(s);
    await flush(s);
    const after = dbStats(s);
    expect([after.rowsWritten - before.rowsWritten, after.rowsDeleted - before.rowsDeleted, after.transactions - before.transactions]).toEqual([2, 1, 1]);
    expect(rows()).toEqual({ settings: { theme: 'dark' }, 'users\u001fbob': { name: 'Bob', visits: 3 }, 'users\u001fcy': { name: 'Cy', visits: 0 } });
    expect(Object.keys(s.users)).toEqual(['bob', 'cy']);
  });

  it('a branch cannot be replaced, and keys cannot reach into a branch through the separator', async () => {
    const s = await open({ users: {} as Record<string, User> } as Record<string, unknown>, { branches: ['users'] });
    (s.users as Record<string, User>).ada = { name: 'Ada', visits: 0 };
    await flush(s);
    expect(() => (s.users = {})).toThrow(TypeError);
    expect(() => delete s.users).toThrow(TypeError);
    expect(s['users\u001fada']).toBeUndefined();
    expect('users\u001fada' in s).toBe(false);
    expect(() => (s['users\u001fbob'] = { name: 'B', visits: 0 })).toThrow(TypeError);
    expect(() => ((s.users as Record<string, unknown>).bad = { f: () => 1 })).toThrow(expect.objectContaining({ code: 'E_VALUE', path: ['users', 'bad', 'f'] }));
    await expect(trackDb(join(dir, 'b.db'), { users: [] as unknown[] }, { branches: ['users'] })).rejects.toThrow(TypeError);
  });
});

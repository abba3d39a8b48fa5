import { afterEach, describe, expect, it } from 'vitest';
import { subscribe, type Change } from 'tinysync';
import { StorageError, createStore, type Store } from 'tinysync/browser';
import { uniqueNames, until } from './wait.js';

const uniqueName = uniqueNames('store-test');
const stores: Array<Store<object>> = [];

async function open<T extends object>(name: string, initial: T): Promise<Store<T>> {
  const s = await createStore(name, initial);
  stores.push(s as Store<object>);
  return s;
}

afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
});

interface Todos {
  title: string;
  items: Array<{ text: string; done: boolean }>;
  tags: Record<string, number>;
}
const initial = (): Todos => ({ title: 'list', items: [], tags: {} });

describe('createStore in Chromium', () => {
  it('reloads stored data, which wins over initial', async () => {
    const name = uniqueName();
    const a = await open(name, initial());
    a.data.items.push({ text: 'one', done: false });
    a.data.title = 'renamed';
    await a.flushed();
    await a.close();
    const b = await open(name, { title: 'ignored', items: [{ text: 'ignored too', done: true }], tags: {} });
    expect(b.data).toEqual({ title: 'renamed', items: [{ text: 'one', done: false }], tags: {} });
  });

  it("a store without sync says 'local', not 'offline', and stays so through setOnline and close", async () => {
    const seen: string[] = [];
    for (const sync of [undefined, false] as const) {
      const s = await createStore(uniqueName(), initial(), sync === undefined ? {} : { sync });
      stores.push(s as Store<object>);
      expect(s.status).toBe('local');
      s.onStatus((status) => seen.push(status));
      s.setOnline(false);
      s.setOnline(true);
      s.data.title = 'changed';
      await s.flushed();
      await s.close();
      expect(s.status).toBe('local');
    }
    expect(seen).toEqual([]);
  });

  it('two stores on the same name converge and see each other as remote', async () => {
    const name = uniqueName();
    const a = await open(name, initial());
    const b = await open(name, initial());
    const seen: Change[] = [];
    subscribe(b.data, ['items'], (c) => seen.push(c));
    a.data.items.push({ text: 'from a', done: false });
    b.data.tags['x'] = 1;
    await until(() => b.data.items.length === 1 && a.data.tags['x'] === 1, 'convergence');
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((c) => c.origin === 'remote')).toBe(true);
    a.data.items[0]!.done = true;
    b.data.items.push({ text: 'from b', done: false });
    await until(() => a.data.items.length === 2 && b.data.items[0]!.done, 'second round');
    expect(a.data).toEqual(b.data);
  });

  it('undo() and redo() revert and reapply local changes, and the other tab follows', async () => {
    const name = uniqueName();
    const a = await open(name, initial());
    const b = await open(name, initial());
    a.data.title = 'changed';
    expect(a.undo()).toBe(true);
    expect(a.data.title).toBe('list');
    expect(a.redo()).toBe(true);
    expect(a.data.title).toBe('changed');
    await until(() => b.data.title === 'changed', 'b to follow');
  });

  it('lock(): two stores × 50 read-increment-write end at exactly 100', async () => {
    const name = uniqueName();
    const a = await open(name, { n: 0 });
    const b = await open(name, { n: 0 });
    const work = async (s: Store<{ n: number }>) => {
      for (let i = 0; i < 50; i++) await s.lock('counter', () => void (s.data.n = s.data.n + 1));
    };
    await Promise.all([work(a), work(b)]);
    await until(() => a.data.n === 100 && b.data.n === 100, 'both at 100');
  });

  it('a quota error is reported as a StorageError; the store keeps working and the write is retried', async () => {
    const name = uniqueName();
    const s = await createStore(name, { n: 0 }, { failWrites: 2 });
    stores.push(s as Store<object>);
    const codes: string[] = [];
    s.onError((e) => {
      expect(e).toBeInstanceOf(StorageError);
      codes.push(e.code);
    });
    s.data.n = 1;
    expect(s.data.n).toBe(1);
    await s.flushed();
    expect(codes).toEqual(['E_QUOTA', 'E_QUOTA']);
    await s.close();
    stores.splice(stores.indexOf(s as Store<object>), 1);
    const again = await open(name, { n: 0 });
    expect(again.data.n).toBe(1);
  });

  it('several stores with different names live side by side', async () => {
    const a = await open(uniqueName(), { v: 'a' });
    const b = await open(uniqueName(), { v: 'b' });
    a.data.v = 'a2';
    await a.flushed();
    expect(b.data.v).toBe('b');
  });
});

// TabLifetimes: a tab's lifetime lock, and the others learning the moment it is gone.
import { afterEach, describe, expect, it } from 'vitest';
import { TabLifetimes } from '../../src/worker/tab-lifetimes.js';
import { MemoryLocks } from './memory-locks.js';
import { until } from './wait.js';

const open: TabLifetimes[] = [];
afterEach(() => {
  for (const t of open.splice(0)) t.close();
});

function lifetimes(locks: MemoryLocks, tab: string, gone: number[] = []): TabLifetimes {
  const t = new TabLifetimes(locks, 'store', tab, (client) => gone.push(client));
  open.push(t);
  return t;
}

/** Lets queued lock hand-overs and their callbacks run. */
const settle = async () => {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
};

describe('TabLifetimes', () => {
  it('reports a watched tab gone once (with the client id it announced last) when its lock is released, never while it lives', async () => {
    const locks = new MemoryLocks();
    const gone: number[] = [];
    const watcher = lifetimes(locks, 'w', gone);
    const other = lifetimes(locks, 'x');
    await other.held;
    expect(other.holding).toBe(true);
    watcher.seen('x', 1);
    watcher.seen('x', 2); // a new client id (repair replaced the doc): one watch, the newest id
    await settle();
    expect(gone).toEqual([]);
    other.close();
    await until(() => gone.length > 0, 'the watcher to see x gone');
    await settle();
    expect(gone).toEqual([2]);
  });

  it('every watcher learns it; a closed watcher stops watching and releases its own lock', async () => {
    const locks = new MemoryLocks();
    const [goneA, goneB] = [[] as number[], [] as number[]];
    const a = lifetimes(locks, 'a', goneA);
    const b = lifetimes(locks, 'b', goneB);
    const x = lifetimes(locks, 'x');
    await Promise.all([a.held, b.held, x.held]);
    a.seen('x', 7);
    b.seen('x', 7);
    b.seen('a', 3);
    a.close(); // a leaves first: b sees it; a no longer watches x
    await until(() => goneB.includes(3), 'b to see a gone');
    x.close();
    await until(() => goneB.includes(7), 'b to see x gone');
    await settle();
    expect(goneA).toEqual([]);
    expect(goneB).toEqual([3, 7]);
  });
});

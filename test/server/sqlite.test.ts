// The SQLite backend against the Persistence contract.
import { SqlitePersistence } from 'tinysync/server';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, tempDir } from './helpers.js';

afterEach(cleanup);

const bytes = (...b: number[]) => Uint8Array.from(b);
const plain = (updates: Uint8Array[]) => updates.map((u) => [...u]);

describe('SqlitePersistence', () => {
  it('keeps one ordered log per document, across reopen', async () => {
    const dir = tempDir();
    const store = new SqlitePersistence(dir);
    expect(store.load('a')).toEqual({ updates: [], lastSeq: 0 });
    const s1 = store.append('a', bytes(1));
    store.append('b', bytes(9));
    const s2 = store.append('a', bytes(2));
    expect(s2).toBeGreaterThan(s1);
    await store.close();
    const again = new SqlitePersistence(dir);
    const log = again.load('a');
    expect(plain(log.updates)).toEqual([[1], [2]]);
    expect(log.lastSeq).toBe(s2);
    expect(plain(again.load('b').updates)).toEqual([[9]]);
    await again.close();
  });

  it('compacts atomically: entries up to the mark become the snapshot, later ones stay after it', async () => {
    const store = new SqlitePersistence(tempDir());
    store.append('a', bytes(1));
    const mark = store.append('a', bytes(2));
    store.append('a', bytes(3));
    store.compact('a', bytes(12), mark);
    expect(plain(store.load('a').updates)).toEqual([[12], [3]]);
    // Nothing to replace: the transaction throws and rolls back, the log is unchanged.
    expect(() => store.compact('none', bytes(0), 10)).toThrow(/no stored update/);
    expect(store.load('none').updates).toEqual([]);
    await store.close();
  });
});
